"""support_cases (placeholder: filled in by the work that owns it)

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
