"""The HTTP edge: thin Connexion handlers and the wire shapes they return."""
