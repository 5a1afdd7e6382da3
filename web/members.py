"""Pages for members after login: logging in with the link from `/web`, the community's
experiments and reflections (by the chat's read and name rules) with their replies, the
agenda with RSVP and the calendar subscription, their own contributions to edit, and the
download of their data. Every id is looked up inside the visitor's community: another
community's ids answer 404."""

from __future__ import annotations

import json
import re
import secrets

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core import forum
from bot.dialogs.guard import PrivacyGuard
from bot.dialogs.sharing import describe
from bot.handlers.meetings.planning import RsvpClosed, answer_rsvp
from storage.models import (
    Attribution,
    Audience,
    Experiment,
    ExperimentStatus,
    Reflection,
    RsvpAnswer,
)
from storage.repositories.experiments import ExperimentFilter, shown_author
from storage.repositories.ledger import ActivityKind
from storage.repositories.privacy import PrivacyRepository
from storage.repositories.replies import Subject
from storage.repositories.web import SESSION_VALID_FOR
from web.pages import Page, page, writing_page
from web.visitors import SESSION_COOKIE

LOGIN_CHECK_COOKIE = "leeratelier_login"
PAGE_SIZE = 20
TEXT_LENGTH = 4000
TEXT_FIELDS = ("question", "done", "happened", "learned")
MYDATA_FORMAT = "leeratelier-mydata/1"


# logging in ---------------------------------------------------------------------------------


@page
async def login_page(p: Page) -> Response:
    """Opening the link only shows a button: link previews of chat apps fetch the URL, and
    must not use up the single-use link."""
    signed = p.request.path_params["signed"]
    if p.services.links.verified_login(signed) is None:
        return p.render("login.html", status=400, problem="forged")
    check = secrets.token_urlsafe(16)
    response = p.render("login.html", signed=signed, check=check, problem=None)
    response.set_cookie(
        LOGIN_CHECK_COOKIE,
        check,
        max_age=900,
        httponly=True,
        samesite="lax",
        secure=p.services.links.secure,
        path="/login",
    )
    return response


@page
async def login(p: Page) -> Response:
    if not p.within(p.services.limits.login):
        raise HTTPException(429)
    form = await p.request.form()
    check = p.request.cookies.get(LOGIN_CHECK_COOKIE, "")
    if not check or form.get("check") != check:
        raise HTTPException(403)
    token = p.services.links.verified_login(p.request.path_params["signed"])
    if token is None:
        return p.render("login.html", status=400, problem="forged")
    redeemed = await p.repos.web.redeem_login(token, p.now())
    if redeemed is None:
        return p.render("login.html", status=400, problem="used")
    membership = await p.repos.members.find_membership(redeemed.community_id, redeemed.member_id)
    if membership is None or membership.left_at is not None:
        return p.render("login.html", status=400, problem="used")
    secret = await p.repos.web.open_session(redeemed.member_id, redeemed.community_id, p.now())
    response = p.redirect("/experiments")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(SESSION_VALID_FOR.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=p.services.links.secure,
    )
    response.delete_cookie(LOGIN_CHECK_COOKIE, path="/login")
    return response


