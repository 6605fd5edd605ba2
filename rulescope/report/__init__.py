"""Technique coverage reports, read from the index alone."""

from __future__ import annotations


class ReportError(ValueError):
    """A report request the user can fix: an unknown technique, a missing argument."""
