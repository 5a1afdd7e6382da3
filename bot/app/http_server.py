"""uvicorn inside the hub's event loop, for the online platform and for the health port: one task
beside the adapters and the scheduler, never a second loop, stopped cleanly on shutdown.

The socket is bound here, so a port that is taken is one clear error at start (and port 0 gives
a free one), and uvicorn's own signal handling is off: the hub owns SIGINT and SIGTERM.
HTTP is parsed by httptools (uvicorn's fast parser, the one `uvicorn[standard]` brings) rather
than pure-Python h11: with 200 clients the cached catalogue search page went from 536 to 913
requests a second in one process (`bench/web.py`).
uvicorn loads when a server starts: the console and the commands that serve nothing do not
pay for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

log = logging.getLogger(__name__)

STARTUP_WAIT = 10.0
BACKLOG = 2048
"""Pending connections the socket queues (uvicorn's own default): a burst of clients is
queued, not reset."""


class PortInUse(RuntimeError):
    """The address could not be bound: another process (or a second worker) has it."""


def _embedded_server(config: uvicorn.Config) -> uvicorn.Server:
    import uvicorn

    class EmbeddedServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return EmbeddedServer(config)


class HttpServer:
    def __init__(self, app: ASGIApp, host: str, port: int, *, serves: str, remedy: str) -> None:
        """`serves` and `remedy` complete the sentence said when the port is taken:
        "cannot listen on HOST:PORT for <serves> (…): <remedy>"."""
        self.app = app
        self.host = host
        self.port = port
        self._serves = serves
        self._remedy = remedy
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        import uvicorn

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            listener = socket.create_server((self.host, self.port), family=family, backlog=BACKLOG)
        except OSError as error:
            raise PortInUse(
                f"cannot listen on {self.host}:{self.port} for {self._serves} "
                f"({error.strerror}): {self._remedy}"
            ) from None
        listener.setblocking(False)
        # asyncio sets TCP_NODELAY only on sockets made with IPPROTO_TCP, which create_server's
        # are not; accepted connections inherit it from here. Without it uvicorn's separate
        # writes of headers and a small body wait for the client's delayed ACK: 40 ms a page.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = int(listener.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            http="httptools",
            ws="none",  # the platform serves pages, no websockets: none is loaded
            proxy_headers=True,
        )
        self._server = _embedded_server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[listener]), name=self._serves)
        waited = 0.0
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError(f"the server for {self._serves} stopped while starting")
            await asyncio.sleep(0.01)
            waited += 0.01
            if waited > STARTUP_WAIT:
                raise RuntimeError(f"the server for {self._serves} did not start in time")
        log.info("%s on http://%s:%d", self._serves, self.host, self.port)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await self._task
        finally:
            self._server = None
            self._task = None


def web_server(app: ASGIApp, host: str, port: int) -> HttpServer:
    return HttpServer(
        app,
        host,
        port,
        serves="the online platform",
        remedy="set WEB_PORT to a free port (or WEB_ENABLED=false)",
    )


def health_server(app: ASGIApp, host: str, port: int) -> HttpServer:
    return HttpServer(
        app,
        host,
        port,
        serves="/healthz and /metrics",
        remedy="give each process its own HEALTH_PORT, or 0 for none",
    )
