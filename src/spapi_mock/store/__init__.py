"""The state: every kind of document the mock holds, its file on disk, its in-memory indexes and packing."""
