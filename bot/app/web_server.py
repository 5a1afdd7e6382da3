"""uvicorn serving the online platform inside the hub's event loop: one task beside the
adapters and the scheduler, never a second loop, stopped cleanly on shutdown.

The hub binds the socket itself, so a port that is taken is one clear error at start (and
port 0 gives a free one, for tests), and uvicorn's own signal handling is switched off: the
hub owns SIGINT and SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)

STARTUP_WAIT = 10.0
BACKLOG = 2048
"""Pending connections the socket queues (uvicorn's own default): a burst of clients is
queued, not reset."""


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        listener = socket.create_server((self.host, self.port), backlog=BACKLOG)
        listener.setblocking(False)
        self.port = int(listener.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            proxy_headers=True,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[listener]), name="web")
        waited = 0.0
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the web server stopped while starting")
            await asyncio.sleep(0.01)
            waited += 0.01
            if waited > STARTUP_WAIT:
                raise RuntimeError("the web server did not start in time")
        log.info("online platform listening on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await self._task
        finally:
            self._server = None
            self._task = None
