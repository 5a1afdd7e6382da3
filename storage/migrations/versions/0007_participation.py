"""participation: settings, aggregates, prompts and pledges

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kept_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("dropped_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_pledges_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_pledges_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
    )
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledges_kept_at"), ["kept_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pledges_member_id"), ["member_id"], unique=False)

    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=True),
        sa.Column("send_id", sa.Integer(), nullable=True),
        sa.Column("planned_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_prompts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_prompts_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["scheduled_sends.id"],
            name=op.f("fk_prompts_send_id_scheduled_sends"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
    )
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_prompts_community_planned", ["community_id", "planned_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_prompts_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prompts_send_id"), ["send_id"], unique=False)

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=64), nullable=True))

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("passive_after_days", sa.Integer(), server_default="21", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "passive_min_membership_days", sa.Integer(), server_default="14", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("prompt_interval_days", sa.Integer(), server_default="14", nullable=False)
        )
        batch_op.add_column(
            sa.Column("prompt_hour", sa.Integer(), server_default="10", nullable=False)
        )
        batch_op.add_column(
            sa.Column("digest_weekday", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("digest_hour", sa.Integer(), server_default="9", nullable=False)
        )
        batch_op.add_column(sa.Column("last_sweep_on", sa.Date(), nullable=True))

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_given_at", storage.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_prompted_at", storage.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("unanswered_prompts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("prompt_check_at", storage.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("group_mention_at", storage.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_memberships_community_given", ["community_id", "last_given_at"], unique=False
        )

    op.execute(
        "UPDATE memberships SET last_given_at = ("
        "SELECT max(activities.at) FROM activities"
        " WHERE activities.community_id = memberships.community_id"
        " AND activities.member_id = memberships.member_id AND activities.direction = 'give')"
    )


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_memberships_community_given")
        batch_op.drop_column("group_mention_at")
        batch_op.drop_column("prompt_check_at")
        batch_op.drop_column("unanswered_prompts")
        batch_op.drop_column("last_prompted_at")
        batch_op.drop_column("last_given_at")

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("last_sweep_on")
        batch_op.drop_column("digest_hour")
        batch_op.drop_column("digest_weekday")
        batch_op.drop_column("prompt_hour")
        batch_op.drop_column("prompt_interval_days")
        batch_op.drop_column("passive_min_membership_days")
        batch_op.drop_column("passive_after_days")

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("subject")

    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompts_send_id"))
        batch_op.drop_index(batch_op.f("ix_prompts_member_id"))
        batch_op.drop_index("ix_prompts_community_planned")

    op.drop_table("prompts")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledges_member_id"))
        batch_op.drop_index(batch_op.f("ix_pledges_kept_at"))

    op.drop_table("pledges")
