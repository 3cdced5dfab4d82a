"""The web pages: the chat and the customer's data-control center (static HTML+JS over the public HTTP API)."""
from channels.web.router import router

__all__ = ["router"]
