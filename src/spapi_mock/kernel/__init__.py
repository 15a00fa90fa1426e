"""What every layer may use and that knows nothing of orders: the clock, dates, package files, untrusted JSON."""
