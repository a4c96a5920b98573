"""What the terminal shows of a run: an input problem (``ClausesError``: a malformed file, a wrong
parameter) is the clean message the command prints, not a traceback.

Prefect logs a failed task or flow with its traceback. The run's own log handler (what the Prefect
UI shows) sits on Prefect's run loggers and still receives the record with its traceback; only the
console handler, on the root logger, leaves out the records whose exception is an input problem.
"""

from __future__ import annotations

import logging

import prefect.main  # noqa: F401  (configures Prefect's logging, which this module then adjusts)
from prefect.logging.handlers import PrefectConsoleHandler

from clauses.errors import ClausesError


class InputProblemFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ClausesError)


def quiet_input_problems() -> None:
    """Install the filter on Prefect's console handlers (once)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(isinstance(f, InputProblemFilter) for f in handler.filters):
            handler.addFilter(InputProblemFilter())
