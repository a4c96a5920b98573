"""Insertion hours of a contract, and the French full-time figures.

    hours = amount_HT × labour_share × insertion_rate ÷ loaded_hourly_cost

Worked example (mefsud77.fr, laser-emploi.fr): 1,000,000 € × 50 % × 5 % ÷ 30 €/h = 833 h.
"""

from __future__ import annotations

HOURS_PER_FTE_WEEK = 35.0  # legal full-time week
HOURS_PER_FTE_MONTH = 151.67
HOURS_PER_FTE_YEAR = 1607.0


def insertion_hours(amount_ht: float, labour_share: float, insertion_rate: float, hourly_cost: float) -> float:
    """Hours reserved for people in insertion on a contract of ``amount_ht`` euros excluding tax."""
    if amount_ht < 0:
        raise ValueError("amount_ht must not be negative")
    if hourly_cost <= 0:
        raise ValueError("hourly_cost must be positive")
    return amount_ht * labour_share * insertion_rate / hourly_cost
