"""Where messages leave: a file outbox (default) or SendGrid. Chosen by ``messaging.transport``.

A transport has a ``name``, ``send(outgoing) -> provider message id | None``, and
``delivered(public_id) -> bool | None``: whether a message is known to have left (the file
transport can tell from the outbox; SendGrid cannot, it answers ``None`` and the ledger waits for
its ``processed`` event).
"""

from __future__ import annotations

from typing import Protocol

from clauses.errors import ClausesError
from clauses.messages.mime import Outgoing


class Transport(Protocol):
    name: str

    def send(self, message: Outgoing) -> str | None: ...

    def delivered(self, public_id: str) -> bool | None: ...


class TransportError(ClausesError):
    """Sending must stop: the provider refused the request or stayed unreachable."""

    #: The message itself is at fault (it will never go through as it is): the ledger marks it failed.
    message_rejected: bool = False
    #: The request reached the provider but no answer came back (a read timeout, a connection cut
    #: after the request was sent): it may have been accepted. The ledger keeps the message "sending"
    #: until the provider confirms it or a coordinator settles it; it is never retried blindly.
    outcome_unknown: bool = False


def make_transport(config, *, outbox=None, api_key: str | None = None) -> Transport:
    """The transport the configuration asks for."""
    messaging = config.messaging
    if messaging.transport == "sendgrid":
        from clauses.messages.transports.sendgrid import SendGridTransport

        return SendGridTransport.from_settings(messaging, api_key=api_key)
    from clauses.messages.transports.file import FileTransport

    return FileTransport(outbox)
