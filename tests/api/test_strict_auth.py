"""Strict auth: only tokens the mock issued, expiring on the mock clock, and personal data only
under a Restricted Data Token that covers it. Lenient (the default) accepts any token."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest

from spapi_mock.control import HttpControl, LocalControl

from support.http import US, CheckedClient, make_app, over_a_socket
from support.live_server import live_server
from support.reference import assert_valid_response
from support.sdk import (
    CLIENT_ID,
    CLIENT_SECRET,
    amzn_orders_api,
    amzn_sp_api_client,
    loopback_only,
    mock_lwa_client_class,
    python_sp_api_orders,
)

ORDER = "111-0000000-0000001"
EXPIRED = {
    "errors": [
        {
            "code": "Unauthorized",
            "message": "Access to requested resource is denied.",
            "details": "The access token you provided has expired.",
        }
    ]
}
INVALID_DETAILS = "The access token you provided is revoked, malformed or invalid."
DENIED = {"code": "Unauthorized", "message": "Access to requested resource is denied."}


@pytest.fixture()
def strict():
    app = make_app(strict_auth=True)
    with app.test_client() as raw:
        yield Session(CheckedClient(raw), LocalControl.of(app.services))


class Session:
    def __init__(self, client: CheckedClient, control: LocalControl) -> None:
        self.client = client
        self.control = control

    def token(self, refresh_token: str = "Atzr|app") -> dict:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "app", "client_secret": "s"}
        reply = self.client.post("/auth/o2/token", token=False, data=form).json()
        assert reply["expires_in"] == 3600
        return {"x-amz-access-token": reply["access_token"]}

    def rdt(self, headers: dict, *resources: dict) -> dict:
        response = self.client.post(
            "/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": list(resources)}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["expiresIn"] == 3600 and body["restrictedDataToken"].startswith("Atz.sprdt|")
        return {"x-amz-access-token": body["restrictedDataToken"]}

    def get(self, path: str, headers: dict):
        return self.client.get(path, headers=headers)


def test_a_token_the_mock_did_not_issue_is_refused(strict):
    refused = strict.get(f"/orders/v0/orders/{ORDER}", {"x-amz-access-token": "Atza|made-up"})
    assert refused.status_code == 403
    (error,) = refused.json()["errors"]
    assert {k: error[k] for k in ("code", "message")} == DENIED
    # Amazon's words first (a client that matches them still does), then what the mock saw.
    assert error["details"].startswith(INVALID_DETAILS) and "did not issue it" in error["details"]


def test_an_access_token_expires_on_the_mock_clock_with_the_403_clients_recognise(strict):
    headers = strict.token()
    assert strict.get(f"/orders/v0/orders/{ORDER}", headers).status_code == 200
    strict.control.advance_clock("59m")
    assert strict.get(f"/orders/v0/orders/{ORDER}", headers).status_code == 200
    strict.control.advance_clock("1m")
    expired = strict.get(f"/orders/v0/orders/{ORDER}", headers)
    assert expired.status_code == 403 and expired.json() == EXPIRED
    assert expired.headers["x-amzn-RequestId"]
    # Refreshing gives a token that works again.
    assert strict.get(f"/orders/v0/orders/{ORDER}", strict.token()).status_code == 200


def test_lenient_mode_accepts_any_token_and_expired_ones(client):
    assert client.get(f"/orders/v0/orders/{ORDER}", headers={"x-amz-access-token": "anything"}).status_code == 200
    assert client.get("/_mock/auth").json() == {"strict": False, "accessTokenTtlSeconds": 3600}


def test_strict_auth_is_switched_at_run_time():
    app = make_app()
    with app.test_client() as raw:
        client = CheckedClient(raw)
        assert client.get(f"/orders/v0/orders/{ORDER}").status_code == 200
        assert client.request("PUT", "/_mock/auth", json={"strict": True}).json()["strict"] is True
        assert client.get(f"/orders/v0/orders/{ORDER}").status_code == 403
        client.request("PUT", "/_mock/auth", json={"strict": False})
        assert client.get(f"/orders/v0/orders/{ORDER}").status_code == 200


@pytest.mark.parametrize("suffix", ["/address", "/buyerInfo", "/orderItems/buyerInfo"])
def test_operations_that_only_return_personal_data_need_an_rdt_for_their_path(strict, suffix):
    headers = strict.token()
    refused = strict.get(f"/orders/v0/orders/{ORDER}{suffix}", headers)
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "Unauthorized"
    assert "Restricted Data Token" in refused.json()["errors"][0]["details"]
    other_path = strict.rdt(headers, {"method": "GET", "path": "/orders/v0/orders/111-0000000-0000002" + suffix})
    assert strict.get(f"/orders/v0/orders/{ORDER}{suffix}", other_path).status_code == 403
    specific = strict.rdt(headers, {"method": "GET", "path": f"/orders/v0/orders/{ORDER}{suffix}"})
    assert strict.get(f"/orders/v0/orders/{ORDER}{suffix}", specific).status_code == 200
    generic = strict.rdt(headers, {"method": "GET", "path": "/orders/v0/orders/{orderId}" + suffix})
    assert strict.get(f"/orders/v0/orders/{ORDER}{suffix}", generic).status_code == 200


def test_get_order_shows_restricted_fields_only_for_the_data_elements_the_rdt_names(strict):
    headers = strict.token()
    plain = strict.get(f"/orders/v0/orders/{ORDER}", headers).json()["payload"]
    assert plain["ShippingAddress"] == {"City": "Seattle", "StateOrRegion": "WA", "PostalCode": "98101", "CountryCode": "US"}
    assert plain["BuyerInfo"] == {"BuyerEmail": "alice@marketplace.amazon.com"}
    buyer_only = strict.rdt(headers, {"method": "GET", "path": f"/orders/v0/orders/{ORDER}", "dataElements": ["buyerInfo"]})
    seen = strict.get(f"/orders/v0/orders/{ORDER}", buyer_only).json()["payload"]
    assert seen["BuyerInfo"]["BuyerName"] == "Alice Example" and "Name" not in seen["ShippingAddress"]
    both = strict.rdt(headers, {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo", "shippingAddress"]})
    listed = strict.get(f"/orders/v0/orders?MarketplaceIds={US}&CreatedAfter=2025-01-01T00:00:00Z", both).json()["payload"]
    first = next(o for o in listed["Orders"] if o["AmazonOrderId"] == ORDER)
    assert first["ShippingAddress"]["AddressLine1"] == "1 Main St" and first["BuyerInfo"]["BuyerName"] == "Alice Example"


def test_an_rdt_acts_for_its_sellers_orders_and_expires_too(strict):
    strict.control.create_seller("OTHER", seed="empty")
    theirs = strict.token("Atzr|spapi-mock|OTHER")
    rdt = strict.rdt(theirs, {"method": "GET", "path": "/orders/v0/orders/{orderId}/address"})
    assert strict.get(f"/orders/v0/orders/{ORDER}/address", rdt).status_code == 404
    mine = strict.rdt(strict.token(), {"method": "GET", "path": "/orders/v0/orders/{orderId}/address"})
    assert strict.get(f"/orders/v0/orders/{ORDER}/address", mine).status_code == 200
    strict.control.advance_clock("1h")
    assert strict.get(f"/orders/v0/orders/{ORDER}/address", mine).json() == EXPIRED


def test_a_bad_rdt_request_is_refused_by_name(strict):
    headers = strict.token()
    bad = strict.client.post(
        "/tokens/2021-03-01/restrictedDataToken",
        json={"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["everything"]}]},
        headers=headers,
    )
    assert bad.status_code == 400 and "dataElements" in bad.json()["errors"][0]["message"]


# --- real clients against a real server -------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with loopback_only():
        with live_server("--strict-auth", tmp_dir=tmp_path_factory.mktemp("strict")) as srv:
            control = HttpControl(srv.base_url)
            control.freeze_clock()
            yield srv


def test_a_real_client_gets_the_expired_403_then_refreshes_and_goes_on(server):
    from spapi.rest import ApiException

    control = HttpControl(server.base_url)
    client = amzn_sp_api_client(server.base_url, f"Atzr|strict-{uuid.uuid4().hex}")
    orders = amzn_orders_api(client)
    created_after = "2020-01-01T00:00:00Z"

    def call():
        return orders.get_orders(marketplace_ids=["ATVPDKIKX0DER"], created_after=created_after)

    assert call().payload.orders
    control.advance_clock("2h")
    with pytest.raises(ApiException) as refused:
        call()
    assert refused.value.status == 403 and "has expired" in refused.value.body

    # What seller software does with that 403: drop the cached token and try again.
    def call_refreshing():
        try:
            return call()
        except ApiException as exc:
            if exc.status == 403 and "has expired" in (exc.body or ""):
                client.access_token_cache.token_info = None
                return call()
            raise

    assert call_refreshing().payload.orders
    journal = control.journal(operation="createToken")
    assert journal["count"] >= 2 and all(r["status"] == 200 for r in journal["requests"])


def test_a_real_client_reads_the_address_with_the_rdt_it_asks_for(server):
    from sp_api.api import Tokens
    from sp_api.base import Marketplaces
    from sp_api.base.exceptions import SellingApiForbiddenException

    refresh_token = f"Atzr|strict-rdt-{uuid.uuid4().hex}"
    orders = python_sp_api_orders(server.base_url, refresh_token)
    order_id = "114-5238413-0577563"
    with pytest.raises(SellingApiForbiddenException):
        orders.get_order_address(order_id)
    # The Tokens API client, as python-amazon-sp-api documents for operations without RestrictedResources.
    credentials = {"refresh_token": refresh_token, "lwa_app_id": CLIENT_ID, "lwa_client_secret": CLIENT_SECRET}
    tokens = Tokens(Marketplaces.US, credentials=credentials, auth_token_client_class=mock_lwa_client_class(server.base_url))
    tokens.endpoint = server.base_url
    rdt = tokens.create_restricted_data_token(
        restrictedResources=[{"method": "GET", "path": f"/orders/v0/orders/{order_id}/address"}]
    ).payload["restrictedDataToken"]
    address = python_sp_api_orders(server.base_url, refresh_token)
    address.restricted_data_token = rdt
    shown = address.get_order_address(order_id).payload
    assert shown["AmazonOrderId"] == order_id and shown["ShippingAddress"]["AddressLine1"]
    listed = orders.get_order(order_id, RestrictedResources=["buyerInfo", "shippingAddress"]).payload
    assert "Name" in listed["ShippingAddress"]
    plain = orders.get_order(order_id).payload
    assert "Name" not in plain.get("ShippingAddress", {}) and "AddressLine1" not in plain.get("ShippingAddress", {})


def test_access_tokens_last_an_hour_of_mock_time():
    assert timedelta(seconds=3600) == make_app().services.access_tokens.ttl


def test_a_restricted_data_token_cannot_mint_another(strict):
    """Before: an RDT for one order's address minted a broader RDT (every order's buyer info).
    Amazon's Tokens API takes the LWA access token of the selling partner (the Tokens API use
    case guide); an RDT is for the restricted operations it names, not for createRestrictedDataToken."""
    narrow = strict.rdt(strict.token(), {"method": "GET", "path": f"/orders/v0/orders/{ORDER}/address"})
    wider = [{"method": "GET", "path": "/orders/v0/orders/{orderId}/buyerInfo"}]
    refused = strict.client.post("/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": wider}, headers=narrow)
    assert refused.status_code == 403
    (error,) = refused.json()["errors"]
    assert error["code"] == "Unauthorized" and "cannot be used to request another" in error["details"]


def test_a_grantless_token_cannot_read_orders(strict):
    """Before: a client_credentials token read orders. Amazon: grantless operations (notification
    destinations, authorization migration) are the only ones such a token may call; the Orders
    API acts for a selling partner, so it answers 403 Unauthorized."""
    form = {
        "grant_type": "client_credentials",
        "scope": "sellingpartnerapi::notifications",
        "client_id": "app",
        "client_secret": "s",
    }
    token = strict.client.post("/auth/o2/token", token=False, data=form).json()["access_token"]
    refused = strict.get(f"/orders/v0/orders/{ORDER}", {"x-amz-access-token": token})
    assert refused.status_code == 403 and "grantless" in refused.json()["errors"][0]["details"]
    assert strict.get(f"/orders/v0/orders/{ORDER}", strict.token()).status_code == 200


# --- what the mock saw, in the 403's details and in the request log line (through a socket) -----


@pytest.fixture(scope="module")
def socket_strict():
    app = make_app(strict_auth=True)
    with over_a_socket(app) as client:
        yield Session(client, LocalControl.of(app.services))


def refused_with(session: Session, path: str, headers: dict, caplog) -> tuple[str, str]:
    """A 403 with Amazon's body (held to Amazon's ErrorList), its details and its log line."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="spapi_mock.requests"):
        refused = session.client.get(path, headers=headers, token=False)
    assert refused.status_code == 403, refused.text
    assert_valid_response("GET", path, 403, refused.json())
    (error,) = refused.json()["errors"]
    assert {k: error[k] for k in ("code", "message")} == DENIED
    (line,) = [r.getMessage() for r in caplog.records if r.name == "spapi_mock.requests"]
    return error["details"], line


