"""One outgoing email as data (``Outgoing``), and as the MIME message SendGrid would deliver.

Structure (RFC 6047 for the calendar part)::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset=utf-8
    │   ├── text/html; charset=utf-8
    │   └── text/calendar; method=REQUEST|CANCEL   (invitation, update, cancellation)
    └── application/ics attachment "invitation.ics"

Headers are built with ``email.headerregistry.Address`` under ``policy.SMTP``: a display name with
CR/LF or markup is encoded, it can never add a header.

``List-Unsubscribe: <URL>`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 2369,
RFC 8058) are written as plain ASCII on one line: the standard policy would turn a URL longer than
a folded line into an RFC 2047 encoded word, which no mail client reads as an unsubscribe link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.header import Header
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid

from clauses.messages.render import one_line


@dataclass(frozen=True)
class Outgoing:
    """Everything a transport needs to send one message. ``public_id`` is the only identifier that
    leaves in SendGrid's ``custom_args``."""

    public_id: str
    kind: str
    to_email: str
    to_name: str
    from_email: str
    from_name: str
    reply_to_email: str
    reply_to_name: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str
    ics: bytes | None = None
    ics_method: str | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ics_filename(self) -> str:
        return "annulation.ics" if self.ics_method == "CANCEL" else "invitation.ics"


ONE_CLICK = "List-Unsubscribe=One-Click"
_VERBATIM = frozenset({"list-unsubscribe", "list-unsubscribe-post"})


class _Policy(EmailPolicy):
    """``policy.SMTP`` except for the List-Unsubscribe headers, written verbatim (ASCII, one line)."""

    def _fold(self, name, value, refold_binary=False):
        if name.lower() in _VERBATIM:
            return f"{name}: {value}{self.linesep}"
        if name.lower() == "subject" and not str(value).isascii():
            # The standard folder can cut a word between an ASCII piece and an encoded word
            # ("… 1er ma" / "=?utf-8?q?rs_2027?="): mail clients then show "ma rs". Whole encoded
            # words, cut between characters, read back exactly (RFC 2047: the space between two
            # encoded words is not part of the text).
            return f"{name}: {Header(str(value), 'utf-8', header_name=name).encode(linesep=self.linesep)}{self.linesep}"
        return super()._fold(name, value, refold_binary)


SMTP = _Policy(linesep="\r\n")


def list_unsubscribe(url: str) -> str:
    """The List-Unsubscribe value; refuses what is not a plain one-line ASCII http(s) URL."""
    if not url.isascii() or any(c in url for c in "\r\n <>") or not url.startswith(("https://", "http://")):
        raise ValueError("the unsubscribe URL must be a plain ASCII http(s) URL")
    return f"<{url}>"


def _address(name: str, email: str) -> Address:
    username, _, domain = email.partition("@")
    return Address(display_name=one_line(name), username=username, domain=domain)


def build_mime(message: Outgoing, *, date: dt.datetime | None = None) -> EmailMessage:
    mime = EmailMessage(policy=SMTP)
    mime["From"] = _address(message.from_name, message.from_email)
    mime["To"] = _address(message.to_name, message.to_email)
    mime["Reply-To"] = _address(message.reply_to_name, message.reply_to_email)
    mime["Subject"] = one_line(message.subject)
    mime["Date"] = format_datetime(date or dt.datetime.now(dt.timezone.utc))
    mime["Message-ID"] = make_msgid(idstring=message.public_id, domain=message.from_email.partition("@")[2] or None)
    mime["List-Unsubscribe"] = list_unsubscribe(message.unsubscribe_url)
    mime["List-Unsubscribe-Post"] = ONE_CLICK
    mime["X-Clauses-Message-Id"] = message.public_id
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    mime.add_alternative(message.html, subtype="html", charset="utf-8")
    if message.ics is not None:
        method = message.ics_method or "REQUEST"
        mime.add_alternative(
            message.ics.decode("utf-8"), subtype="calendar", charset="utf-8", params={"method": method}
        )
        mime.make_mixed()
        mime.add_attachment(message.ics, maintype="application", subtype="ics", filename=message.ics_filename)
    return mime
