"""notifications (placeholder: filled in by the work that owns it)

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
