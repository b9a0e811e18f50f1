"""Where uploaded files live: a small storage interface, local files by default.

A key is a relative, slash-separated name such as ``packages/123/456.jpg``; each segment is
letters, digits, ``.``, ``_`` or ``-`` and may not start with a dot, so a key can never climb
out of the storage root (no ``..``, no absolute paths, no backslashes). Rows that describe the
files (sha256, size, content type, owner) live in the database (``StoredFile``); the storage
only keeps bytes. Another backend (an object store) implements the same three methods.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from clipshop.core.errors import DomainError, InvalidInput, NotFound

MAX_KEY_LENGTH = 200
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")


class InvalidStorageKey(ValueError):
    """A key that is empty, too long, absolute, or has a segment that is not allowed."""


class FileMissing(NotFound):
    code = "file_content_missing"


class FileTooLarge(DomainError):
    status = 413
    code = "file_too_large"
    title = "File too large"


class UnsupportedFileType(InvalidInput):
    code = "unsupported_file_type"
    title = "Unsupported file type"


IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}
FILE_EXTENSIONS = {**IMAGE_TYPES, **VIDEO_TYPES}


def sniff_image(data: bytes) -> str | None:
    """The image type the content really is (by its magic bytes), whatever it was called."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def sniff_video(data: bytes) -> str | None:
    """The video type the content really is: an ISO media ``ftyp`` box (MP4, or QuickTime
    when its major brand is ``qt``), or an EBML header whose doc type is ``webm``."""
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:12] == b"qt  " else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:64]:
        return "video/webm"
    return None


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing what was there."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises ``FileMissing`` when there are none."""

    def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidStorageKey(f"storage keys are 1..{MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise InvalidStorageKey(f"storage key segment {segment!r} is not allowed")
    return key


class LocalFileStorage:
    """Files under one directory, created on the first write (not at start-up)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()

    def path_of(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):  # defence in depth: check_key forbids this
            raise InvalidStorageKey("storage key leaves the storage root")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file beside the target, then rename: a reader never sees
        # half a file, and a crash leaves at most a stray temporary file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError:
            raise FileMissing(f"stored file {key} is missing from storage") from None

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)
