"""Start-up guard for ``python -m rulescope``: the working directory is not code.

``python -m`` puts the working directory first on ``sys.path``, and editors
start the language server with the opened workspace as working directory.
A rules repository holding ``yaml.py``, or a ``sigma/validators/`` folder
(pySigma's plugin namespace, which its autodiscovery imports), would then
run its code inside the server. :func:`drop_working_directory` removes that
entry before anything else is imported.
"""

from __future__ import annotations

import os
import sys


def drop_working_directory() -> None:
    """Remove the working directory ``python -m`` or ``-c`` put first on sys.path."""
    if sys.flags.safe_path or not sys.path:
        return
    first = sys.path[0]
    if first == "" or os.path.abspath(first) == os.getcwd():
        del sys.path[0]
