"""The web service (``clauses web``): candidates' answers and unsubscribe pages, partners' calendar
feeds and SendGrid's webhooks in one FastAPI application (see ``clauses.web.app``)."""

from clauses.web.app import create_app
from clauses.web.server import WebServer

__all__ = ["WebServer", "create_app"]
