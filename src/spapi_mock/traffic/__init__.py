"""What happens to a request around its handler: tokens, throttling, faults, the journal,
Amazon's static sandbox cases and the request guard. Knows nothing of HTTP frameworks."""
