"""Per company: the insertion hours its lots owe under the clause, the hours delivered, its lots
and their windows. A lot won jointly by several companies counts its hours to each in equal
shares. A company whose name may be a person's is shown by its identifier
(``clauses.ingest.awardees.public_label``) unless the report is asked for names."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses.ingest.awardees import public_label
from clauses.storage import Company, Lot, LotCompany

COLUMNS = ["company", "identifier", "lots", "hours_owed", "framework_ceiling_hours", "hours_delivered", "hours_remaining", "first_start", "last_end"]


def company_hours(session: Session, *, include_names: bool = False) -> pd.DataFrame:
    """One row per company with lots, most hours owed first."""
    shares = (
        select(LotCompany.lot_id, (1.0 / func.count(LotCompany.company_id)).label("share"))
        .group_by(LotCompany.lot_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Company.identifier_type, Company.identifier, Company.name, Company.person_like,
            Lot.insertion_hours, Lot.framework_ceiling_hours, Lot.hours_delivered, Lot.start, Lot.end, shares.c.share,
        )
        .join(LotCompany, LotCompany.company_id == Company.id)
        .join(Lot, Lot.id == LotCompany.lot_id)
        .join(shares, shares.c.lot_id == Lot.id)
    ).all()
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(rows, columns=["type", "identifier", "name", "person_like", "owed", "ceiling", "delivered", "start", "end", "share"])
    frame["label"] = [
        (name or public_label(kind, ident, name, person)) if include_names else public_label(kind, ident, name, person)
        for kind, ident, name, person in zip(frame["type"], frame["identifier"], frame["name"], frame["person_like"])
    ]
    frame["ident"] = frame["type"] + " " + frame["identifier"]
    frame["owed"] *= frame["share"]
    frame["ceiling"] = frame["ceiling"].astype(float) * frame["share"]
    frame["delivered"] *= frame["share"]
    grouped = frame.groupby(["ident", "label"], sort=False).agg(
        lots=("owed", "size"), hours_owed=("owed", "sum"), framework_ceiling_hours=("ceiling", "sum"),
        hours_delivered=("delivered", "sum"), first_start=("start", "min"), last_end=("end", "max"),
    ).reset_index()
    grouped["hours_remaining"] = (grouped["hours_owed"] - grouped["hours_delivered"]).clip(lower=0)
    grouped = grouped.rename(columns={"label": "company", "ident": "identifier"})
    for column in ("hours_owed", "framework_ceiling_hours", "hours_delivered", "hours_remaining"):
        grouped[column] = grouped[column].astype(float).round(1)
    return grouped.sort_values("hours_owed", ascending=False, kind="stable")[COLUMNS].reset_index(drop=True)
