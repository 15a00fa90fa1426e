"""Headless Chromium for the browser tests: the machine's own (Debian's chromium), driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.tools import tool_missing

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    given = os.environ.get("SPAPI_MOCK_CHROMIUM")
    if given:
        return shutil.which(given)
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


@contextmanager
def chromium() -> Iterator:
    """A launched headless browser; a missing Playwright or Chromium skips (fails under CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - Playwright is a test dependency
        tool_missing("Playwright is not installed (pip install -e '.[test]')")
    executable = find_chromium()
    if executable is None:
        where = os.environ.get("SPAPI_MOCK_CHROMIUM") or "/usr/bin/chromium, nor chromium, chromium-browser or google-chrome"
        tool_missing(f"no Chromium at {where}: set SPAPI_MOCK_CHROMIUM to one, or install Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
