"""Declared forms and the engine that walks them, one question at a time.

A form is a list of fields. Its progress lives in the `dialog_states` table, keyed by chat
and user, so a restart loses nothing; it expires after a quiet period. The same declaration
is offered whole as a `FormView` to platforms that have native forms (Discord modals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core.context import Context, UserError
from bot.core.i18n import Translator
from bot.core.router import Router
from bot.dialogs.forms import SKIP, Field, Form, FormValues, InvalidAnswer
from bot.dialogs.guard import ACTION_CONFIRM, ACTION_REPHRASE, PrivacyGuard, Resume
from bot.model.markup import Text
from bot.model.messages import (
    Button,
    ConversationKey,
    FormView,
    Incoming,
    Reply,
    UserRef,
)
from storage.models import DialogState, Role
from storage.repositories import Repositories

ACTION_CHOOSE = "dialog.choose"
ACTION_SKIP = "dialog.skip"
ACTION_CANCEL = "dialog.cancel"
ACTION_NEXT_PART = "dialog.next_part"


class DialogEngine:
    def __init__(self, router: Router, guard: PrivacyGuard) -> None:
        self._router = router
        self.guard = guard

    def forget_held(self, msg: Incoming) -> None:
        self.guard.drop(msg)

    def _form(self, name: str) -> Form:
        form = self._router.find_form(name)
        if form is None:
            raise KeyError(f"unknown form {name!r}")
        return form

    async def current(self, msg: Incoming, ctx: Context) -> tuple[DialogState | None, list[Reply]]:
        """The member's open dialog in this chat; an expired one is removed and reported."""
        state = await _open_dialog(ctx.repos, msg.key)
        if state is None or state.expires_at > ctx.now():
            return state, []
        await ctx.repos.dialogs.remove(state)
        return None, [ctx.reply("dialog.expired", title=self._title(ctx, state.form))]

    async def start(
        self,
        msg: Incoming,
        ctx: Context,
        form_name: str,
        values: Mapping[str, str | None] | None = None,
        *,
        defaults: Mapping[str, str | None] | None = None,
        first_answer: str | None = None,
    ) -> list[Reply]:
        """Open a form. `values` are answers (or context the completion needs) already known;
        `defaults` are current values shown with each question and kept when it is skipped;
        `first_answer` answers the first open question at once (`/reflectie <text>`)."""
        form = self._form(form_name)
        now = ctx.now()
        replies: list[Reply] = []
        # A form the platform can show natively right here (a modal) stays where it was asked;
        # otherwise a member with a private chat continues there, with or without a first
        # answer typed after the command.
        private = (
            not msg.chat.is_private and ctx.identity.reachable_privately and msg.form_size == 0
        )
        chat_id = ctx.identity.private_chat_id if private else msg.chat.chat_id
        if chat_id is None:
            raise UserError("error.generic")
        in_group = not private and not msg.chat.is_private and msg.form_size == 0
        skipped = _private_skipped(form) if in_group else {}
        state = await _open_dialog(
            ctx.repos, ConversationKey(msg.platform, chat_id, msg.user.user_id)
        )
        if state is not None:
            replies.append(ctx.reply("dialog.replaced", title=self._title(ctx, state.form)))
            await ctx.repos.dialogs.remove(state)
        state = DialogState(
            platform=msg.platform,
            chat_id=chat_id,
            user_id=msg.user.user_id,
            member_id=ctx.member.id,
            community_id=ctx.community.id if ctx.community else None,
            form=form.name,
            step=0,
            values={**skipped, **dict(values or {})},
            defaults=dict(defaults or {}),
            started_at=now,
            updated_at=now,
            expires_at=now + form.ttl,
        )
        state.step = self._next_step(form, state.values, 0)
        if state.step >= len(form.fields):
            return replies + await form.on_complete(msg, ctx, dict(state.values))
        if private:
            replies.append(ctx.reply("dialog.moved_private", title=ctx.t.plain(form.title_key)))
        typed, limit = first_answer or "", form.fields[state.step].max_length
        fits = len(typed) <= limit
        native = form.view(ctx, state, msg.form_size, first_answer=typed if fits else "")
        if native is not None:
            await ctx.repos.dialogs.save(state)
            if not fits:  # said privately; the modal opens empty rather than cut short
                notice = ctx.text("dialog.too_long", limit=limit, length=len(typed))
                replies.append(Reply(notice, private=True))
            return [*replies, _native_form(ctx, form, native)]
        # A first answer is checked before the dialog is kept: one that completes the form
        # (`/reflectie <text>`) keeps no dialog at all.
        if first_answer is not None and private:
            there = replace(msg, chat=replace(msg.chat, chat_id=chat_id, is_private=True))
            answered = await self.answer(there, ctx, state, first_answer)
            return replies + [replace(reply, private=True) for reply in answered]
        if first_answer is not None:
            return replies + await self.answer(msg, ctx, state, first_answer)
        await ctx.repos.dialogs.save(state)
        question = self._question(ctx, form, state)
        if private:
            question = self._question_in(ctx.t, form, state, private=True)
        replies.append(Reply(question.text, question.buttons, private=private, awaits_answer=True))
        return replies

    async def move(
        self, repos: Repositories, user: UserRef, from_chat: str, to_chat: str, t: Translator
    ) -> list[Reply]:
        """Carry an open form to another chat (back to the group when a DM was refused)."""
        state = await _open_dialog(repos, ConversationKey(user.platform, from_chat, user.user_id))
        if state is None:
            return []
        clash = await _open_dialog(repos, ConversationKey(user.platform, to_chat, user.user_id))
        if clash is not None:
            await repos.dialogs.remove(clash)
        form = self._form(state.form)
        state.chat_id = to_chat
        state.values = {**_private_skipped(form, after=state.step), **state.values}
        await repos.dialogs.save(state)
        return [self._question_in(t, form, state, private=False)]

    async def answer(
        self, msg: Incoming, ctx: Context, state: DialogState, answer: str
    ) -> list[Reply]:
        """A typed (or chosen) answer to the current question."""
        self.guard.drop(msg)
        form = self._form(state.form)
        _require_role(ctx, form)
        current = form.fields[state.step]
        try:
            value = self._accept(
                ctx, current, answer, state.defaults.get(current.name), state.values
            )
        except InvalidAnswer as invalid:
            await _keep(ctx, state)
            problem = ctx.t.text(invalid.key, **invalid.values)
            question = self._question(ctx, form, state)
            return [Reply(problem + "\n\n" + question.text, question.buttons, awaits_answer=True)]
        found = self.guard.findings({current.name: value}) if current.guard else {}
        if found:
            await _keep(ctx, state)  # without the held answer: that waits in memory only
            return self.guard.hold(msg, ctx, {current.name: value}, found, self._resume(state))
        return await self._advance(msg, ctx, form, state, {**state.values, current.name: value})

    def _resume(self, held: DialogState) -> Resume:
        """Take the held answer after all, if the dialog is still at that question."""
        dialog_id, step, name = held.id, held.step, self._form(held.form).fields[held.step].name

        async def resume(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
            state, notices = await self.current(msg, ctx)
            if state is None or state.id != dialog_id or state.step != step:
                return notices or [ctx.reply("guard.nothing_held")]
            form = self._form(state.form)
            return await self._advance(msg, ctx, form, state, {**state.values, name: values[name]})

        return resume

    async def submit(self, msg: Incoming, ctx: Context) -> list[Reply]:
        """A whole form at once (a Discord modal): every field checked before anything is kept."""
        form = self._form(msg.form)
        _require_role(ctx, form)
        state = await _open_dialog(ctx.repos, msg.key)
        known = state.values if state is not None and state.form == form.name else {}
        defaults = state.defaults if state is not None and state.form == form.name else {}
        values: FormValues = dict(known)
        still_open = False
        native = {f.name for f in form.native()}
        unanswered = [f.name for f in form.native() if f.name not in known]
        shown = set(unanswered[: msg.form_size]) if msg.form_size else set(unanswered)
        for current in form.fields:
            if current.name not in native:
                continue  # not part of a native form: the completion offers it afterwards
            if current.name not in msg.form_values and current.name in known:
                continue  # answered in an earlier part
            if current.name not in msg.form_values and current.name not in shown and state:
                still_open = True  # comes in a later part
                continue
            raw = msg.form_values.get(current.name, "").strip()
            try:
                values[current.name] = self._accept(
                    ctx, current, raw or SKIP, defaults.get(current.name), known
                )
            except InvalidAnswer as invalid:
                label = ctx.t.plain(current.label_key)
                raise UserError(
                    "dialog.invalid_field",
                    field=label,
                    problem=ctx.t.text(invalid.key, **invalid.values),
                ) from invalid
        if still_open and state is not None:
            return await self._keep_part(msg, ctx, form, state, values)
        guarded = {f.name: values.get(f.name) for f in form.fields if f.guard}
        found = self.guard.findings(guarded)
        if found:
            return self.guard.hold(
                msg, ctx, guarded, found, self._complete_submission(form, values)
            )
        return await self._complete_submission(form, values)(msg, ctx, values)

    async def _keep_part(
        self, msg: Incoming, ctx: Context, form: Form, state: DialogState, values: FormValues
    ) -> list[Reply]:
        """One part of a long native form: keep its answers with the dialog (so a restart
        loses nothing) and offer the next part."""
        state.values = values
        state.step = self._next_step(form, values, 0)
        state.updated_at = ctx.now()
        state.expires_at = state.updated_at + form.ttl
        await ctx.repos.dialogs.save(state)
        limit = msg.form_size
        parts = -(-len(form.native()) // limit)
        part = state.step // limit + 1
        label = ctx.t.plain("dialog.button_next_part", part=part, parts=parts)
        button = Button(label, ACTION_NEXT_PART, form.name)
        text = ctx.text("dialog.part_kept", part=part - 1, parts=parts)
        return [Reply(text, ((button,),), private=True)]

    async def next_part(self, msg: Incoming, ctx: Context) -> list[Reply]:
        """The open form again: its next part as a native form where the platform shows one,
        otherwise the current question."""
        state, notices = await self.current(msg, ctx)
        if state is None or state.form != msg.payload:
            return notices or [ctx.reply("dialog.nothing_open")]
        form = self._form(state.form)
        view = form.view(ctx, state, msg.form_size)
        if view is not None:
            return [_native_form(ctx, form, view)]
        question = self._question(ctx, form, state)
        return [Reply(question.text, question.buttons, awaits_answer=True)]

    def _complete_submission(self, form: Form, values: FormValues) -> Resume:
        async def complete(msg: Incoming, ctx: Context, _held: FormValues) -> list[Reply]:
            state = await _open_dialog(ctx.repos, msg.key)
            if state is not None and state.form == form.name:
                await ctx.repos.dialogs.remove(state)
            return await form.on_complete(msg, ctx, dict(values))

        return complete

    async def cancel(self, msg: Incoming, ctx: Context) -> list[Reply]:
        self.guard.drop(msg)
        state = await _open_dialog(ctx.repos, msg.key)
        if state is None:
            return [ctx.reply("dialog.nothing_to_cancel")]
        await ctx.repos.dialogs.remove(state)
        return [ctx.reply("dialog.cancelled", title=self._title(ctx, state.form))]

    def reminder(self, ctx: Context, state: DialogState) -> Reply:
        """After another command: the open form's question, so the member can pick it up."""
        form = self._form(state.form)
        question = self._question(ctx, form, state)
        intro = ctx.t.text("dialog.still_open", title=ctx.t.plain(form.title_key))
        return Reply(intro + "\n\n" + question.text, question.buttons, awaits_answer=True)

    async def _advance(
        self, msg: Incoming, ctx: Context, form: Form, state: DialogState, values: FormValues
    ) -> list[Reply]:
        next_step = self._next_step(form, values, state.step + 1)
        if next_step >= len(form.fields):
            if state.id is not None:
                await ctx.repos.dialogs.remove(state)
            return await form.on_complete(msg, ctx, values)
        state.values = values
        state.step = next_step
        state.updated_at = ctx.now()
        state.expires_at = state.updated_at + form.ttl
        await ctx.repos.dialogs.save(state)
        return [self._question(ctx, form, state)]

    @staticmethod
    def _next_step(form: Form, values: Mapping[str, object], start: int) -> int:
        step = start
        while step < len(form.fields) and form.fields[step].name in values:
            step += 1
        return step

    @staticmethod
    def _accept(
        ctx: Context,
        current: Field,
        answer: str,
        default: str | None,
        held: Mapping[str, str | None],
    ) -> str | None:
        answer = answer.strip()
        if answer == SKIP or not answer:
            return default or current.checked("")
        if current.choices:
            current.check_length(answer)
            return _match_choice(ctx, current, answer)
        if current.understand is not None:
            current.check_length(answer)
            return current.understand(answer, ctx, dict(held))
        return current.checked(answer)

    def _question(self, ctx: Context, form: Form, state: DialogState) -> Reply:
        private = ctx.is_private or state.chat_id == ctx.identity.private_chat_id
        return self._question_in(ctx.t, form, state, private=private)

    @staticmethod
    def _question_in(t: Translator, form: Form, state: DialogState, *, private: bool) -> Reply:
        """The current question. In a group it is answered by replying to it, so only a
        choice gets buttons there (skip and cancel are typed: `-`, /annuleer)."""
        current = form.fields[state.step]
        asked = [f for f in form.fields if private or not f.private_only]
        header = t.text(
            "dialog.header",
            title=t.plain(form.title_key),
            step=asked.index(current) + 1 if current in asked else state.step + 1,
            total=len(asked),
        )
        default = state.defaults.get(current.name)
        hint_key = (
            "dialog.hint_keep"
            if default
            else ("dialog.hint_required" if current.required else "dialog.hint_optional")
        )
        text: Text = header + "\n" + t.text(current.prompt_key)
        if default:
            text = text + "\n" + t.text("dialog.current", value=default)
        text = text + "\n\n" + t.text(hint_key)
        choice_row = tuple(
            Button(t.plain(c.label_key), ACTION_CHOOSE, c.value) for c in current.choices
        )
        skip = Button(t.plain("dialog.button_skip"), ACTION_SKIP)
        cancel = Button(t.plain("dialog.button_cancel"), ACTION_CANCEL)
        control_row: tuple[Button, ...] = (cancel,) if current.required else (skip, cancel)
        if not private and not choice_row:
            control_row = ()
        rows = tuple(row for row in (choice_row, control_row) if row)
        return Reply(text, rows, awaits_answer=True)

    def _title(self, ctx: Context, form_name: str) -> str:
        form = self._router.find_form(form_name)
        return ctx.t.plain(form.title_key) if form else form_name


def _private_skipped(form: Form, *, after: int = -1) -> FormValues:
    """The fields a dialog in the group leaves out (the sharing choice), those after step
    `after`: answered as skipped, so the completion applies the community default."""
    return {f.name: None for f in form.fields[after + 1 :] if f.private_only}


def _require_role(ctx: Context, form: Form) -> None:
    if form.role is Role.COORDINATOR and not ctx.is_coordinator:
        raise UserError("error.coordinators_only", command=ctx.t.plain(form.title_key))


def _match_choice(ctx: Context, current: Field, answer: str) -> str:
    wanted = answer.casefold()
    for choice in current.choices:
        if wanted in (choice.value.casefold(), ctx.t.plain(choice.label_key).casefold()):
            return choice.value
    options = ", ".join(ctx.t.plain(c.label_key) for c in current.choices)
    raise InvalidAnswer("dialog.choose_one", options=options)


def attach(router: Router) -> DialogEngine:
    """A dialog engine for the router's forms, with the controls every form shares:
    `/annuleer` | `/cancel`; the cancel, skip and choice buttons; and the answers to the
    guard's question about client data."""
    engine = DialogEngine(router, PrivacyGuard())

    async def on_cancel(msg: Incoming, ctx: Context) -> list[Reply]:
        return await engine.cancel(msg, ctx)

    async def answer_with(msg: Incoming, ctx: Context, answer: str) -> list[Reply]:
        state, notices = await engine.current(msg, ctx)
        if state is None:
            return notices or [ctx.reply("dialog.nothing_open")]
        return await engine.answer(msg, ctx, state, answer)

    async def on_choose(msg: Incoming, ctx: Context) -> list[Reply]:
        return await answer_with(msg, ctx, msg.payload)

    async def on_skip(msg: Incoming, ctx: Context) -> list[Reply]:
        return await answer_with(msg, ctx, SKIP)

    async def on_next_part(msg: Incoming, ctx: Context) -> list[Reply]:
        return await engine.next_part(msg, ctx)

    async def on_confirm(msg: Incoming, ctx: Context) -> list[Reply]:
        held = engine.guard.release(msg, ctx.now())
        if held is None:
            return [ctx.reply("guard.nothing_held")]
        return await held.resume(msg, ctx, held.values)

    async def on_rephrase(msg: Incoming, ctx: Context) -> list[Reply]:
        engine.guard.drop(msg)
        state, notices = await engine.current(msg, ctx)
        if state is None:
            return [*notices, ctx.reply("guard.dropped")]
        return [ctx.reply("guard.dropped"), engine.reminder(ctx, state)]

    router.command("annuleer", "cancel", on_cancel, help_key="help.cmd.annuleer")
    router.action(ACTION_CONFIRM, on_confirm)
    router.action(ACTION_REPHRASE, on_rephrase)
    router.action(ACTION_CANCEL, on_cancel)
    router.action(ACTION_CHOOSE, on_choose)
    router.action(ACTION_SKIP, on_skip)
    router.action(ACTION_NEXT_PART, on_next_part)
    return engine


async def _open_dialog(repos: Repositories, key: ConversationKey) -> DialogState | None:
    return await repos.dialogs.find(key.platform, key.chat_id, key.user_id)


def _native_form(ctx: Context, form: Form, view: FormView) -> Reply:
    """The form as the platform shows it natively (a Discord modal), with the text typed
    after the command filled in: the whole form stays private to the member. Where the modal
    cannot open now (Discord answered late), the member gets, privately, a button that opens
    it, never the questions in the group."""
    title = ctx.t.plain(form.title_key)
    button = Button(ctx.t.plain("dialog.button_open_form"), ACTION_NEXT_PART, form.name)
    text = ctx.text("dialog.open_form", title=title)
    return Reply(text, ((button,),), form=view, private=True)


async def _keep(ctx: Context, state: DialogState) -> None:
    """Save a dialog not saved yet (opened with a first answer that did not complete it)."""
    if state.id is None:
        await ctx.repos.dialogs.save(state)
