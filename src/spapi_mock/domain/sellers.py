"""Selling partners: what names one, and the refresh token that acts for it.

Kept apart from the backend so the command line can offer the same choices without loading a
store.
"""

from __future__ import annotations

import re

# A refresh token of this form acts for the seller it names, created or not: CI jobs can make
# up a seller per run without a call to the control plane first.
REFRESH_TOKEN_PREFIX = "Atzr|spapi-mock|"
# The seller any token acts for unless it names another.
DEFAULT_SELLER_ID = "A1MOCKSELLER00"
# What a new seller starts with: a copy of the default seller's fixture orders, or nothing.
SEEDS = ("default", "empty")
SELLER_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def refresh_token_for(seller_id: str) -> str:
    return REFRESH_TOKEN_PREFIX + seller_id
