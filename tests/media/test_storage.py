"""Contract tests run against both LocalStorage and S3Storage (moto server)."""

from __future__ import annotations

import io
import os
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from media.storage import (
    InvalidKey,
    LocalStorage,
    NotFound,
    S3Storage,
    Storage,
    StorageError,
    check_key,
    storage_from_config,
)

MiB = 1024 * 1024


def _read_all(storage: Storage, key: str) -> bytes:
    """Return the object at key via get()."""
    buf = io.BytesIO()
    storage.get(key, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def payload() -> bytes:
    """A random multi-MiB payload (> 8 MiB so boto3 uses multipart upload)."""
    return os.urandom(9 * MiB + 12345)


class RecordingReader:
    """File-like wrapper that records every read() size it is asked for."""

    def __init__(self, fileobj: Any) -> None:
        self._f = fileobj
        self.sizes: list[Any] = []

    def read(self, size: Any = -1) -> bytes:
        self.sizes.append(size)
        return self._f.read(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)


class FailingReader(io.RawIOBase):
    """Readable stream that returns some data then raises."""

    def __init__(self, good: int) -> None:
        self._left = good

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            raise OSError("simulated read failure")
        n = self._left if size is None or size < 0 else min(size, self._left)
        self._left -= n
        return b"x" * n


# --- contract tests (both backends) -------------------------------------------------


def test_put_get_roundtrip_large_file(storage: Storage, payload: bytes, tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(payload)
    with src.open("rb") as f:
        storage.put("videos/big.bin", f, content_type="application/octet-stream")
    dst = tmp_path / "dst.bin"
    with dst.open("wb") as f:
        storage.get("videos/big.bin", f)
    assert dst.read_bytes() == payload
    assert storage.size("videos/big.bin") == len(payload)


def test_put_bytes_overwrites(storage: Storage) -> None:
    storage.put_bytes("a.txt", b"first")
    storage.put_bytes("a.txt", b"second!")
    assert _read_all(storage, "a.txt") == b"second!"
    assert list(storage.list()) == ["a.txt"]


def test_stream_full_and_ranges(storage: Storage, payload: bytes) -> None:
    data = payload[: 300 * 1024 + 7]
    storage.put_bytes("s/file.bin", data)
    assert b"".join(storage.stream("s/file.bin")) == data
    assert b"".join(storage.stream("s/file.bin", start=1000)) == data[1000:]
    assert b"".join(storage.stream("s/file.bin", start=10, end=99_999)) == data[10:100_000]
    last = len(data) - 1
    assert b"".join(storage.stream("s/file.bin", start=last, end=last)) == data[-1:]
    assert b"".join(storage.stream("s/file.bin", start=last)) == data[-1:]
    assert b"".join(storage.stream("s/file.bin", start=0, end=0)) == data[:1]


def test_stream_respects_chunk_size(storage: Storage) -> None:
    data = os.urandom(10_000)
    storage.put_bytes("c.bin", data)
    chunks = list(storage.stream("c.bin", chunk_size=1000))
    assert b"".join(chunks) == data
    assert max(len(c) for c in chunks) <= 1000
    assert len(chunks) >= 10


def test_stream_invalid_range(storage: Storage) -> None:
    storage.put_bytes("r.bin", b"0123456789")
    with pytest.raises(ValueError):
        storage.stream("r.bin", start=5, end=2)
    with pytest.raises(ValueError):
        storage.stream("r.bin", start=-1)


def test_size(storage: Storage) -> None:
    storage.put_bytes("x/empty", b"")
    storage.put_bytes("x/ten", b"0123456789")
    assert storage.size("x/empty") == 0
    assert storage.size("x/ten") == 10


def test_exists(storage: Storage) -> None:
    assert storage.exists("e/thing") is False
    storage.put_bytes("e/thing", b"1")
    assert storage.exists("e/thing") is True
    assert storage.exists("e/thin") is False


def test_delete(storage: Storage) -> None:
    storage.put_bytes("d/one", b"1")
    storage.put_bytes("d/two", b"2")
    storage.delete("d/one")
    assert storage.exists("d/one") is False
    assert storage.exists("d/two") is True
    storage.delete("d/one")  # already gone: no error
    storage.delete("never/existed")


def test_list_prefixes(storage: Storage) -> None:
    for key in ["b/2", "a/x/1", "ab/x", "a/2", "a/1", "c"]:
        storage.put_bytes(key, b".")
    assert list(storage.list()) == ["a/1", "a/2", "a/x/1", "ab/x", "b/2", "c"]
    assert list(storage.list("a/")) == ["a/1", "a/2", "a/x/1"]
    assert list(storage.list("a/x/")) == ["a/x/1"]
    assert list(storage.list("ab/")) == ["ab/x"]
    # a prefix without trailing "/" is a plain string prefix, like S3
    assert list(storage.list("a")) == ["a/1", "a/2", "a/x/1", "ab/x"]
    assert list(storage.list("a/x")) == ["a/x/1"]
    assert list(storage.list("zzz/")) == []


def test_delete_prefix(storage: Storage) -> None:
    for key in ["lesson/1/a", "lesson/1/b/c", "lesson/10/a", "lesson/2/a"]:
        storage.put_bytes(key, b".")
    assert storage.delete_prefix("lesson/1/") == 2
    assert list(storage.list()) == ["lesson/10/a", "lesson/2/a"]
    assert storage.delete_prefix("lesson/1/") == 0
    assert storage.delete_prefix("nothing/") == 0


@pytest.mark.parametrize("op", ["get", "stream", "size"])
def test_missing_key_raises_not_found(storage: Storage, op: str) -> None:
    with pytest.raises(NotFound):
        if op == "get":
            storage.get("missing/key", io.BytesIO())
        elif op == "stream":
            b"".join(storage.stream("missing/key"))
        else:
            storage.size("missing/key")


def test_not_found_is_storage_error() -> None:
    assert issubclass(NotFound, StorageError)
    assert issubclass(InvalidKey, StorageError) and issubclass(InvalidKey, ValueError)


BAD_KEYS = ["../x", "/abs", "a//b", "a/./b", "", "a\\b", "a/..", "a/", "nul\x00byte", "."]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_rejected(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidKey):
        check_key(key)
    with pytest.raises(InvalidKey):
        storage.put_bytes(key, b"data")
    with pytest.raises(InvalidKey):
        storage.get(key, io.BytesIO())
    with pytest.raises(InvalidKey):
        storage.stream(key)
    with pytest.raises(InvalidKey):
        storage.exists(key)
    with pytest.raises(InvalidKey):
        storage.delete(key)
    assert list(storage.list()) == []


GOOD_KEYS = ["a", "a/b/c.mp4", "lesson 1/file name (1).pdf", "материалы/лекция 1.pdf", "..x/.y"]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_valid_keys_accepted(key: str) -> None:
    assert check_key(key) == key


def test_cyrillic_keys_roundtrip(storage: Storage) -> None:
    key = "материалы/лекция 1.pdf"
    storage.put_bytes(key, "содержимое".encode())
    assert storage.exists(key)
    assert _read_all(storage, key) == "содержимое".encode()
    assert b"".join(storage.stream(key, start=2)) == "содержимое".encode()[2:]
    assert list(storage.list("материалы/")) == [key]
    assert storage.delete_prefix("материалы/") == 1
    assert not storage.exists(key)


def test_list_order_is_sorted_with_unicode(storage: Storage) -> None:
    keys = ["я/1", "а/1", "z/1", "A/1", "ё/1", "Я/1"]
    for key in keys:
        storage.put_bytes(key, b".")
    assert list(storage.list()) == sorted(keys)


def test_put_reads_in_bounded_chunks(storage: Storage, payload: bytes, tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(payload)
    with src.open("rb") as f:
        reader = RecordingReader(f)
        storage.put("big", reader)
    assert _read_all(storage, "big") == payload
    assert reader.sizes, "put() never called read()"
    for size in reader.sizes:
        assert size is not None and size != -1 and 0 < size <= 8 * MiB, reader.sizes


def test_url(storage: Storage) -> None:
    data = os.urandom(2048)
    key = "материалы/лекция 1.pdf"
    storage.put_bytes(key, data, content_type="application/pdf")
    url = storage.url(key)
    if isinstance(storage, LocalStorage):
        assert url is None
        assert storage.url(key, filename="Лекция 1.pdf") is None
        return
    assert url is not None and url.startswith("http")
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == data
    url = storage.url(key, expires=60, filename="Лекция 1.pdf")
    assert url is not None
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == data
        disposition = resp.headers["Content-Disposition"]
    assert disposition is not None and disposition.startswith("attachment")
    assert "filename*=UTF-8''" in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert urllib.parse.unquote(encoded) == "Лекция 1.pdf"


# --- LocalStorage only -----------------------------------------------------------------


def test_local_failed_put_leaves_nothing(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "root")
    with pytest.raises(OSError, match="simulated"):
        store.put("dir/file.bin", FailingReader(3 * 1024 * 1024))
    assert not store.exists("dir/file.bin")
    assert list((tmp_path / "root").rglob("*")) == []  # no temp file, no empty "dir/"
    assert list(store.list()) == []


def test_local_failed_put_keeps_previous_version(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "root")
    store.put_bytes("f", b"old")
    with pytest.raises(OSError):
        store.put("f", FailingReader(10))
    assert _read_all(store, "f") == b"old"
    assert [p.name for p in (tmp_path / "root").iterdir()] == ["f"]


def test_local_path_and_escape(tmp_path: Path) -> None:
    root = tmp_path / "root"
    store = LocalStorage(root)
    assert store.path("a/b.txt") == root.resolve() / "a" / "b.txt"
    for key in ["../outside", "a/../../outside", "/etc/passwd"]:
        with pytest.raises(InvalidKey):
            store.path(key)
    # a symlink inside the root pointing outside must not be followed
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        store.path("link/secret")


def test_local_delete_prunes_empty_dirs(tmp_path: Path) -> None:
    root = tmp_path / "root"
    store = LocalStorage(root)
    store.put_bytes("a/b/c/file", b".")
    store.put_bytes("a/keep", b".")
    store.delete("a/b/c/file")
    assert not (root / "a" / "b").exists()
    assert (root / "a" / "keep").exists()
    assert root.exists()


# --- S3 only ---------------------------------------------------------------------------


def test_s3_large_put_uses_multipart(s3_factory: Callable[..., S3Storage], payload: bytes) -> None:
    store = s3_factory()
    store.put("big", io.BytesIO(payload))
    etag = store.client.head_object(Bucket=store.bucket, Key="big")["ETag"]
    assert etag.strip('"').endswith("-2")  # multipart ETags are "<md5>-<parts>"


def test_s3_prefix_is_applied_and_stripped(s3_factory: Callable[..., S3Storage]) -> None:
    store = s3_factory(prefix="tenant1")
    store.put_bytes("a/b", b"1")
    raw = store.client.list_objects_v2(Bucket=store.bucket)["Contents"]
    assert [o["Key"] for o in raw] == ["tenant1/a/b"]
    assert list(store.list()) == ["a/b"]
    assert list(store.list("a/")) == ["a/b"]
    assert store.delete_prefix("a/") == 1
    assert store.client.list_objects_v2(Bucket=store.bucket).get("KeyCount") == 0


def test_s3_delete_prefix_batches(s3_factory: Callable[..., S3Storage]) -> None:
    store = s3_factory()
    for i in range(1005):
        store.client.put_object(Bucket=store.bucket, Key=f"many/{i:04d}", Body=b"")
    store.put_bytes("other", b"")
    batches: list[int] = []
    store.client.meta.events.register(
        "provide-client-params.s3.DeleteObjects",
        lambda params, **_: batches.append(len(params["Delete"]["Objects"])),
    )
    assert store.delete_prefix("many/") == 1005
    assert batches == [1000, 5]
    assert list(store.list()) == ["other"]


def test_s3_ensure_bucket_idempotent(s3_factory: Callable[..., S3Storage]) -> None:
    store = s3_factory()
    store.ensure_bucket()
    store.ensure_bucket()
    store.put_bytes("k", b"v")
    assert store.exists("k")


# --- storage_from_config ---------------------------------------------------------------


def test_config_local_default(tmp_path: Path) -> None:
    store = storage_from_config({}, str(tmp_path))
    assert isinstance(store, LocalStorage)
    assert store.root == (tmp_path / "storage").resolve()
    store.put_bytes("k", b"v")
    assert (tmp_path / "storage" / "k").read_bytes() == b"v"


def test_config_local_explicit_root(tmp_path: Path) -> None:
    config = {"STORAGE_BACKEND": "local", "STORAGE_LOCAL_ROOT": str(tmp_path / "x")}
    store = storage_from_config(config, "/nonexistent")
    assert isinstance(store, LocalStorage) and store.root == (tmp_path / "x").resolve()


def test_config_s3(moto_endpoint: str) -> None:
    config = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": f"cfg-{uuid.uuid4().hex}",
        "S3_ENDPOINT_URL": moto_endpoint,
        "S3_ACCESS_KEY": "testing",
        "S3_SECRET_KEY": "testing",
        "S3_PREFIX": "p/",
    }
    store = storage_from_config(config, "/unused")
    assert isinstance(store, S3Storage)
    assert store.bucket == config["S3_BUCKET"] and store.prefix == "p/"
    store.ensure_bucket()
    store.put_bytes("k", b"v")
    assert _read_all(store, "k") == b"v"


def test_config_s3_without_bucket(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="S3_BUCKET"):
        storage_from_config({"STORAGE_BACKEND": "s3"}, str(tmp_path))


def test_config_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ftp"):
        storage_from_config({"STORAGE_BACKEND": "ftp"}, str(tmp_path))
