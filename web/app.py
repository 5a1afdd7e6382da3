"""The Starlette application: the routes of every page module and error pages that never show
a traceback."""

from __future__ import annotations

import logging

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from web import coordinators, feed, members, public
from web.pages import STATIC, environment
from web.security import SecurityHeaders
from web.services import WebServices
from web.tool_cards import ToolCards
from web.visitors import VisitorCache, translator_for

log = logging.getLogger(__name__)


def _error_page(request: Request, status: int) -> HTMLResponse:
    services: WebServices = request.app.state.services
    t = translator_for(request, services.catalogs, None)
    env: Environment = request.app.state.templates
    key = {401: "login", 403: "forbidden", 404: "not_found", 429: "too_many"}.get(status, "broken")
    body = env.get_template("error.html").render(
        t=t.plain, lang=t.language, visitor=None, path=request.url.path, status=status, key=key
    )
    return HTMLResponse(body, status_code=status)


async def _http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    return _error_page(request, status)


async def _server_error(request: Request, error: Exception) -> Response:
    log.error("web page %s failed", request.url.path, exc_info=error)
    return _error_page(request, 500)


def create_app(services: WebServices, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """The platform as one ASGI app. `extra_routes` (e.g. /healthz, /readyz, /metrics from
    bot/app/health.py) are mounted before the pages."""
    routes: list[BaseRoute] = [
        *(extra_routes or []),
        *public.routes(),
        *members.routes(),
        *coordinators.routes(),
        *feed.routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.services = services
    app.state.templates = environment()
    app.state.visitors = VisitorCache(services.database, services.limits.monotonic)
    app.state.tool_cards = ToolCards(services.tools)
    return app
