"""Per-seller isolation: each refresh token acts for one selling partner, whose orders no other
seller's token can see, and the control plane makes a fresh seller per test run."""

from __future__ import annotations

import pytest

from spapi_mock.control import ControlError, LocalControl

from support.http import US, CheckedClient, make_app

CREATED_AFTER = "2025-01-01T00:00:00Z"
FIXTURE_ORDER = "111-0000000-0000001"


@pytest.fixture()
def market():
    app = make_app()
    with app.test_client() as raw:
        yield Market(CheckedClient(raw), LocalControl.of(app.services))


class Market:
    def __init__(self, client: CheckedClient, control: LocalControl) -> None:
        self.client = client
        self.control = control

    def token(self, refresh_token: str) -> dict:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "app", "client_secret": "s"}
        response = self.client.post("/auth/o2/token", token=False, data=form)
        assert response.status_code == 200, response.text
        return {"x-amz-access-token": response.json()["access_token"]}

    def order_ids(self, headers: dict) -> set[str]:
        # getOrders runs two minutes behind the clock: let orders placed just now show.
        self.control.advance_clock("3m")
        response = self.client.get(f"/orders/v0/orders?MarketplaceIds={US}&CreatedAfter={CREATED_AFTER}", headers=headers)
        assert response.status_code == 200, response.text
        return {o["AmazonOrderId"] for o in response.json()["payload"]["Orders"]}


def test_two_sellers_tokens_never_see_each_others_orders(market):
    a = market.control.create_seller("SELLER-A", seed="empty")
    b = market.control.create_seller("SELLER-B", seed="empty")
    mine = market.control.create_order({"order": {"OrderStatus": "Unshipped"}}, seller_id="SELLER-A")["order"]["AmazonOrderId"]
    theirs = market.control.create_order({"order": {"OrderStatus": "Unshipped"}}, seller_id="SELLER-B")["order"]["AmazonOrderId"]
    token_a, token_b = market.token(a["refreshToken"]), market.token(b["refreshToken"])
    assert market.order_ids(token_a) == {mine}
    assert market.order_ids(token_b) == {theirs}
    for path in (f"/orders/v0/orders/{theirs}", f"/orders/v0/orders/{theirs}/orderItems", f"/orders/v0/orders/{theirs}/address"):
        refused = market.client.get(path, headers=token_a)
        assert refused.status_code == 404, (path, refused.text)
        assert refused.json()["errors"][0]["code"] == "NotFound"
    # Nor can one seller change the other's order.
    body = {"marketplaceId": US, "shipmentStatus": "ReadyForPickup"}
    assert market.client.post(f"/orders/v0/orders/{theirs}/shipment", json=body, headers=token_a).status_code == 404
    # Orders v2026-01-01 reads the same partition.
    listed = market.client.get(f"/orders/2026-01-01/orders?createdAfter={CREATED_AFTER}", headers=token_a).json()["orders"]
    assert [o["orderId"] for o in listed] == [mine]
    assert market.client.get(f"/orders/2026-01-01/orders/{theirs}", headers=token_a).status_code == 404
    # The default seller (any other token) sees neither.
    assert not {mine, theirs} & market.order_ids({"x-amz-access-token": "Atza|anything"})


def test_a_seller_seeded_with_the_defaults_holds_the_same_order_ids_apart(market):
    created = market.control.create_seller("CI-JOB-1")
    default_orders = {s["sellerId"]: s["orders"] for s in market.control.sellers()["sellers"]}["A1MOCKSELLER00"]
    assert created["orders"] == default_orders > 0
    token = market.token(created["refreshToken"])
    default = {"x-amz-access-token": "Atza|default"}
    assert market.order_ids(token) == market.order_ids(default)
    # A change in the copy stays in the copy.
    market.control.apply(FIXTURE_ORDER, "update_shipment_status", seller_id="CI-JOB-1", status="PickedUp")
    mine = market.client.get(f"/orders/v0/orders/{FIXTURE_ORDER}", headers=token).json()["payload"]
    theirs = market.client.get(f"/orders/v0/orders/{FIXTURE_ORDER}", headers=default).json()["payload"]
    assert (mine["OrderStatus"], mine["EasyShipShipmentStatus"]) == ("Shipped", "PickedUp")
    assert (theirs["OrderStatus"], theirs["EasyShipShipmentStatus"]) == ("Unshipped", "PendingPickUp")


def test_a_made_up_seller_in_the_refresh_token_needs_no_setup_and_starts_empty(market):
    token = market.token("Atzr|spapi-mock|NEVER-CREATED")
    assert market.order_ids(token) == set()
    placed = market.control.create_order({}, seller_id="NEVER-CREATED")["order"]["AmazonOrderId"]
    assert market.order_ids(token) == {placed}


