"""conversations (placeholder: filled in by the work that owns it)

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
