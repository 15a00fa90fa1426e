"""The seller software under test: finds the buyer cancellation requests a seller must answer,
and cancels those items, the way a real integration does with Amazon's SDK."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from spapi import OrdersV0Api, SPAPIClient, SPAPIConfig
from spapi.rest import ApiException


@dataclass(frozen=True)
class CancellationRequest:
    order_id: str
    sku: str
    reason: str


def orders_api(endpoint: str, token_url: str, refresh_token: str, client_id: str, client_secret: str) -> OrdersV0Api:
    config = SPAPIConfig(client_id=client_id, client_secret=client_secret, refresh_token=refresh_token, region="NA")
    return OrdersV0Api(SPAPIClient(config, oauth_endpoint=token_url, endpoint=endpoint).api_client)


def cancellation_requests(api: OrdersV0Api, marketplace_id: str, updated_since: datetime) -> list[CancellationRequest]:
    """Items of unshipped orders updated since then whose buyer asked to cancel."""
    query = {
        "last_updated_after": updated_since.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "order_statuses": ["Unshipped", "PartiallyShipped"],
    }
    found = []
    while True:
        # The SDK sends every keyword it is given, None too: the token only once there is one.
        page = _with_retries(lambda query=query: api.get_orders([marketplace_id], **query)).payload
        for order in page.orders:
            items = _with_retries(lambda order=order: api.get_order_items(order.amazon_order_id)).payload.order_items
            found += [
                CancellationRequest(order.amazon_order_id, item.seller_sku, item.buyer_requested_cancel.buyer_cancel_reason)
                for item in items
                if item.buyer_requested_cancel and item.buyer_requested_cancel.is_buyer_requested_cancel == "true"
            ]
        if not page.next_token:
            return found
        query = {**query, "next_token": page.next_token}


def _with_retries(call, attempts: int = 4, backoff_seconds: float = 0.05):
    """Amazon answers 429 and 5xx now and then; a well-behaved client backs off and tries again."""
    for attempt in range(attempts):
        try:
            return call()
        except ApiException as exc:
            if exc.status not in (429, 500, 503) or attempt == attempts - 1:
                raise
            time.sleep(backoff_seconds * 2**attempt)
