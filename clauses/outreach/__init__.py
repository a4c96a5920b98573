"""Outreach: who is invited, the messages they get, and what comes back (attendance, email events)."""
