"""tool catalogue and proposals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tools",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("summary_nl", sa.Text(), nullable=False),
        sa.Column("when_to_use_nl", sa.Text(), nullable=False),
        sa.Column("steps_nl", sa.JSON(), nullable=False),
        sa.Column("level", sa.JSON(), nullable=False),
        sa.Column("effort", sa.String(length=255), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("summary_en", sa.Text(), nullable=True),
        sa.Column("when_to_use_en", sa.Text(), nullable=True),
        sa.Column("steps_en", sa.JSON(none_as_null=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "approved", "pending", "rejected", name="toolstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("proposer_member_id", sa.Integer(), nullable=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_tools_community_id_communities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposer_member_id"],
            ["members.id"],
            name=op.f("fk_tools_proposer_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tools")),
    )
    with op.batch_alter_table("tools", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tools_proposer_member_id"), ["proposer_member_id"], unique=False
        )
        batch_op.create_index("ix_tools_status_position", ["status", "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tools", schema=None) as batch_op:
        batch_op.drop_index("ix_tools_status_position")
        batch_op.drop_index(batch_op.f("ix_tools_proposer_member_id"))

    op.drop_table("tools")
