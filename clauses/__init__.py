"""Recruitment-event planner for social insertion clauses: the Prefect-free core.

Every business rule lives in this package as a plain function; `flows/` only wraps them.
"""

__version__ = "0.1.0"
