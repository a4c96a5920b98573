"""Thin Prefect flows, one module per job: parameters in, core calls in a few coarse tasks, artifacts out."""

from flows.console import quiet_input_problems

quiet_input_problems()
