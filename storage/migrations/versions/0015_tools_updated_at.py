"""tools.updated_at index: a search index catching up reads only the tools changed since the
last change it saw, and that read should not scan the whole catalogue

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tools_updated_at", "tools", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_tools_updated_at", table_name="tools")
