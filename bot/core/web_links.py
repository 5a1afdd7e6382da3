"""Addresses of the online platform that the bot hands out: signed login links and the
member's calendar subscription URL.

A login link carries a random secret (stored hashed, single use) and an HMAC of it under
WEB_SECRET, so a forged or mistyped link is refused before the database is asked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit


def _mac(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class WebLinks:
    base_url: str
    """Where members reach the platform, e.g. https://atelier.example.nl (no trailing slash)."""
    secret: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def login_url(self, token: str) -> str:
        return f"{self.base_url}/login/{self.sign_login(token)}"

    def sign_login(self, token: str) -> str:
        return f"{token}.{_mac(self.secret, 'login', token)}"

    def verified_login(self, signed: str) -> str | None:
        """The token inside a signed login link, or None for a forged one."""
        token, dot, mac = signed.rpartition(".")
        if not dot or not token:
            return None
        expected = _mac(self.secret, "login", token)
        return token if hmac.compare_digest(mac, expected) else None

    def feed_url(self, token: str) -> str:
        return f"{self.base_url}/feed/{token}.ics"

    def webcal_url(self, token: str) -> str:
        """The same feed for calendar apps: webcal:// makes them subscribe instead of import."""
        parts = urlsplit(self.feed_url(token))
        return "webcal://" + parts.netloc + parts.path

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")
