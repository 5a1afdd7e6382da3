"""private chats and button payloads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "button_payloads",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.String(length=4000), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_button_payloads")),
    )
    with op.batch_alter_table("button_payloads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_button_payloads_created_at"), ["created_at"], unique=False
        )

    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_chat_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_column("private_chat_id")

    with op.batch_alter_table("button_payloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_button_payloads_created_at"))

    op.drop_table("button_payloads")
