"""audience and attribution: two choices per contribution instead of one sharing level

Today's `anoniem` becomes audience `groep` + attribution `anoniem`; `groep` and
`coordinatoren` keep their audience and are named. The community default likewise.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CONTRIBUTIONS = ("experiments", "reflections")


def _audience() -> sa.Enum:
    return sa.Enum(
        "groep", "coordinatoren", "openbaar", name="audience", native_enum=False, length=16
    )


def _attribution() -> sa.Enum:
    return sa.Enum("met_naam", "anoniem", name="attribution", native_enum=False, length=16)


def _sharing() -> sa.Enum:
    return sa.Enum(
        "groep", "coordinatoren", "anoniem", name="sharinglevel", native_enum=False, length=16
    )


def upgrade() -> None:
    for table in CONTRIBUTIONS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("audience", _audience(), nullable=False, server_default="groep")
            )
            batch_op.add_column(
                sa.Column("attribution", _attribution(), nullable=False, server_default="met_naam")
            )
        op.execute(f"UPDATE {table} SET audience = 'coordinatoren' WHERE sharing = 'coordinatoren'")
        op.execute(f"UPDATE {table} SET attribution = 'anoniem' WHERE sharing = 'anoniem'")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("audience", server_default=None)
            batch_op.alter_column("attribution", server_default=None)
            batch_op.drop_column("sharing")

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("default_audience", _audience(), nullable=False, server_default="groep")
        )
        batch_op.add_column(
            sa.Column(
                "default_attribution", _attribution(), nullable=False, server_default="met_naam"
            )
        )
    op.execute(
        "UPDATE communities SET default_audience = 'coordinatoren'"
        " WHERE default_sharing = 'coordinatoren'"
    )
    op.execute(
        "UPDATE communities SET default_attribution = 'anoniem' WHERE default_sharing = 'anoniem'"
    )
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("default_sharing")


def downgrade() -> None:
    # One level cannot hold both choices: an anonymous contribution for coordinators stays
    # for coordinators (never widen the audience), a public one becomes a group one.
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("default_sharing", _sharing(), nullable=False, server_default="groep")
        )
    op.execute(
        "UPDATE communities SET default_sharing = CASE"
        " WHEN default_audience = 'coordinatoren' THEN 'coordinatoren'"
        " WHEN default_attribution = 'anoniem' THEN 'anoniem' ELSE 'groep' END"
    )
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("default_attribution")
        batch_op.drop_column("default_audience")

    for table in CONTRIBUTIONS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("sharing", _sharing(), nullable=False, server_default="groep")
            )
        op.execute(
            f"UPDATE {table} SET sharing = CASE"
            " WHEN audience = 'coordinatoren' THEN 'coordinatoren'"
            " WHEN attribution = 'anoniem' THEN 'anoniem' ELSE 'groep' END"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("sharing", server_default=None)
            batch_op.drop_column("attribution")
            batch_op.drop_column("audience")
