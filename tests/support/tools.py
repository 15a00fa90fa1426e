"""Tests that need a tool from outside Python."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def tool_missing(reason: str) -> NoReturn:
    """Skip a test whose outside tool (a browser, Node, wrk, hadolint) is missing; under CI,
    which installs them all, fail it instead, so a missing install step cannot pass unseen."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this test must run)")
    pytest.skip(reason)
