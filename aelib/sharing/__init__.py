"""Work that leaves the session: model files, exported reports, share links, bundled quick-start models."""
