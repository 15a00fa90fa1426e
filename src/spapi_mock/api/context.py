"""What a handler needs to know about the request it serves: the mock's services and seller."""

from __future__ import annotations

from connexion.context import context
from flask import current_app

from ..services import Services

EXTENSION_KEY = "spapi_mock"


def services() -> Services:
    return current_app.extensions[EXTENSION_KEY]


def seller_id() -> str:
    """The selling partner the request's access token acts for (set by the security check)."""
    return context["user"]
