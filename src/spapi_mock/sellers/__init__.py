"""The Sellers API's backend: a seller's marketplaces read from the seller registry and its
orders, shaped by the rules in ``domain/seller_account``."""
