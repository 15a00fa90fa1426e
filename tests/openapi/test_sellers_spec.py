"""Our Sellers API v1 document is valid OpenAPI and says what Amazon's model says, field by field:
the checks Feeds, Reports and Notifications are held to (spec_checks), run for Sellers."""

from __future__ import annotations

import pytest
import yaml
from spec_checks import *  # noqa: F403  (the shared checks, collected with this module's fixtures)

from support import PROJECT_ROOT
from support.reference import SELLERS, reference_model

# Amazon's model: "| 0.016 | 15 |" for both operations.
PLANS = {"getMarketplaceParticipations": ("0.016", 15), "getAccount": ("0.016", 15)}
DECISIONS = (
    "createSeller's marketplaceIds",
    "a seller with neither has the default seller's",
    "isParticipating true, hasSuspendedListings false",
    "sellingPlan PROFESSIONAL and businessType PRIVATE_LIMITED",
    "catch-alls (no parameters): the mock answers them for real",
)


@pytest.fixture(scope="module")
def api() -> tuple:
    return ("sellers-v1.yaml", SELLERS, PLANS, DECISIONS)


@pytest.fixture(scope="module")
def ours() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "openapi" / "sellers-v1.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def amazon() -> dict:
    return reference_model(SELLERS)


def test_every_sandbox_case_amazon_lists_is_a_catch_all(amazon):
    """Why there is no fixtures/sandbox/sellers-v1.json: the mock answers catch-alls for real."""
    cases = [
        case
        for item in amazon["paths"].values()
        for op in item.values()
        for response in op["responses"].values()
        for case in (response.get("x-amzn-api-sandbox") or {}).get("static", [])
    ]
    assert cases and all(not case["request"]["parameters"] for case in cases)
