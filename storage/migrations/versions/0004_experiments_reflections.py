"""experiments, reflections, sharing defaults, form defaults

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_member_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("done", sa.Text(), nullable=True),
        sa.Column("happened", sa.Text(), nullable=True),
        sa.Column("learned", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "plan", "bezig", "afgerond", name="experimentstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "sharing",
            sa.Enum(
                "groep",
                "coordinatoren",
                "anoniem",
                name="sharinglevel",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_member_id"],
            ["members.id"],
            name=op.f("fk_experiments_author_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_experiments_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments")),
    )
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_experiments_author_member_id"), ["author_member_id"], unique=False
        )
        batch_op.create_index(
            "ix_experiments_community_status", ["community_id", "status"], unique=False
        )

    op.create_table(
        "experiment_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("edited_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name=op.f("fk_experiment_revisions_experiment_id_experiments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiment_revisions")),
    )
    with op.batch_alter_table("experiment_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_experiment_revisions_experiment_id"), ["experiment_id"], unique=False
        )

    op.create_table(
        "experiment_tools",
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.String(length=64), nullable=False),
        sa.Column("linked_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name=op.f("fk_experiment_tools_experiment_id_experiments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tool_id"],
            ["tools.id"],
            name=op.f("fk_experiment_tools_tool_id_tools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("experiment_id", "tool_id", name=op.f("pk_experiment_tools")),
    )
    with op.batch_alter_table("experiment_tools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experiment_tools_tool_id"), ["tool_id"], unique=False)

    op.create_table(
        "reflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "sharing",
            sa.Enum(
                "groep",
                "coordinatoren",
                "anoniem",
                name="sharinglevel",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("experiment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_member_id"],
            ["members.id"],
            name=op.f("fk_reflections_author_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_reflections_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name=op.f("fk_reflections_experiment_id_experiments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflections")),
    )
    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reflections_author_member_id"), ["author_member_id"], unique=False
        )
        batch_op.create_index(
            "ix_reflections_community_time", ["community_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reflections_experiment_id"), ["experiment_id"], unique=False
        )

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_sharing",
                sa.Enum(
                    "groep",
                    "coordinatoren",
                    "anoniem",
                    name="sharinglevel",
                    native_enum=False,
                    length=16,
                ),
                server_default="groep",
                nullable=False,
            )
        )

    with op.batch_alter_table("dialog_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("defaults", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("dialog_states", schema=None) as batch_op:
        batch_op.drop_column("defaults")

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("default_sharing")

    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflections_experiment_id"))
        batch_op.drop_index("ix_reflections_community_time")
        batch_op.drop_index(batch_op.f("ix_reflections_author_member_id"))

    op.drop_table("reflections")
    with op.batch_alter_table("experiment_tools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experiment_tools_tool_id"))

    op.drop_table("experiment_tools")
    with op.batch_alter_table("experiment_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experiment_revisions_experiment_id"))

    op.drop_table("experiment_revisions")
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.drop_index("ix_experiments_community_status")
        batch_op.drop_index(batch_op.f("ix_experiments_author_member_id"))

    op.drop_table("experiments")
