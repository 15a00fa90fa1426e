"""The HTTP edge: the application factory, the ASGI layers around it, and Connexion's handlers."""
