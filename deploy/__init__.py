"""The shipped deployment: the nginx template and its renderer, the Dockerfile, the compose file (README.md)."""
