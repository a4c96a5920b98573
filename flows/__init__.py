"""Thin Prefect flows, one module per job: parameters in, core calls in a few coarse tasks, artifacts out."""
