"""The online platform's access rows: single-use login links, browser sessions, feed tokens.

Secrets never sit in the database: a login link and a session cookie carry a random secret,
the rows hold its SHA-256. Only the calendar feed token is kept as is, because the member is
shown their subscription URL again on every visit (revoking it makes a new one).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import DIRECTORY_MEMBER
from storage.models import FeedToken, LoginToken, WebSession

LOGIN_VALID_FOR = timedelta(minutes=15)
SESSION_VALID_FOR = timedelta(days=30)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Redeemed:
    member_id: int
    community_id: int


class WebRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def issue_login(self, member_id: int, community_id: int, now: datetime) -> str:
        """A new login secret for the member, valid for 15 minutes, once."""
        secret = new_secret()
        self._session.add(
            LoginToken(
                token_hash=digest(secret),
                member_id=member_id,
                community_id=community_id,
                created_at=now,
                expires_at=now + LOGIN_VALID_FOR,
            )
        )
        await self._session.flush()
        return secret

    async def redeem_login(self, secret: str, now: datetime) -> Redeemed | None:
        """Use a login secret: exactly one caller succeeds, and only before it expires."""
        key = digest(secret)
        claimed = await self._session.execute(
            update(LoginToken)
            .where(
                LoginToken.token_hash == key,
                LoginToken.used_at.is_(None),
                LoginToken.expires_at > now,
            )
            .values(used_at=now)
        )
        if int(getattr(claimed, "rowcount", 0)) != 1:
            return None
        row = await self._session.get(LoginToken, key)
        if row is None:
            return None
        return Redeemed(row.member_id, row.community_id)

    async def open_session(self, member_id: int, community_id: int, now: datetime) -> str:
        """A new browser session; returns the cookie's secret."""
        secret = new_secret()
        self._session.add(
            WebSession(
                key_hash=digest(secret),
                member_id=member_id,
                community_id=community_id,
                csrf_token=new_secret(),
                created_at=now,
                expires_at=now + SESSION_VALID_FOR,
            )
        )
        await self._session.flush()
        return secret

    async def session_of(self, secret: str, now: datetime) -> WebSession | None:
        row = await self._session.get(WebSession, digest(secret))
        if row is None or row.expires_at <= now:
            return None
        return row

    async def close_session(self, secret: str) -> None:
        row = await self._session.get(WebSession, digest(secret))
        if row is not None:
            await self._session.delete(row)

    async def end_sessions(self, member_id: int) -> int:
        """Log the member out everywhere (`/web uit`); unused login links go too."""
        result = await self._session.execute(
            delete(WebSession)
            .where(WebSession.member_id == member_id)
            .execution_options(**{DIRECTORY_MEMBER: member_id})
        )
        await self._session.execute(delete(LoginToken).where(LoginToken.member_id == member_id))
        return int(getattr(result, "rowcount", 0))

    async def remove_expired(self, now: datetime) -> None:
        await self._session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        await self._session.execute(delete(LoginToken).where(LoginToken.expires_at <= now))

    async def feed_token(self, member_id: int, now: datetime) -> str:
        """The member's calendar feed token, made on first use."""
        row = await self._session.get(FeedToken, member_id)
        if row is None:
            row = FeedToken(member_id=member_id, token=new_secret(), created_at=now)
            self._session.add(row)
            await self._session.flush()
        return row.token

    async def has_feed_token(self, member_id: int) -> bool:
        return await self._session.get(FeedToken, member_id) is not None

    async def renew_feed_token(self, member_id: int, now: datetime) -> str:
        """Revoke the old subscription URL and make a new one."""
        await self._session.execute(delete(FeedToken).where(FeedToken.member_id == member_id))
        return await self.feed_token(member_id, now)

    async def feed_owner(self, token: str) -> int | None:
        return await self._session.scalar(
            select(FeedToken.member_id).where(FeedToken.token == token)
        )
