"""The rulescope language server."""
