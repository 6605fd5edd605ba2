"""Checks that an index file is whole, and the bookkeeping of unfinished builds.

An index is checked every time it is opened, in two cheap steps:

1. The SQLite header: the magic string, a valid page size, and a file length
   equal to the page count times the page size that the header records. This
   catches an empty, truncated or extended file and a file that is not SQLite
   at all, reading 100 bytes.
2. A CRC-32 of the whole file, computed when the build finished and stored in
   the header's ``user_version`` field (bytes 60-63, which SQLite never reads
   for itself and the index does not use). The CRC is taken with those four
   bytes counted as zero. This catches any changed byte, including bytes inside
   a row's text that SQLite's own ``PRAGMA quick_check`` cannot see, at the cost
   of reading the file once (about 15 ms for the 37 MB full-corpus index with a
   warm page cache; ``quick_check(1)`` takes 50-100 ms warm and 600 ms cold on
   the same file). RELIABILITY.md records the measurements.

A build writes ``<index>.pid<PID>.<random>.building`` beside the index; the pid
lets the next build remove the files of builds whose process is gone.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import zlib
from pathlib import Path

logger = logging.getLogger(__name__)

_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
#: Where the checksum is kept: the header's 4-byte ``user_version``.
_CHECKSUM_AT = 60
_CHUNK = 1 << 20


class DamagedIndex(Exception):
    """The file is not a whole index; the message says what is wrong."""


def check_file(path: Path) -> None:
    """Raise DamagedIndex unless ``path`` has a sound header and its checksum."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(_HEADER_SIZE)
    _check_header(header, size)
    stored = struct.unpack(">I", header[_CHECKSUM_AT : _CHECKSUM_AT + 4])[0]
    if stored == 0:
        raise DamagedIndex("it has no checksum (written by an older rulescope)")
    computed = checksum(path)
    if computed != stored:
        raise DamagedIndex(
            f"its checksum is {computed:08x}, the build recorded {stored:08x}"
        )


def _check_header(header: bytes, size: int) -> None:
    """Raise DamagedIndex if the header or the file length is inconsistent."""
    if header[: len(_MAGIC)] != _MAGIC[: len(header)]:
        raise DamagedIndex("it is not an SQLite file")
    if len(header) < _HEADER_SIZE:
        raise DamagedIndex(f"it is {size:,} bytes long, too short for SQLite")
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise DamagedIndex(f"its header has an invalid page size {page_size}")
    page_count = struct.unpack(">I", header[28:32])[0]
    # The header's page count is valid only when the change counter (24-27)
    # equals the version-valid-for number (92-95); SQLite writes both.
    if page_count and header[24:28] == header[92:96]:
        expected = page_count * page_size
        if size != expected:
            raise DamagedIndex(
                f"it is {size:,} bytes long, its header says {expected:,}"
            )
    elif size % page_size:
        raise DamagedIndex(f"its length {size:,} is not a whole number of pages")


def checksum(path: Path) -> int:
    """The CRC-32 of the file with the checksum field counted as zero, never 0."""
    crc = 0
    with path.open("rb") as handle:
        head = bytearray(handle.read(_HEADER_SIZE))
        head[_CHECKSUM_AT : _CHECKSUM_AT + 4] = bytes(4)
        crc = zlib.crc32(head, crc)
        while chunk := handle.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc or 1  # 0 is kept to mean "no checksum"


def seal(path: Path) -> None:
    """Store the checksum of a finished, closed index and flush it to disk."""
    value = checksum(path)
    with path.open("r+b") as handle:
        handle.seek(_CHECKSUM_AT)
        handle.write(struct.pack(">I", value))
        handle.flush()
        # The rename that follows must not install a file whose pages are
        # still only in memory if the machine stops.
        os.fsync(handle.fileno())


def building_prefix(target: Path) -> str:
    """The name prefix of this process's unfinished build of ``target``."""
    return f"{target.name}.pid{os.getpid()}."


def remove_stale_builds(target: Path) -> list[Path]:
    """Delete unfinished builds of ``target`` whose process no longer runs."""
    pattern = re.compile(re.escape(target.name) + r"\.pid(\d+)\.[^.]+\.building")
    removed = []
    for path in target.parent.glob(f"{glob_escape(target.name)}.pid*.building"):
        found = pattern.fullmatch(path.name)
        if found is None or _running(int(found.group(1))):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
        logger.info("removed '%s', left by a build that did not finish", path)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _running(pid: int) -> bool:
    """Whether a process with this pid exists (it may be another user's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether the process has ended and only waits to be reaped (Linux only)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"
