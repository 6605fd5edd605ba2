"""The corpus index: rule files → normalized rules → one SQLite file.

Knows nothing of editors: nothing here imports ``lsprotocol`` or ``pygls``.
"""
