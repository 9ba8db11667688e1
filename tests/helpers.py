"""Test helpers shared by several modules."""
from __future__ import annotations

import pytest

both_databases = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
