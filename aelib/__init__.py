"""AE Lab's library: data, models, training, projections and figures. Importing it does nothing."""
