"""delivery: parked replies without a community in the outbox, handled platform updates

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_sends") as batch:
        batch.alter_column("community_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "handled_updates",
        sa.Column("update_key", sa.String(length=96), nullable=False),
        sa.Column("handled_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_key", name=op.f("pk_handled_updates")),
    )
    op.create_index(
        op.f("ix_handled_updates_handled_at"), "handled_updates", ["handled_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_handled_updates_handled_at"), table_name="handled_updates")
    op.drop_table("handled_updates")
    op.execute("DELETE FROM scheduled_sends WHERE community_id IS NULL")
    with op.batch_alter_table("scheduled_sends") as batch:
        batch.alter_column("community_id", existing_type=sa.Integer(), nullable=False)
