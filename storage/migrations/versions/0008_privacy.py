"""privacy: monthly ledger aggregates, the group privacy notice, anonymous contributions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_months",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("give", "take", name="direction", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_ledger_months_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_ledger_months_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "community_id", "member_id", "month", "kind", name=op.f("pk_ledger_months")
        ),
    )
    with op.batch_alter_table("ledger_months", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_months_member_id"), ["member_id"], unique=False)

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("privacy_notice_at", storage.types.UtcDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.alter_column("author_member_id", existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.alter_column("author_member_id", existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    # The old schema cannot hold contributions without an author: they go.
    op.execute("DELETE FROM reflections WHERE author_member_id IS NULL")
    op.execute("DELETE FROM experiments WHERE author_member_id IS NULL")
    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.alter_column("author_member_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.alter_column("author_member_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("privacy_notice_at")

    with op.batch_alter_table("ledger_months", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_months_member_id"))

    op.drop_table("ledger_months")
