"""spapi-mock: a local, stateful stand-in for Amazon's Selling Partner API (Orders)."""

__version__ = "0.1.0"
