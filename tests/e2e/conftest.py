"""The browser the e2e modules share: Debian's Chromium, one per module (the live ones add fake devices)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.test_lecture_in_browser import CHROMIUM, CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def browser() -> Iterator:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
