"""Swagger UI for every spec the mock serves, working without the network."""

from __future__ import annotations

import re

import pytest

from spapi_mock.kernel import resources

# (Swagger UI page, the spec document it loads, our spec file, a path that spec must list)
DOCS = [
    ("/ui/", "/openapi.json", "orders-v0.yaml", "/orders/v0/orders/{orderId}/orderItems"),
    ("/orders/2026-01-01/ui/", "/orders/2026-01-01/openapi.json", "orders-2026-01-01.yaml", "/orders"),
    ("/tokens/2021-03-01/ui/", "/tokens/2021-03-01/openapi.json", "tokens-2021-03-01.yaml", "/restrictedDataToken"),
    ("/feeds/2021-06-30/ui/", "/feeds/2021-06-30/openapi.json", "feeds-2021-06-30.yaml", "/feeds/{feedId}"),
    ("/reports/2021-06-30/ui/", "/reports/2021-06-30/openapi.json", "reports-2021-06-30.yaml", "/reports"),
    ("/notifications/v1/ui/", "/notifications/v1/openapi.json", "notifications-v1.yaml", "/destinations"),
    ("/sellers/v1/ui/", "/sellers/v1/openapi.json", "sellers-v1.yaml", "/marketplaceParticipations"),
    ("/_mock/ui/", "/_mock/openapi.json", "control.yaml", "/scenarios/{name}/run"),
]


@pytest.fixture(scope="module")
def client(app):
    # Not conftest's client: that one reads every 200 under /orders/... as an Orders API answer.
    with app.test_client() as raw:
        yield raw


@pytest.mark.parametrize("page, spec_url, spec_name, listed_path", DOCS, ids=[d[2] for d in DOCS])
def test_swagger_ui_serves_the_spec(client, page, spec_url, spec_name, listed_path):
    html = client.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    # The page loads our spec, not the bundle's default (the Petstore, on the internet).
    assert f'url: "{spec_url}"' in html.text or f"url: '{spec_url}'" in html.text, html.text
    assert "petstore" not in html.text

    # Every script and stylesheet the page loads is served by the mock itself (no CDN).
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html.text)
    assert any("swagger-ui-bundle" in asset for asset in assets), assets
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        loaded = client.get(_resolve(page, asset))
        assert loaded.status_code == 200 and len(loaded.content) > 1000, asset

    spec = client.get(spec_url).json()
    assert listed_path in spec["paths"]
    assert spec["info"]["title"] == resources.openapi_spec(spec_name)["info"]["title"]


def _resolve(page: str, asset: str) -> str:
    return asset if asset.startswith("/") else page + asset.removeprefix("./")
