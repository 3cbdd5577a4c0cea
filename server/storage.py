"""Where imaging files live, behind a small interface, and the short-lived signed URLs that open them.

`LocalStorage` keeps files under IMAGING_STORAGE_DIR (default `.data/imaging`, git-ignored), by a key the
server makes (`imaging/<orderId>/<fileId>.<ext>`), never a client's path. A file is opened only through a
signed URL (`GET /api/imaging/files/{fileId}?expires=...&signature=...`): an HMAC over the file id and the
expiry, keyed from the server's secret, valid SIGNED_URL_SECONDS (default 300). Whoever asked for the URL
passed the role and patient checks (and was audited); the URL itself is a short-lived capability, so an
<img> tag or a DICOM viewer can load it without the bearer token.

An S3-compatible store plugs in by implementing `Storage` (put, open, delete); it is not built yet.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from uuid import UUID

from server.settings import Settings


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a folder of this machine (one server, or a shared volume)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("storage keys stay inside the storage folder")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage_for(config: Settings) -> Storage:
    return LocalStorage(config.imaging_storage_dir)


@dataclass(frozen=True, slots=True)
class UrlSigner:
    secret: bytes
    lifetime_seconds: int

    @classmethod
    def for_settings(cls, config: Settings) -> UrlSigner:
        key = hmac.new(config.jwt_secret.encode(), b"imaging-file-urls", hashlib.sha256).digest()
        return cls(secret=key, lifetime_seconds=config.signed_url_seconds)

    def _signature(self, file_id: UUID, expires: int) -> str:
        return hmac.new(self.secret, f"{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, file_id: UUID, *, now: float | None = None) -> tuple[str, int]:
        expires = int((now or time.time()) + self.lifetime_seconds)
        return f"/api/imaging/files/{file_id}?expires={expires}&signature={self._signature(file_id, expires)}", expires

    def valid(self, file_id: UUID, expires: int, signature: str, *, now: float | None = None) -> bool:
        if expires < (now or time.time()):
            return False
        # As bytes: compare_digest refuses str with non-ASCII characters, and a link can carry anything.
        return hmac.compare_digest(self._signature(file_id, expires).encode(), signature.encode("utf-8", "replace"))
