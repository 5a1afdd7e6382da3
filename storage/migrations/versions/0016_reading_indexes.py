"""Reading indexes on experiments and reflections: a community's newest first, with the
columns of the read rule, so a page stops at its last row and a count reads no table row

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COLUMNS = ["community_id", "id", "audience", "author_member_id"]


def upgrade() -> None:
    op.create_index("ix_experiments_community_reading", "experiments", COLUMNS)
    op.create_index("ix_reflections_community_reading", "reflections", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_reflections_community_reading", table_name="reflections")
    op.drop_index("ix_experiments_community_reading", table_name="experiments")