@pytest.mark.parametrize("headers", [{}, {"x-amz-access-token": ""}], ids=["no header", "empty header"])
def test_no_access_token_is_amazons_403_saying_so(socket_strict, caplog, headers):
    """Before: the bare 403, details "" (and a log line without a reason)."""
    details, line = refused_with(socket_strict, f"/orders/v0/orders/{ORDER}", headers, caplog)
    assert "no access token" in details and "x-amz-access-token" in details
    assert line.startswith(f"getOrder@v0 {ORDER} -> 403 (") and line.endswith(f"): {details}")


def test_a_token_the_mock_never_issued_is_amazons_403_saying_so(socket_strict, caplog):
    details, line = refused_with(socket_strict, f"/orders/v0/orders/{ORDER}", {"x-amz-access-token": "Atza|elsewhere"}, caplog)
    assert details.startswith(INVALID_DETAILS) and "did not issue it" in details
    assert line.endswith(f"): {details}")


def test_an_expired_token_is_amazons_expired_403_word_for_word(socket_strict, caplog):
    headers = socket_strict.token()
    socket_strict.control.advance_clock("1h")
    details, line = refused_with(socket_strict, f"/orders/2026-01-01/orders/{ORDER}", headers, caplog)
    # Clients match these words to refresh their token: they stay Amazon's exactly.
    assert details == EXPIRED["errors"][0]["details"]
    assert line.startswith(f"getOrder@2026-01-01 {ORDER} -> 403 (") and line.endswith(f"): {details}")


