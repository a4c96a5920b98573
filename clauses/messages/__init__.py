"""Messages to candidates: rendering (Jinja2 + Babel), calendar invitations (icalendar), MIME,
transports (file outbox, SendGrid) and the ledger that makes each message leave exactly once."""
