"""The page machinery every route module shares: templates, one unit of work per request
(`Page`), and the `page` / `writing_page` decorators that give a handler its Page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.core.i18n import Translator
from storage.db import ReadOnlyViolation
from storage.models import ScheduledSend
from storage.repositories import Repositories
from web.limits import Window
from web.security import same_token
from web.services import WebServices
from web.visitors import Visitor, VisitorCache, translator_for

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # compiled once per process: no file check on every render
    )
    return env


@dataclass
class Page:
    """One request's unit of work: its repositories, the visitor and their language."""

    request: Request
    services: WebServices
    repos: Repositories
    visitor: Visitor | None
    t: Translator
    planned: list[datetime] = field(default_factory=list)

    def now(self) -> datetime:
        return self.services.clock.now()

    def plan(self, send: ScheduledSend) -> None:
        """Schedule a send (a Planner, as a handler's Context is); the delivery loop hears of
        it after the commit."""
        self.repos.schedule.add(send)
        self.planned.append(send.due_at)

    def client(self) -> str:
        return self.request.client.host if self.request.client else "?"

    def within(self, window: Window) -> bool:
        """Counts this request once against the rate limit `window` (a page that runs again as
        a writer is still one request)."""
        counted: dict[int, bool] = self.request.scope.setdefault("leeratelier.limits", {})
        if id(window) not in counted:
            counted[id(window)] = window.allow(self.client(), self.services.limits.monotonic())
        return counted[id(window)]

    def member(self) -> Visitor:
        if self.visitor is None:
            raise HTTPException(401)
        return self.visitor

    def coordinator(self) -> Visitor:
        visitor = self.member()
        if not visitor.coordinator:
            raise HTTPException(403)
        return visitor

    def zone(self) -> ZoneInfo:
        name = self.visitor.community.timezone if self.visitor else "Europe/Amsterdam"
        return ZoneInfo(name)

    def when(self, moment: datetime, zone: str | None = None) -> str:
        local = moment.astimezone(ZoneInfo(zone) if zone else self.zone())
        pattern = self.t.plain("web.datetime_format")
        return format_datetime(local, pattern, locale=self.t.language)

    async def form(self) -> FormData:
        """The posted form, after its CSRF token was checked against the session's."""
        visitor = self.member()
        form = await self.request.form()
        if not same_token(form.get("csrf"), visitor.csrf):
            raise HTTPException(403)
        return form

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        env: Environment = self.request.app.state.templates
        body = env.get_template(template).render(
            t=self.t.plain,
            lang=self.t.language,
            visitor=self.visitor,
            path=self.request.url.path,
            when=self.when,
            **values,
        )
        return HTMLResponse(body, status_code=status)

    def redirect(self, path: str) -> RedirectResponse:
        return RedirectResponse(path, status_code=303)


Handler = Callable[[Page], Awaitable[Response]]


@asynccontextmanager
async def unit(request: Request, *, writes: bool) -> AsyncIterator[Page]:
    services: WebServices = request.app.state.services
    database = services.database
    async with database.session() if writes else database.reading() as session:
        repos = Repositories.bind(session)
        visitors: VisitorCache = request.app.state.visitors
        visitor = await visitors.visitor(request, repos, services.coordinators, reading=not writes)
        t = translator_for(request, services.catalogs, visitor)
        yield Page(request, services, repos, visitor, t)


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A page in one unit of work: a reading one for GET, a writing one for forms."""
    return _endpoint(handler, writes_on_get=False)


def writing_page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A page that also writes when it is only read (a read counted in the ledger)."""
    return _endpoint(handler, writes_on_get=True)


def _endpoint(handler: Handler, *, writes_on_get: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if not writes_on_get and request.method in ("GET", "HEAD"):
            try:
                async with unit(request, writes=False) as current:
                    return await handler(current)
            except ReadOnlyViolation:
                pass  # the page wrote after all (the first import of the catalogue): again
        async with unit(request, writes=True) as current:
            response = await handler(current)
        wake = current.services.on_planned
        if current.planned and wake is not None:
            wake(min(current.planned))
        return response

    endpoint.__name__ = handler.__name__
    return endpoint
