"""Tools beside the server: the fixture generator."""
