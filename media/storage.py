"""Storage interface for media objects with local-filesystem and S3 backends."""

from __future__ import annotations

import abc
import contextlib
import io
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator, Mapping
from urllib.parse import quote

logger = logging.getLogger(__name__)

COPY_CHUNK = 1024 * 1024  # 1 MiB
DEFAULT_STREAM_CHUNK = 64 * 1024


class StorageError(Exception):
    """Base class for storage errors."""


class NotFound(StorageError):
    """Raised when a key does not exist."""


class InvalidKey(StorageError, ValueError):
    """Raised for an unsafe or malformed key."""


def check_key(key: str) -> str:
    """Validate a '/'-separated relative key and return it unchanged."""
    if not isinstance(key, str) or not key:
        raise InvalidKey("key must be a non-empty string")
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise InvalidKey(f"unsafe key: {key!r}")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKey(f"unsafe key: {key!r}")
    return key


def _check_prefix(prefix: str) -> str:
    """Validate a list/delete prefix ('' or a key, optionally ending with '/')."""
    if prefix:
        check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def _copy(src: IO[bytes], dst: IO[bytes]) -> None:
    """Copy src to dst in bounded chunks."""
    while True:
        chunk = src.read(COPY_CHUNK)
        if not chunk:
            break
        dst.write(chunk)


def _check_range(start: int, end: int | None) -> None:
    """Reject negative or inverted byte ranges."""
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"invalid byte range {start}-{end}")


def content_disposition(filename: str) -> str:
    """Build an RFC 5987 attachment Content-Disposition value."""
    return "attachment; filename*=UTF-8''" + quote(filename, safe="")


