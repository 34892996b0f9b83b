"""The application labs (anomaly detection, denoising, drawing, generation, super-resolution,
compression, few labels, augmentation), each with its figures."""
