"""force_majeure (placeholder: filled in by the work that owns it)

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