def test_a_refresh_token_of_your_own_can_be_given_to_a_seller(market):
    market.control.create_seller("MINE", seed="empty", refresh_token="Atzr|IwEBIMyRealLookingToken")
    placed = market.control.create_order({}, seller_id="MINE")["order"]["AmazonOrderId"]
    assert market.order_ids(market.token("Atzr|IwEBIMyRealLookingToken")) == {placed}
    with pytest.raises(ControlError, match="already belongs to another seller"):
        market.control.create_seller("OTHER", refresh_token="Atzr|IwEBIMyRealLookingToken")


def test_resetting_one_seller_leaves_the_others_alone(market):
    market.control.create_seller("A", seed="empty")
    market.control.create_seller("B", seed="empty")
    market.control.create_order({}, seller_id="A")
    kept = market.control.create_order({}, seller_id="B")["order"]["AmazonOrderId"]
    assert market.control.reset("A") == {"orders": 0}
    assert market.order_ids(market.token("Atzr|spapi-mock|A")) == set()
    assert market.order_ids(market.token("Atzr|spapi-mock|B")) == {kept}
    # A whole reset forgets the created sellers.
    market.client.post("/_mock/reset")
    assert {s["sellerId"] for s in market.client.get("/_mock/sellers").json()["sellers"]} == {"A1MOCKSELLER00"}


def test_sellers_are_created_listed_and_deleted_over_http(market):
    created = market.client.post("/_mock/sellers", json={"seed": "empty"})
    assert created.status_code == 201
    seller = created.json()
    assert seller["sellerId"].startswith("A") and len(seller["sellerId"]) == 14
    assert seller["refreshToken"] == f"Atzr|spapi-mock|{seller['sellerId']}" and seller["orders"] == 0
    listed = {s["sellerId"]: s for s in market.client.get("/_mock/sellers").json()["sellers"]}
    assert listed[seller["sellerId"]]["seed"] == "empty" and listed["A1MOCKSELLER00"]["default"] is True
    market.control.create_order({}, seller_id=seller["sellerId"])
    deleted = market.client.request("DELETE", f"/_mock/sellers/{seller['sellerId']}")
    assert deleted.status_code == 200 and deleted.json() == {"sellerId": seller["sellerId"], "orders": 1}
    assert seller["sellerId"] not in {s["sellerId"] for s in market.client.get("/_mock/sellers").json()["sellers"]}
    gone = market.client.request("DELETE", f"/_mock/sellers/{seller['sellerId']}")
    assert gone.status_code == 404 and "not found" in gone.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"sellerId": "A1MOCKSELLER00"}, "already exists"),
        ({"sellerId": "has space"}, "sellerId"),
        ({"seed": "everything"}, "seed"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_seller_that_cannot_be_created_is_refused_by_name(market, body, message):
    refused = market.client.post("/_mock/sellers", json=body)
    assert refused.status_code == 400
    assert message in refused.json()["errors"][0]["message"]


def test_the_default_seller_cannot_be_deleted(market):
    refused = market.client.request("DELETE", "/_mock/sellers/A1MOCKSELLER00")
    assert refused.status_code == 400 and "reset it instead" in refused.json()["errors"][0]["message"]


def test_sellers_survive_a_restart_on_a_store_file(tmp_path):
    db = tmp_path / "state.json"
    first = LocalControl.open(db)
    first.create_seller("KEPT", seed="empty", refresh_token="Atzr|custom")
    first.create_order({}, seller_id="KEPT")
    first.close()
    again = LocalControl.open(db)
    assert {s["sellerId"]: s["orders"] for s in again.sellers()["sellers"]}["KEPT"] == 1
    assert again.backend.seller_for_refresh_token("Atzr|custom") == "KEPT"


def test_parallel_runs_each_see_only_their_own_journal_and_faults(market):
    a, b = market.token("Atzr|spapi-mock|RUN-A"), market.token("Atzr|spapi-mock|RUN-B")
    market.control.add_fault(sellerId="RUN-A", operation="getOrders", status=503)
    assert market.client.get(f"/orders/v0/orders?MarketplaceIds={US}&CreatedAfter={CREATED_AFTER}", headers=a).status_code == 503
    assert market.client.get(f"/orders/v0/orders?MarketplaceIds={US}&CreatedAfter={CREATED_AFTER}", headers=b).status_code == 200
    # Each run's journal: its token request and its getOrders.
    assert [r["operation"] for r in market.control.journal(seller_id="RUN-B")["requests"]] == ["createToken", "getOrders"]
    assert [r["status"] for r in market.control.journal(seller_id="RUN-A", operation="getOrders")["requests"]] == [503]
    market.control.reset("RUN-A")
    assert market.control.faults()["faults"] == [] and market.control.journal(seller_id="RUN-A")["count"] == 0
    assert market.control.journal(seller_id="RUN-B")["count"] == 2
