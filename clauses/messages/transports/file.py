"""The file transport: each message becomes a standard ``.eml`` in the outbox folder, as SendGrid
would deliver it. The file name is the message's public id; the file is written to a temporary name
and renamed, so it either exists whole or not at all, and its existence tells whether it was sent."""

from __future__ import annotations

import os
from pathlib import Path

from clauses import settings
from clauses.messages.mime import Outgoing, build_mime


class FileTransport:
    name = "file"

    def __init__(self, outbox: Path | str | None = None) -> None:
        self.outbox = Path(outbox) if outbox else settings.output_dir("outbox")
        self.outbox.mkdir(parents=True, exist_ok=True)

    def path_for(self, public_id: str) -> Path:
        return self.outbox / f"{public_id}.eml"

    def send(self, message: Outgoing) -> str | None:
        final = self.path_for(message.public_id)
        temporary = final.with_suffix(".eml.part")
        data = build_mime(message).as_bytes()
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        return None

    def delivered(self, public_id: str) -> bool | None:
        return self.path_for(public_id).exists()
