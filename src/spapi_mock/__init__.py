"""spapi-mock: a local, stateful stand-in for Amazon's Selling Partner API (SP-API).

Orders v0 and 2026-01-01, Feeds, Reports, Notifications, Sellers, Finances, Tokens and LWA."""

__version__ = "0.1.0"
