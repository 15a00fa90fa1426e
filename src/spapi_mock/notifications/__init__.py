"""The Notifications API's backend: destinations, subscriptions, and what is delivered to them."""
