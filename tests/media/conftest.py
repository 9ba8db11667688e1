"""Both storage backends for the contract tests (the moto server lives in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from media.storage import LocalStorage, Storage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Yield each storage backend in turn (fresh root / fresh bucket)."""
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    return request.getfixturevalue("s3_factory")()
