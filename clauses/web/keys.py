"""The web service's own secret, and what is derived from it: the CSRF token of each answer page
and the secret address of each partner's calendar feed.

The secret comes from the environment variable ``CLAUSES_WEB_SECRET``, or else from
``<data folder>/web-secret.key`` (created on first use, readable by its owner only). Changing it
invalidates the open pages' forms (a reload fixes them) and every partner's feed address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from clauses import settings

SECRET_ENV = "CLAUSES_WEB_SECRET"
SECRET_FILE = "web-secret.key"


@lru_cache(maxsize=4)
def _file_secret(folder: str) -> bytes:
    path = Path(folder) / SECRET_FILE
    if not path.exists():
        value = secrets.token_urlsafe(32)
        tmp = path.with_name(f"{SECRET_FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        try:
            os.link(tmp, path)  # atomic, and never replaces a secret another process made meanwhile
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode("utf-8")


def web_secret() -> bytes:
    value = os.environ.get(SECRET_ENV)
    if value:
        return value.encode("utf-8")
    return _file_secret(str(settings.data_dir()))


def _mac(purpose: str, value: str, length: int = 22) -> str:
    digest = hmac.new(web_secret(), f"{purpose}:{value}".encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:length]


def csrf_token(url_token: str, action: str) -> str:
    """The hidden field of an answer or unsubscribe form: bound to the page's own link and action."""
    return _mac("csrf", f"{url_token}:{action}")


def csrf_valid(url_token: str, action: str, value: str | None) -> bool:
    return bool(value) and hmac.compare_digest(csrf_token(url_token, action), value)


def feed_token(partner_key: str) -> str:
    """The secret part of a partner's calendar feed address (128 bits)."""
    return _mac("feed", partner_key)