class Storage(abc.ABC):
    """Abstract object storage keyed by '/'-separated relative keys."""

    @abc.abstractmethod
    def put(self, key: str, fileobj: IO[bytes], content_type: str | None = None) -> None:
        """Store the contents of a readable binary file object under key."""

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        """Store bytes under key."""
        self.put(key, io.BytesIO(data), content_type=content_type)

    @abc.abstractmethod
    def get(self, key: str, fileobj: IO[bytes]) -> None:
        """Write the object at key into a writable binary file object."""

    @abc.abstractmethod
    def stream(
        self,
        key: str,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_STREAM_CHUNK,
    ) -> Iterator[bytes]:
        """Yield bytes [start, end] inclusive (end None means to the end)."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """Return the object size in bytes."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Return whether key exists."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete key; a missing key is not an error."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield keys under prefix in sorted order."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete all keys under prefix and return how many were deleted."""
        keys = list(self.list(prefix))
        for key in keys:
            self.delete(key)
        return len(keys)

    def url(self, key: str, expires: int = 3600, filename: str | None = None) -> str | None:
        """Return a direct download URL, or None if the backend has none."""
        return None


class LocalStorage(Storage):
    """Storage backed by files under a root directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """Return the filesystem path for key, refusing paths outside root."""
        check_key(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidKey(f"key escapes storage root: {key!r}")
        return path

    def _existing(self, key: str) -> Path:
        """Return the path for key or raise NotFound."""
        path = self.path(key)
        if not path.is_file():
            raise NotFound(key)
        return path

    def put(self, key: str, fileobj: IO[bytes], content_type: str | None = None) -> None:
        """Write atomically via a temp file in the target directory."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                _copy(fileobj, out)
            os.chmod(tmp, 0o644)  # mkstemp creates 0600
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            self._prune(path.parent)
            raise
        logger.debug("stored %s", key)

    def get(self, key: str, fileobj: IO[bytes]) -> None:
        """Copy the file at key into fileobj."""
        with self._existing(key).open("rb") as src:
            _copy(src, fileobj)

    def stream(
        self,
        key: str,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_STREAM_CHUNK,
    ) -> Iterator[bytes]:
        """Yield a byte range of the file at key."""
        _check_range(start, end)
        path = self._existing(key)
        return self._stream(path, start, end, chunk_size)

    @staticmethod
    def _stream(path: Path, start: int, end: int | None, chunk_size: int) -> Iterator[bytes]:
        """Generator body for stream() (lookup errors are raised eagerly)."""
        with path.open("rb") as src:
            src.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                chunk = src.read(chunk_size if remaining is None else min(chunk_size, remaining))
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def size(self, key: str) -> int:
        """Return the file size."""
        return self._existing(key).stat().st_size

    def exists(self, key: str) -> bool:
        """Return whether the file exists."""
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the file and any now-empty parent directories."""
        path = self.path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        self._prune(path.parent)

    def _prune(self, directory: Path) -> None:
        """Remove directory and its ancestors while empty, stopping at root."""
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:
                break
            directory = directory.parent

    def delete_prefix(self, prefix: str) -> int:
        """Delete all keys under prefix; a folder prefix also loses the temp files of writers killed mid-put."""
        count = super().delete_prefix(prefix)
        if prefix.endswith("/") and (folder := self.path(prefix.rstrip("/"))).is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            self._prune(folder.parent)
        return count

    def list(self, prefix: str = "") -> Iterator[str]:
        """Walk the tree and yield sorted keys starting with prefix."""
        _check_prefix(prefix)
        base = self.root / prefix.rpartition("/")[0]
        keys = []
        for dirpath, _dirs, files in os.walk(base):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in files:
                if name.startswith(".tmp-") and name.endswith(".part"):
                    continue
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        return iter(sorted(keys))


class S3Storage(Storage):
    """Storage backed by an S3-compatible bucket; prefix (if any) is normalised to end with '/'."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.region = region
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def _k(self, key: str) -> str:
        """Return the full object key for a storage key."""
        return self.prefix + check_key(key)

    @staticmethod
    def _is_missing(exc: Exception) -> bool:
        """Return whether a botocore ClientError means 'no such key'."""
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise
        logger.info("created bucket %s", self.bucket)

    def put(self, key: str, fileobj: IO[bytes], content_type: str | None = None) -> None:
        """Upload via upload_fileobj (multipart for large objects)."""
        extra = {"ContentType": content_type} if content_type else None
        self.client.upload_fileobj(fileobj, self.bucket, self._k(key), ExtraArgs=extra)
        logger.debug("uploaded %s", key)

    def get(self, key: str, fileobj: IO[bytes]) -> None:
        """Download via download_fileobj."""
        from botocore.exceptions import ClientError

        try:
            self.client.download_fileobj(self.bucket, self._k(key), fileobj)
        except ClientError as exc:
            if self._is_missing(exc):
                raise NotFound(key) from exc
            raise

    def stream(
        self,
        key: str,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_STREAM_CHUNK,
    ) -> Iterator[bytes]:
        """Yield a byte range using a ranged GET."""
        from botocore.exceptions import ClientError

        _check_range(start, end)
        rng = f"bytes={start}-" if end is None else f"bytes={start}-{end}"
        try:
            resp = self.client.get_object(Bucket=self.bucket, Key=self._k(key), Range=rng)
        except ClientError as exc:
            if self._is_missing(exc):
                raise NotFound(key) from exc
            raise
        return self._iter_body(resp["Body"], chunk_size)

    @staticmethod
    def _iter_body(body: Any, chunk_size: int) -> Iterator[bytes]:
        """Yield chunks from a StreamingBody and close it."""
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def size(self, key: str) -> int:
        """Return ContentLength from head_object."""
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._k(key))
        except ClientError as exc:
            if self._is_missing(exc):
                raise NotFound(key) from exc
            raise
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        """Return whether head_object finds the key."""
        try:
            self.size(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        """Delete the object (S3 delete is idempotent)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._k(key))

    def _list_full(self, prefix: str) -> Iterator[str]:
        """Yield full object keys under prefix."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for obj in page.get("Contents", []):
                yield obj["Key"]

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield keys under prefix, prefix stripped; S3 lists in UTF-8 byte (= sorted) order."""
        _check_prefix(prefix)
        n = len(self.prefix)
        return (k[n:] for k in self._list_full(prefix))

    def delete_prefix(self, prefix: str) -> int:
        """Delete all keys under prefix in batches of 1000."""
        _check_prefix(prefix)
        count = 0
        batch: list[dict[str, str]] = []
        for full in self._list_full(prefix):
            batch.append({"Key": full})
            if len(batch) == 1000:
                count += self._delete_batch(batch)
                batch = []
        if batch:
            count += self._delete_batch(batch)
        return count

    def _delete_batch(self, batch: list[dict[str, str]]) -> int:
        """Delete up to 1000 keys and return how many succeeded."""
        resp = self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
        )
        errors = resp.get("Errors", [])
        if errors:
            raise StorageError(f"failed to delete {len(errors)} objects: {errors[0]}")
        return len(batch)

    def url(self, key: str, expires: int = 3600, filename: str | None = None) -> str | None:
        """Return a presigned GET URL, optionally forcing an attachment filename."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": self._k(key)}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename)
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)


def storage_from_config(config: Mapping[str, Any], instance_path: str) -> Storage:
    """Build a Storage from a Flask-style config mapping."""
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "local":
        root = config.get("STORAGE_LOCAL_ROOT") or os.path.join(instance_path, "storage")
        return LocalStorage(root)
    if backend == "s3":
        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise ValueError("STORAGE_BACKEND='s3' requires S3_BUCKET to be set")
        return S3Storage(
            bucket,
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region=config.get("S3_REGION") or "us-east-1",
            access_key=config.get("S3_ACCESS_KEY") or None,
            secret_key=config.get("S3_SECRET_KEY") or None,
            prefix=config.get("S3_PREFIX") or "",
        )
    raise ValueError(f"unknown STORAGE_BACKEND {backend!r}; expected 'local' or 's3'")
