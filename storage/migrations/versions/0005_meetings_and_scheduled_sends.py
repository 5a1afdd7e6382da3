"""meetings, rsvps, scheduled sends, reminder offsets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("atelier", "publiek", name="meetingkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("starts_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=1000), nullable=False),
        sa.Column("recurrence", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_meetings_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["members.id"],
            name=op.f("fk_meetings_created_by_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meetings_community_start", ["community_id", "starts_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meetings_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_series_id"), ["series_id"], unique=False)

    op.create_table(
        "rsvps",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "answer",
            sa.Enum("ja", "misschien", "nee", name="rsvpanswer", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("answered_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("remind_me", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_rsvps_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_rsvps_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_rsvps")),
    )
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rsvps_member_id"), ["member_id"], unique=False)

    op.create_table(
        "scheduled_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("stale_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed",
                "cancelled",
                "skipped",
                name="sendstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("claimed_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_scheduled_sends_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_scheduled_sends_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_scheduled_sends_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_sends")),
    )
    with op.batch_alter_table("scheduled_sends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_sends_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheduled_sends_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index("ix_scheduled_sends_state_due", ["state", "due_at"], unique=False)

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reminder_offsets", sa.String(length=120), server_default="7d 1d 2u", nullable=False
            )
        )

    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reflections_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_reflections_meeting_id_meetings"),
            "meetings",
            ["meeting_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_reflections_meeting_id_meetings"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_reflections_meeting_id"))
        batch_op.drop_column("meeting_id")

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("reminder_offsets")

    with op.batch_alter_table("scheduled_sends", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_sends_state_due")
        batch_op.drop_index(batch_op.f("ix_scheduled_sends_member_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_sends_meeting_id"))

    op.drop_table("scheduled_sends")
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rsvps_member_id"))

    op.drop_table("rsvps")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_series_id"))
        batch_op.drop_index(batch_op.f("ix_meetings_created_by"))
        batch_op.drop_index("ix_meetings_community_start")

    op.drop_table("meetings")
