"""Our Feeds and Reports API 2021-06-30 documents are valid OpenAPI and say what Amazon's models
say, field by field: one set of checks, run for each API."""

from __future__ import annotations

import pytest
import yaml
from spec_checks import *  # noqa: F403  (the shared checks, collected with this module's fixtures)

from support import PROJECT_ROOT
from support.reference import FEEDS, REPORTS, reference_model

# Each API: our document, Amazon's model, the usage plans the model documents, and what our
# description must say about how the mock runs it.
APIS = {
    "feeds": (
        "feeds-2021-06-30.yaml",
        FEEDS,
        {
            "getFeeds": ("0.0222", 10),
            "createFeed": ("0.0083", 15),
            "cancelFeed": ("2", 15),
            "getFeed": ("2", 15),
            "createFeedDocument": ("0.5", 15),
            "getFeedDocument": ("0.0222", 10),
        },
        ("/_s3/", "SignatureDoesNotMatch", "IN_QUEUE for 2 seconds", "/_mock/feeds/process", "a nextToken must come alone"),
    ),
    "reports": (
        "reports-2021-06-30.yaml",
        REPORTS,
        {
            "getReports": ("0.0222", 10),
            "createReport": ("0.0167", 15),
            "cancelReport": ("0.0222", 10),
            "getReport": ("2", 15),
            "getReportSchedules": ("0.0222", 10),
            "createReportSchedule": ("0.0222", 10),
            "cancelReportSchedule": ("0.0222", 10),
            "getReportSchedule": ("0.0222", 10),
            "getReportDocument": ("0.0167", 15),
        },
        (
            "/_s3/reports/",
            "mockCompression GZIP",
            "IN_QUEUE for 2 seconds",
            "/_mock/reports/process",
            "30 days before dataEndTime",
        ),
    ),
}


@pytest.fixture(scope="module", params=sorted(APIS))
def api(request) -> tuple:
    return APIS[request.param]


@pytest.fixture(scope="module")
def ours(api) -> dict:
    return yaml.safe_load((PROJECT_ROOT / "openapi" / api[0]).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def amazon(api) -> dict:
    return reference_model(api[1])
