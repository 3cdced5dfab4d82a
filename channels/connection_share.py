"""Several workers on one listening socket: a busy worker hands a client's connection back.

Workers share the socket: whichever calls accept() first takes a connection, and a keep-alive connection stays with
the worker that took it. Connections a client opens together all go to one worker (asyncio accepts every pending
connection at one wake-up), so that worker queues turns while the others sit idle: measured with two workers and
four clients, one worker did 96% of the work. So, with several workers, a response from a worker that is serving
other requests at that moment carries `Connection: close`: the client's next request opens a new connection, which
the worker with the least to do (the first to reach accept()) takes. A lone request keeps its connection; with one
worker nothing changes. A new connection costs a TCP handshake, well under a millisecond beside a turn's tens."""
from __future__ import annotations

CLOSE = (b"connection", b"close")


class ShareConnections:
    """ASGI middleware counting this process's HTTP requests in flight; installed on each worker's app when there
    are several workers (channels/asgi.py)."""

    def __init__(self, app):
        self.app, self.in_flight = app, 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message) -> None:
            if message["type"] == "http.response.start" and self.in_flight > 1:
                message = {**message, "headers": [*message.get("headers", ()), CLOSE]}
            await send(message)

        self.in_flight += 1
        try:
            await self.app(scope, receive, sending)
        finally:
            self.in_flight -= 1