def test_a_token_of_another_seller_is_not_a_403_but_the_404_of_an_unknown_order(socket_strict, caplog):
    """Another seller's token is a valid token: the mock never says an order exists for someone
    else, so it answers as for an id it does not know, and the log line names whose token it was."""
    socket_strict.control.create_seller("THEIRS", seed="empty")
    theirs = socket_strict.token("Atzr|spapi-mock|THEIRS")
    with caplog.at_level(logging.INFO, logger="spapi_mock.requests"):
        seen = socket_strict.get(f"/orders/v0/orders/{ORDER}", theirs)
        unknown = socket_strict.get("/orders/v0/orders/999-0000000-0000000", theirs)
    assert seen.status_code == unknown.status_code == 404
    assert seen.json()["errors"][0]["code"] == unknown.json()["errors"][0]["code"] == "NotFound"
    lines = [r.getMessage() for r in caplog.records if r.name == "spapi_mock.requests"]
    assert any(line.startswith(f"getOrder@v0 {ORDER} -> 404 (") and line.endswith("seller THEIRS)") for line in lines)


def test_the_rdt_a_restricted_operation_needs_is_named_in_the_log_line_too(socket_strict, caplog):
    details, line = refused_with(socket_strict, f"/orders/v0/orders/{ORDER}/address", socket_strict.token(), caplog)
    assert "Restricted Data Token" in details and line.endswith(f"): {details}")


def test_lenient_auth_still_wants_a_token_and_says_so(client):
    refused = client.get(f"/orders/v0/orders/{ORDER}", token=False)
    assert refused.status_code == 403 and "no access token" in refused.json()["errors"][0]["details"]
