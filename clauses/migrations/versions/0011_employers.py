"""employers: companies' contact addresses, their answers to recruitment events, and ledger rows
addressed to a company

Revision ID: 0011_employers
Revises: 0009_awardees (companies); depends on 0004_planning (events)

``messages.company_id`` is added as in ``0010_chain``: on SQLite ``ALTER TABLE … ADD COLUMN …
REFERENCES`` rather than a batch copy of ``messages`` (other tables point at it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_employers"
down_revision = "0009_awardees"
branch_labels = None
depends_on = "0004_planning"

FK_NAME = "fk_messages_company_id_companies"
INDEX_NAME = "ix_messages_company_id"


def upgrade() -> None:
    op.create_table(
        "company_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("email_status", sa.String(length=10), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_company_contacts_company_id_companies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_contacts")),
        sa.UniqueConstraint("company_id", name=op.f("uq_company_contacts_company_id")),
    )
    op.create_table(
        "employer_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_employer_participations_company_id_companies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_employer_participations_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_participations")),
        sa.UniqueConstraint("event_id", "company_id", name=op.f("uq_employer_participations_event_id")),
    )
    op.create_index(op.f("ix_employer_participations_event_id"), "employer_participations", ["event_id"])
    op.create_index(op.f("ix_employer_participations_company_id"), "employer_participations", ["company_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE messages ADD COLUMN company_id INTEGER CONSTRAINT {FK_NAME} "
                   "REFERENCES companies (id)")
    else:
        op.add_column("messages", sa.Column("company_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, "messages", "companies", ["company_id"], ["id"])
    op.create_index(INDEX_NAME, "messages", ["company_id"])


def downgrade() -> None:
    op.drop_index(INDEX_NAME, table_name="messages")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("messages") as batch:
            batch.drop_column("company_id")
    else:
        op.drop_constraint(FK_NAME, "messages", type_="foreignkey")
        op.drop_column("messages", "company_id")
    op.drop_index(op.f("ix_employer_participations_company_id"), table_name="employer_participations")
    op.drop_index(op.f("ix_employer_participations_event_id"), table_name="employer_participations")
    op.drop_table("employer_participations")
    op.drop_table("company_contacts")
