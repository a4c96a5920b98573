"""The terminal shows an input problem as the command's clean message, not Prefect's traceback."""

import logging
import sys

from clauses.errors import ClausesError, InputError
from flows.console import InputProblemFilter


def record_with(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, "Task run failed", None, exc_info)


def test_console_leaves_out_input_problems_but_not_crashes():
    keep = InputProblemFilter().filter
    assert not keep(record_with(ClausesError("métier inconnu 'x'")))
    assert not keep(record_with(InputError([])))
    assert keep(record_with(ZeroDivisionError("a real bug")))
    assert keep(logging.LogRecord("prefect", logging.INFO, __file__, 1, "Finished in state Failed", None, None))


def test_importing_the_flows_installs_it_on_the_console_handlers():
    import flows  # noqa: F401
    from prefect.logging.handlers import PrefectConsoleHandler

    consoles = [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]
    assert consoles and all(any(isinstance(f, InputProblemFilter) for f in h.filters) for h in consoles)
