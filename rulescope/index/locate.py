"""Where the index file and the corpus live when the user does not say."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

INDEX_FILENAME = "index.sqlite"


def default_index_path() -> Path:
    """``RULESCOPE_INDEX``, else ``index.sqlite`` in the user cache directory."""
    configured = os.environ.get("RULESCOPE_INDEX")
    if configured:
        return Path(configured).expanduser()
    return Path(user_cache_dir("rulescope")) / INDEX_FILENAME


def resolve_index_path(explicit: str | os.PathLike[str] | None) -> Path:
    """The index named on the command line, else the default one."""
    if explicit:
        return Path(explicit).expanduser()
    return default_index_path()


def default_corpus_dir() -> Path:
    """``RULESCOPE_CORPUS``, else the local mirror ``../shared/corpus``."""
    return Path(os.environ.get("RULESCOPE_CORPUS", "../shared/corpus")).expanduser()
