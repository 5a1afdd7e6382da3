"""web: sessions, single-use login links, calendar feed tokens, replies to contributions

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, storage.types.UtcDateTime(timezone=True), nullable=nullable)


def _member(table: str, column: str = "member_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["members.id"], name=op.f(f"fk_{table}_{column}_members"), ondelete="CASCADE"
    )


def _community(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"],
        ["communities.id"],
        name=op.f(f"fk_{table}_community_id_communities"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _member("web_sessions"),
        _community("web_sessions"),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_member_id"), ["member_id"])
        batch_op.create_index(batch_op.f("ix_web_sessions_expires_at"), ["expires_at"])

    op.create_table(
        "login_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
        _member("login_tokens"),
        _community("login_tokens"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_login_tokens")),
    )
    with op.batch_alter_table("login_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_tokens_member_id"), ["member_id"])
        batch_op.create_index(batch_op.f("ix_login_tokens_expires_at"), ["expires_at"])

    op.create_table(
        "feed_tokens",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        _when("created_at"),
        _member("feed_tokens"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token", name=op.f("uq_feed_tokens_token")),
    )

    op.create_table(
        "replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_member_id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=True),
        sa.Column("reflection_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _when("created_at"),
        _community("replies"),
        _member("replies", "author_member_id"),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name=op.f("fk_replies_experiment_id_experiments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["reflections.id"],
            name=op.f("fk_replies_reflection_id_reflections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replies")),
    )
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replies_author_member_id"), ["author_member_id"])
        batch_op.create_index("ix_replies_experiment", ["experiment_id", "created_at"])
        batch_op.create_index("ix_replies_reflection", ["reflection_id", "created_at"])


def downgrade() -> None:
    op.drop_table("replies")
    op.drop_table("feed_tokens")
    op.drop_table("login_tokens")
    op.drop_table("web_sessions")
