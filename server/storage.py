"""Where imaging files live, behind a small interface, and the short-lived signed URLs that open them.

`LocalStorage` keeps files under IMAGING_STORAGE_DIR (default `.data/imaging`, git-ignored), by a key the
server makes (`imaging/<orderId>/<fileId>.<ext>`), never a client's path. A file is opened only through a
signed URL (`GET /api/imaging/files/{fileId}?expires=...&signature=...`): an HMAC over the file id and the
expiry, keyed from the server's secret, valid SIGNED_URL_SECONDS (default 300). Whoever asked for the URL
passed the role and patient checks (and was audited); the URL itself is a short-lived capability, so an
<img> tag or a DICOM viewer can load it without the bearer token.

When S3_BUCKET is set, `S3Storage` keeps them in that bucket of an S3-compatible store (AWS S3, MinIO, Ceph, ...;
S3_ENDPOINT_URL for anything but AWS) through boto3, and the signed URL is the store's own presigned GET, valid
SIGNED_URL_SECONDS: the image is fetched from the store, not through this server. boto3 blocks, so the routes call
put/read/delete in a worker thread; presigning is a local computation.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from server.settings import Settings


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def presigned_url(self, key: str, *, filename: str, content_type: str, lifetime_seconds: int) -> str | None:
        """A URL the store itself signs, or None when files are served by this server's signed route."""


class LocalStorage:
    """Files in a folder of this machine (one server, or a shared volume)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("storage keys stay inside the storage folder")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def presigned_url(self, key: str, *, filename: str, content_type: str, lifetime_seconds: int) -> str | None:
        return None


class S3Storage:
    """Objects in one bucket of an S3-compatible store; a file opens by the store's presigned GET URL."""

    def __init__(self, *, bucket: str, endpoint_url: str | None, region: str | None,
                 access_key_id: str | None, secret_access_key: str | None) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        # Path-style for a custom endpoint (MinIO and most others have no per-bucket host names).
        config = Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"},
                        s3={"addressing_style": "path" if endpoint_url else "auto"})
        # No key pair: boto3's own chain (environment, instance role, ...) supplies the credentials.
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                                        aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
                                        config=config)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def read(self, key: str) -> bytes:
        data: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return data

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def presigned_url(self, key: str, *, filename: str, content_type: str, lifetime_seconds: int) -> str | None:
        url: str = self.client.generate_presigned_url("get_object", ExpiresIn=lifetime_seconds, Params={
            "Bucket": self.bucket, "Key": key, "ResponseContentType": content_type,
            "ResponseContentDisposition": f'inline; filename="{filename}"', "ResponseCacheControl": "private, no-store",
        })
        return url


@lru_cache(maxsize=4)
def _s3(bucket: str, endpoint_url: str | None, region: str | None, access_key_id: str | None,
        secret_access_key: str | None) -> S3Storage:
    # One client per configuration: making a boto3 client costs milliseconds, and a client is thread-safe.
    return S3Storage(bucket=bucket, endpoint_url=endpoint_url, region=region, access_key_id=access_key_id,
                     secret_access_key=secret_access_key)


def storage_for(config: Settings) -> Storage:
    if config.s3_bucket:
        return _s3(config.s3_bucket, config.s3_endpoint_url, config.s3_region, config.s3_access_key_id,
                   config.s3_secret_access_key)
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
