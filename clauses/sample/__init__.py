"""A realistic, deterministic sample of a Clermont pipeline and a pool of fictitious candidates."""

from clauses.sample.candidates import write_candidates
from clauses.sample.pipeline import write_pipeline

__all__ = ["write_candidates", "write_pipeline"]
