"""The planner: from the forecast need to discovery events and POEC cohorts with partners.

- ``demand``: need → new hires by week; funnel rates (configured, then observed).
- ``calendar``: which days an event can take place (weekdays, blackouts, holidays, closure).
- ``problem``: the instance and the options every planner chooses from; the common scoring.
- ``resources``: what events share (partners, venues, the team), as rows usage ≤ capacity.
- ``model``: the CP-SAT model (weeks), coverage first; ``greedy``: the earliest-deadline-first baseline.
- ``result``: dated events, coverage and reasons; ``store``: plans in the database (with the
  cohort each discovery recruits for); ``approval``: approve / reject / move / cancel;
  ``edits``: the coordinator's edits (command line and Prefect UI form), checked before they are
  made; ``exports``, ``charts``, ``report``: outputs.
"""

from clauses.planning.service import run_planning

__all__ = ["run_planning"]
