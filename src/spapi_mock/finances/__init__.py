"""The Finances API's backend: financial events and groups (v0) and transactions (2024-06-19),
read from the financial event records the marketplace keeps beside each seller's orders."""
