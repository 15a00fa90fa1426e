"""What the domain says when a request or an action breaks one of Amazon's rules.

The domain knows nothing of HTTP; ``errors.py`` turns these into SP-API envelopes.
"""


class RuleViolation(ValueError):
    """The request breaks a rule of the API or of the order's lifecycle (HTTP 400)."""


class Unknown(LookupError):
    """Something the request names does not exist (HTTP 404)."""


class UnknownOrder(Unknown):
    """No order with that id belongs to this seller (HTTP 404)."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"Order {order_id} not found.")


class UnknownSeller(Unknown):
    """No seller with that id was created or holds orders (HTTP 404)."""

    def __init__(self, seller_id: str) -> None:
        self.seller_id = seller_id
        super().__init__(f"Seller {seller_id} not found.")


class FixtureError(ValueError):
    """Orders given as data (a fixture file, a new order's spec) that cannot be loaded; the
    message says where and why (HTTP 400 when they came in a request)."""
