"""Persistence: SQLModel tables, query functions (all scoped by team_id) and Alembic migrations."""
