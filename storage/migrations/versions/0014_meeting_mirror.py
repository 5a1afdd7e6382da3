"""meeting mirror: the platform event a meeting is mirrored as (a Discord Scheduled Event),
and per community whether the platform lets the bot manage events

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("mirror_event_id", sa.String(64), nullable=True))
    with op.batch_alter_table("communities") as batch:
        batch.add_column(sa.Column("event_mirror", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("event_mirror")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("mirror_event_id")
