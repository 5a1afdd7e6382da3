"""Storage: SQLAlchemy models, repositories, migrations and the tool catalogue."""
