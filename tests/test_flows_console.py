"""The terminal shows an input problem as the command's clean message, not Prefect's traceback."""

import logging
import sys

from clauses.errors import ClausesError, InputError
from flows.console import InputProblemFilter


def record_with(error: BaseException, run: str = "") -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        exc_info = sys.exc_info()
    record = logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, "Task run failed", None, exc_info)
    if run:
        record.task_run_id = run
    return record


def finished_failed(run: str, error: str) -> logging.LogRecord:
    """The line Prefect logs when a run ends failed (no traceback, the error's message repeated)."""
    message = f"Finished in state Failed('Task run encountered an exception {error}')"
    record = logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, message, None, None)
    record.task_run_id = run
    return record


def test_console_leaves_out_input_problems_but_not_crashes():
    keep = InputProblemFilter().filter
    assert not keep(record_with(ClausesError("métier inconnu 'x'")))
    assert not keep(record_with(InputError([])))
    assert keep(record_with(ZeroDivisionError("a real bug")))
    assert keep(logging.LogRecord("prefect", logging.INFO, __file__, 1, "Finished in state Failed", None, None))


def test_console_leaves_out_the_closing_line_of_a_run_failed_on_an_input_problem_only():
    keep = InputProblemFilter().filter
    assert not keep(record_with(InputError([]), run="run-a"))
    assert keep(record_with(ZeroDivisionError("a real bug"), run="run-b"))
    assert not keep(finished_failed("run-a", "InputError: 4 problèmes"))  # its message was printed in French
    assert keep(finished_failed("run-b", "ZeroDivisionError: a real bug"))
    assert keep(finished_failed("run-a", "InputError: again"))  # only the one closing line is left out


def test_importing_the_flows_installs_it_on_the_console_handlers():
    import flows  # noqa: F401
    from prefect.logging.handlers import PrefectConsoleHandler

    consoles = [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]
    assert consoles and all(any(isinstance(f, InputProblemFilter) for f in h.filters) for h in consoles)
