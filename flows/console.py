"""What the terminal shows of a run: an input problem (``ClausesError``: a malformed file, a wrong
parameter) is the clean message the command prints, not a traceback.

Prefect logs a failed task or flow with its traceback, then a line "Finished in state
Failed(...)" that repeats the problem's message in English. The run's own log handler (what the
Prefect UI shows) sits on Prefect's run loggers and still receives both; only the console handler,
on the root logger, leaves out the records whose exception is an input problem, and the line that
closes that run.
"""

from __future__ import annotations

import logging

import prefect.main  # noqa: F401  (configures Prefect's logging, which this module then adjusts)
from prefect.logging.handlers import PrefectConsoleHandler

from clauses.errors import ClausesError


class InputProblemFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._failed_on_input: set[str] = set()  # task or flow runs whose failure was an input problem

    def filter(self, record: logging.LogRecord) -> bool:
        run = str(getattr(record, "task_run_id", None) or getattr(record, "flow_run_id", None) or "")
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ClausesError):
            if run:
                self._failed_on_input.add(run)
            return False
        if run in self._failed_on_input and record.getMessage().startswith("Finished in state"):
            self._failed_on_input.discard(run)
            return False
        return True


def quiet_input_problems() -> None:
    """Install the filter on Prefect's console handlers (once)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(isinstance(f, InputProblemFilter) for f in handler.filters):
            handler.addFilter(InputProblemFilter())
