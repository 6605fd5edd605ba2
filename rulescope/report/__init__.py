"""Technique coverage reports, read from the index alone."""
