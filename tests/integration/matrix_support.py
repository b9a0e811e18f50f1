"""The support part of the authorization matrix: its rows, its world and the valid requests of
those routes (being built).

Hooked into ``test_authorization_matrix`` by: ``MATRIX_TABLE + ... + ROWS``, the world field
``support`` set by ``build(db, world)`` (called last, when the rest of the world exists; it may
create ``world.buyer_b`` if that is None), and ``requests(...)`` merged into ``REQUESTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clipshop.core.db import Database

# Columns: anon buyer seller staff agent supervisor admin
ROWS = ""


def build(db: Database, world: Any) -> Any:
    """This part's world (what its requests need), made through the services."""
    return None


def requests(
    spec: Callable[..., Any], part_of: Callable[[Any], Any]
) -> dict[tuple[str, str, str], Any]:
    """The REQUESTS entries of these rows; ``spec``: the matrix's RequestSpec,
    ``part_of(world)``: what ``build`` made."""
    return {}