@page
async def logout(p: Page) -> Response:
    await p.form()
    await p.repos.web.close_session(p.request.cookies.get(SESSION_COOKIE, ""))
    response = p.redirect("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


@page
async def switch_community(p: Page) -> Response:
    visitor = p.member()
    form = await p.form()
    wanted = _int(form.get("community"))
    if wanted not in {c.id for c in visitor.communities}:
        raise HTTPException(404)
    visitor.session.community_id = wanted
    return p.redirect("/experiments")


def _int(value: object) -> int:
    return int(value) if isinstance(value, str) and value.isdigit() else -1


# experiments --------------------------------------------------------------------------------


@page
async def experiments(p: Page) -> Response:
    visitor = p.member()
    params = p.request.query_params
    status = params.get("status", "")
    tag = params.get("tag", "").strip().lstrip("#").casefold()
    mine = params.get("mine") == "1"
    number = max(1, _int(params.get("page", "1")))
    wanted = ExperimentFilter(
        tag=tag or None,
        status=ExperimentStatus(status) if status in set(ExperimentStatus) else None,
        author_id=visitor.member.id if mine else None,
    )
    found = await p.repos.experiments.page(
        visitor.community.id,
        visitor.viewer,
        wanted,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    rows = [_experiment_row(p, e, found.authors) for e in found.experiments]
    pages = max(1, -(-found.total // PAGE_SIZE))
    return p.render(
        "experiments.html",
        rows=rows,
        total=found.total,
        page=number,
        pages=pages,
        wanted_status=status,
        tag=tag,
        mine=mine,
        statuses=list(ExperimentStatus),
    )


def _author(p: Page, item: Experiment | Reflection, authors: dict[int, str]) -> str:
    name = authors.get(item.author_member_id) if item.author_member_id is not None else None
    return shown_author(item.attribution, name) or p.t.plain("sharing.anonymous_author")


def sharing_of(p: Page, item: Experiment | Reflection) -> str:
    return describe(p.t, item.audience, item.attribution)


def _experiment_row(p: Page, item: Experiment, authors: dict[int, str]) -> dict[str, object]:
    return {
        "id": item.id,
        "what": item.what,
        "status": p.t.plain(f"experiment.status.{item.status.value}"),
        "sharing": sharing_of(p, item),
        "author": _author(p, item, authors),
        "learned": item.learned or "",
        "tags": item.tags,
    }


async def _readable(p: Page, kind: str) -> forum.Readable:
    visitor = p.member()
    subject = Subject(kind, int(p.request.path_params["item_id"]))
    found = await forum.readable(p.repos, visitor.community.id, visitor.viewer, subject)
    if found is None:
        raise HTTPException(404)
    return found


def _own(p: Page, item: Experiment | Reflection) -> bool:
    visitor = p.member()
    return item.author_member_id is not None and item.author_member_id == visitor.member.id


@writing_page
async def experiment(p: Page) -> Response:
    return await _show(p, await _readable(p, "experiment"))


async def _show(
    p: Page,
    about: forum.Readable,
    *,
    draft: str = "",
    findings: list[str] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    visitor = p.member()
    item = about.contribution
    if isinstance(item, Experiment) and not _own(p, item) and status == 200:
        await p.repos.ledger.record(
            visitor.community.id,
            visitor.member.id,
            ActivityKind.EXPERIMENT_READ,
            p.now(),
            subject=str(item.id),
        )
    authors = await p.repos.experiments.authors([item])
    tools = []
    if isinstance(item, Experiment):
        ids = await p.repos.experiments.tool_ids(item.id)
        tools = await p.repos.tools.approved_by_ids(ids) if ids else []
    return p.render(
        f"{about.subject.kind}.html",
        status=status,
        item=item,
        author=_author(p, item, authors),
        sharing=sharing_of(p, item),
        own=_own(p, item),
        tools=tools,
        replies=await p.repos.replies.of(about.subject),
        fields=TEXT_FIELDS,
        draft=draft,
        findings=findings or [],
        problem=problem,
    )


def _findings(p: Page, texts: dict[str, str | None]) -> list[str]:
    """What looks like client data, described with the value masked (the chat's guard)."""
    return PrivacyGuard.described(p.t, texts, PrivacyGuard.findings(texts))


async def _reply(p: Page, kind: str) -> Response:
    about = await _readable(p, kind)
    visitor = p.member()
    form = await p.form()
    text = str(form.get("text", "")).strip()
    if not text:
        return await _show(p, about, problem="empty", status=400)
    if len(text) > forum.REPLY_LENGTH:
        return await _show(p, about, draft=text, problem="too_long", status=400)
    findings = _findings(p, {"text": text})
    if findings and form.get("confirm") != "1":
        return await _show(p, about, draft=text, findings=findings, status=400)
    await forum.post_reply(
        p.repos,
        community=visitor.community,
        author=visitor.member,
        about=about,
        text=text,
        now=p.now(),
    )
    await forum.tell_author(
        p.repos,
        p.services.messenger,
        p.services.catalogs,
        community=visitor.community,
        replier=visitor.member,
        about=about,
        text=text,
    )
    return p.redirect(f"/{kind}s/{about.subject.id}#replies")


@page
async def experiment_reply(p: Page) -> Response:
    return await _reply(p, "experiment")


@page
async def reflection_reply(p: Page) -> Response:
    return await _reply(p, "reflection")


# editing one's own contributions ------------------------------------------------------------


def _tags(answer: str) -> list[str]:
    tags: list[str] = []
    for word in re.split(r"[,\s]+", answer):
        tag = word.strip().lstrip("#").casefold()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


async def _own_item(p: Page, kind: str) -> forum.Readable:
    about = await _readable(p, kind)
    if not _own(p, about.contribution):
        raise HTTPException(404)
    return about


@page
async def experiment_edit(p: Page) -> Response:
    about = await _own_item(p, "experiment")
    item = about.contribution
    if not isinstance(item, Experiment):
        raise TypeError("the experiment page got another kind of contribution")
    if p.request.method == "GET":
        return _edit_form(p, "experiment_edit.html", item, values=_experiment_values(item))
    form = await p.form()
    values = {name: str(form.get(name, "")).strip() for name in ("what", *TEXT_FIELDS)}
    values["tags"] = str(form.get("tags", ""))
    values["status"] = str(form.get("status", ""))
    values["audience"] = str(form.get("audience", ""))
    values["attribution"] = str(form.get("attribution", ""))
    problem = _edit_problem(values, ("what", *TEXT_FIELDS))
    if values["status"] not in set(ExperimentStatus):
        problem = problem or "bad_choice"
    if problem is not None:
        return _edit_form(p, "experiment_edit.html", item, values, problem=problem, status=400)
    findings = _findings(p, {name: values[name] for name in ("what", *TEXT_FIELDS)})
    if findings and form.get("confirm") != "1":
        return _edit_form(p, "experiment_edit.html", item, values, findings=findings, status=400)
    changes: dict[str, object] = {name: values[name] or None for name in TEXT_FIELDS}
    changes["what"] = values["what"]
    changes["tags"] = _tags(values["tags"])
    changes["status"] = ExperimentStatus(values["status"])
    changes["audience"] = Audience(values["audience"])
    changes["attribution"] = Attribution(values["attribution"])
    await p.repos.experiments.update(item, changes, p.now())
    return p.redirect(f"/experiments/{item.id}")


def _experiment_values(item: Experiment) -> dict[str, str]:
    values = {name: getattr(item, name) or "" for name in ("what", *TEXT_FIELDS)}
    values["tags"] = " ".join(item.tags)
    values["status"] = item.status.value
    values["audience"] = item.audience.value
    values["attribution"] = item.attribution.value
    return values


def _edit_problem(values: dict[str, str], texts: tuple[str, ...]) -> str | None:
    if not values[texts[0]]:
        return "empty"
    if any(len(values[name]) > TEXT_LENGTH for name in texts):
        return "too_long"
    if values["audience"] not in set(Audience) or values["attribution"] not in set(Attribution):
        return "bad_choice"
    return None


def _edit_form(
    p: Page,
    template: str,
    item: Experiment | Reflection,
    values: dict[str, str],
    *,
    problem: str | None = None,
    findings: list[str] | None = None,
    status: int = 200,
) -> Response:
    return p.render(
        template,
        status=status,
        item=item,
        values=values,
        problem=problem,
        findings=findings or [],
        fields=TEXT_FIELDS,
        statuses=list(ExperimentStatus),
        audiences=list(Audience),
        attributions=list(Attribution),
    )


@page
async def reflection_edit(p: Page) -> Response:
    about = await _own_item(p, "reflection")
    item = about.contribution
    if not isinstance(item, Reflection):
        raise TypeError("the reflection page got another kind of contribution")
    if p.request.method == "GET":
        values = {
            "text": item.text,
            "audience": item.audience.value,
            "attribution": item.attribution.value,
        }
        return _edit_form(p, "reflection_edit.html", item, values)
    form = await p.form()
    values = {
        "text": str(form.get("text", "")).strip(),
        "audience": str(form.get("audience", "")),
        "attribution": str(form.get("attribution", "")),
    }
    problem = _edit_problem(values, ("text",))
    if problem is not None:
        return _edit_form(p, "reflection_edit.html", item, values, problem=problem, status=400)
    findings = _findings(p, {"text": values["text"]})
    if findings and form.get("confirm") != "1":
        return _edit_form(p, "reflection_edit.html", item, values, findings=findings, status=400)
    item.text = values["text"]
    item.audience = Audience(values["audience"])
    item.attribution = Attribution(values["attribution"])
    return p.redirect(f"/reflections/{item.id}")


# reflections --------------------------------------------------------------------------------


@page
async def reflections(p: Page) -> Response:
    visitor = p.member()
    number = max(1, _int(p.request.query_params.get("page", "1")))
    rows, total = await p.repos.reflections.page(
        visitor.community.id, visitor.viewer, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    authors = await p.repos.experiments.authors(rows)
    shown = [
        {"id": r.id, "text": r.text, "author": _author(p, r, authors), "at": p.when(r.created_at)}
        for r in rows
    ]
    pages = max(1, -(-total // PAGE_SIZE))
    return p.render("reflections.html", rows=shown, total=total, page=number, pages=pages)


@page
async def reflection(p: Page) -> Response:
    return await _show(p, await _readable(p, "reflection"))


# agenda -------------------------------------------------------------------------------------

ANSWERS = {
    RsvpAnswer.YES: "meeting.rsvp_yes",
    RsvpAnswer.MAYBE: "meeting.rsvp_maybe",
    RsvpAnswer.NO: "meeting.rsvp_no",
}


@page
async def agenda(p: Page) -> Response:
    """A reading page: only the first visit writes (the feed token is made), and runs again
    as a writer."""
    visitor = p.member()
    meetings = await p.repos.meetings.upcoming(visitor.community.id, p.now(), 50)
    counts = await p.repos.meetings.counts([m.id for m in meetings])
    answers = await p.repos.meetings.answers_of([m.id for m in meetings], visitor.member.id)
    rows = []
    for meeting in meetings:
        mine = answers.get(meeting.id)
        rows.append(
            {
                "id": meeting.id,
                "title": meeting.title,
                "when": p.when(meeting.starts_at),
                "until": p.when(meeting.ends_at),
                "place": meeting.place,
                "public": meeting.kind.value == "publiek",
                "yes": counts[meeting.id][RsvpAnswer.YES],
                "maybe": counts[meeting.id][RsvpAnswer.MAYBE],
                "no": counts[meeting.id][RsvpAnswer.NO],
                "mine": mine.value if mine else "",
            }
        )
    token = await p.repos.web.feed_token(visitor.member.id, p.now())
    links = p.services.links
    return p.render(
        "agenda.html",
        rows=rows,
        answers=[(answer.value, key) for answer, key in ANSWERS.items()],
        feed_url=links.feed_url(token),
        webcal_url=links.webcal_url(token),
    )


@page
async def rsvp(p: Page) -> Response:
    visitor = p.member()
    form = await p.form()
    meeting = await p.repos.meetings.get(
        visitor.community.id, int(p.request.path_params["item_id"])
    )
    if meeting is None:
        raise HTTPException(404)
    try:
        answer = RsvpAnswer(str(form.get("answer", "")))
    except ValueError:
        raise HTTPException(400) from None
    try:
        await answer_rsvp(p, p.repos, visitor.community, meeting, visitor.member.id, answer)
    except RsvpClosed:
        raise HTTPException(409) from None
    return p.redirect(f"/agenda#meeting-{meeting.id}")


@page
async def meeting_ics(p: Page) -> Response:
    from web.public import _ics

    visitor = p.member()
    meeting = await p.repos.meetings.get(
        visitor.community.id, int(p.request.path_params["item_id"])
    )
    if meeting is None:
        raise HTTPException(404)
    return await _ics(p, meeting)


@page
async def renew_feed(p: Page) -> Response:
    visitor = p.member()
    await p.form()
    await p.repos.web.renew_feed_token(visitor.member.id, p.now())
    return p.redirect("/agenda#feed")


# one's own ----------------------------------------------------------------------------------


@page
async def mine(p: Page) -> Response:
    visitor = p.member()
    own = await p.repos.experiments.page(
        visitor.community.id,
        visitor.viewer,
        ExperimentFilter(author_id=visitor.member.id),
        offset=0,
        limit=200,
    )
    reflections_of = await p.repos.reflections.of_author(visitor.community.id, visitor.member.id)
    return p.render(
        "mine.html",
        experiments=[_experiment_row(p, e, {}) for e in own.experiments],
        reflections=[
            {"id": r.id, "text": r.text, "sharing": sharing_of(p, r)} for r in reflections_of
        ],
    )


@page
async def my_data(p: Page) -> Response:
    visitor = p.member()
    repository = PrivacyRepository(p.repos.session)
    keys = await repository.keys(visitor.member.id)
    document = {
        "format": MYDATA_FORMAT,
        "generated_at": p.now().isoformat(),
        "member_id": keys.member_id,
        "tables": await repository.collect(keys),
    }
    day = p.now().astimezone(p.zone()).date().isoformat()
    name = p.t.plain("mydata.filename", date=day)
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2).encode(),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/login/{signed}", login_page, methods=["GET"]),
        Route("/login/{signed}", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/community", switch_community, methods=["POST"]),
        Route("/experiments", experiments),
        Route("/experiments/{item_id:int}", experiment),
        Route("/experiments/{item_id:int}/reply", experiment_reply, methods=["POST"]),
        Route("/experiments/{item_id:int}/edit", experiment_edit, methods=["GET", "POST"]),
        Route("/reflections", reflections),
        Route("/reflections/{item_id:int}", reflection),
        Route("/reflections/{item_id:int}/reply", reflection_reply, methods=["POST"]),
        Route("/reflections/{item_id:int}/edit", reflection_edit, methods=["GET", "POST"]),
        Route("/agenda", agenda),
        Route("/agenda/{item_id:int}/rsvp", rsvp, methods=["POST"]),
        Route("/agenda/{item_id:int}.ics", meeting_ics),
        Route("/agenda/feed", renew_feed, methods=["POST"]),
        Route("/mine", mine),
        Route("/mine/data.json", my_data),
    ]
