"""Bulk writes: SQLAlchemy's own conversions (dates, UTC times, JSON, NULLs), one executemany."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, insert, select, update

from clauses.storage import Operation
from clauses.storage.bulk import execute_many

OPERATIONS = Operation.__table__


def test_rows_are_written_as_the_orm_would_store_them(db):
    paris = dt.timezone(dt.timedelta(hours=1))
    now = dt.datetime(2026, 3, 2, 9, 30, tzinfo=paris)
    with db.transaction() as session:
        execute_many(
            session,
            insert(OPERATIONS),
            {"external_id": ["A", "B"], "name": ["Collège", "Gymnase"], "contracting_authority": ["Ville", None], "commune": [None, "Gerzat"]},
            {"created_at": now, "updated_at": now},
        )
    with db.transaction() as session:
        rows = session.execute(select(Operation).order_by(Operation.external_id)).scalars().all()
        assert [(o.external_id, o.name, o.contracting_authority, o.commune) for o in rows] == [
            ("A", "Collège", "Ville", None),
            ("B", "Gymnase", None, "Gerzat"),
        ]
        assert rows[0].created_at == now and rows[0].created_at.tzinfo == dt.timezone.utc
        ids = {o.external_id: o.id for o in rows}
    later = dt.datetime(2026, 3, 3, tzinfo=dt.timezone.utc)
    with db.transaction() as session:
        execute_many(
            session,
            update(OPERATIONS).where(OPERATIONS.c.id == bindparam("operation_id")),
            {"operation_id": [ids["B"]], "name": ["Gymnase intercommunal"]},
            {"updated_at": later},
        )
    with db.transaction() as session:
        b = session.scalar(select(Operation).where(Operation.external_id == "B"))
        assert (b.name, b.commune, b.updated_at) == ("Gymnase intercommunal", "Gerzat", later)


def test_a_column_with_a_python_default_must_be_given(db):
    with db.transaction() as session, pytest.raises(ValueError, match="created_at"):
        execute_many(session, insert(OPERATIONS), {"external_id": ["A"], "name": ["x"], "updated_at": [dt.datetime.now(dt.timezone.utc)]})


def test_nothing_to_write(db):
    with db.transaction() as session:
        execute_many(session, insert(OPERATIONS), {"external_id": [], "name": []})
        assert session.scalar(select(Operation)) is None
