"""DECP open data: how a framework agreement's ceiling becomes expected insertion hours.

Defaults in ``config/decp.yaml``.
"""

from __future__ import annotations

from pydantic import Field

from clauses.config.base import StrictModel


class DecpSettings(StrictModel):
    # Share of a framework agreement's (accord-cadre) ceiling expected to be ordered. The DECP
    # ``montant`` of an accord-cadre is its maximum (or estimated) value, not what will be spent.
    framework_realisation_ratio: float = Field(default=0.5, gt=0, le=1)
    # Where the ratio comes from: shown beside the hours it gives.
    framework_realisation_source: str = Field(
        default="valeur par défaut (aucun taux national publié) : à ajuster avec les acheteurs", min_length=1
    )
