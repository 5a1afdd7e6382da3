"""Alembic migrations, one file per schema change, from the first table on."""
