"""planning: the POEC cohort each discovery event recruits for

Revision ID: 0004_planning
Revises: 0001_foundation

Like the other areas' migrations, this one branches from the foundation (which created ``events``);
the schema is upgraded to "heads".

On SQLite the column is added with ``ALTER TABLE … ADD COLUMN … REFERENCES`` rather than a batch
copy of ``events``: dropping a parent table that other rows point at fails while foreign keys are
enforced, and they are on every connection here. (SQLite reflects that column constraint without
its name; Alembic's comparison accepts it, see tests/test_migrations.py.) The downgrade copies the
table on SQLite, so it only works on a database without rows pointing at events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_planning"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

FK_NAME = "fk_events_recruits_for_event_id_events"
INDEX_NAME = "ix_events_recruits_for_event_id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE events ADD COLUMN recruits_for_event_id INTEGER "
            f"CONSTRAINT {FK_NAME} REFERENCES events (id)"
        )
    else:
        op.add_column("events", sa.Column("recruits_for_event_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, "events", "events", ["recruits_for_event_id"], ["id"])
    op.create_index(INDEX_NAME, "events", ["recruits_for_event_id"])


def downgrade() -> None:
    op.drop_index(INDEX_NAME, table_name="events")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("events") as batch:
            batch.drop_column("recruits_for_event_id")
    else:
        op.drop_constraint(FK_NAME, "events", type_="foreignkey")
        op.drop_column("events", "recruits_for_event_id")
