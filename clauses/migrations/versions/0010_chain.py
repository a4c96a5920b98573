"""chain: the recruitment event a cohort (or discovery) leads to, and a recruitment event's employer capacity

Revision ID: 0010_chain
Revises: 0004_planning

As in ``0004_planning``, SQLite gets ``ALTER TABLE … ADD COLUMN … REFERENCES`` rather than a batch
copy of ``events`` (other tables point at it and foreign keys are enforced).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_chain"
down_revision = "0004_planning"
branch_labels = None
depends_on = None

FK_NAME = "fk_events_hiring_event_id_events"
INDEX_NAME = "ix_events_hiring_event_id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE events ADD COLUMN hiring_event_id INTEGER CONSTRAINT {FK_NAME} REFERENCES events (id)")
    else:
        op.add_column("events", sa.Column("hiring_event_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, "events", "events", ["hiring_event_id"], ["id"])
    op.create_index(INDEX_NAME, "events", ["hiring_event_id"])
    op.add_column("events", sa.Column("employer_capacity", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_index(INDEX_NAME, table_name="events")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("events") as batch:
            batch.drop_column("employer_capacity")
            batch.drop_column("hiring_event_id")
    else:
        op.drop_column("events", "employer_capacity")
        op.drop_constraint(FK_NAME, "events", type_="foreignkey")
        op.drop_column("events", "hiring_event_id")
