"""The Feeds API's backend: documents, feeds, their processing and their result documents."""
