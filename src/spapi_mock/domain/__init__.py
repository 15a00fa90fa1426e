"""Domain rules of Amazon orders: plain Python, no HTTP, no TinyDB, the clock passed in."""
