"""Mirror the configuration's trades, partners and venues into the database (idempotent)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.storage.reference import PartnerRow, TradeRow, VenueRow


def sync_reference(session: Session, config: Config) -> None:
    """Insert or update every trade, partner and venue of ``config``; rows no longer configured stay
    (lots and events may still point at them)."""
    for trade in config.trades:
        session.merge(
            TradeRow(
                key=trade.key,
                rome=trade.rome,
                label=trade.label,
                labour_share=trade.labour_share,
                hourly_cost=trade.hourly_cost,
                insertion_rate=trade.insertion_rate,
                loading_curve=trade.loading_curve,
            )
        )
    for partner in config.partners:
        session.merge(PartnerRow(key=partner.key, name=partner.name, name_in_sentence=partner.in_sentence,
                                 kind=partner.kind, email=partner.email))
    session.flush()
    for partner, venue in config.venues():
        session.merge(
            VenueRow(
                key=venue.key,
                partner_key=partner.key,
                name=venue.name,
                address=venue.address,
                commune=venue.commune,
                capacity=venue.capacity,
            )
        )
    session.flush()
