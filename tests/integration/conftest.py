"""Fixtures shared by the integration tests (beyond tests/conftest.py)."""

import pytest

from clipshop.core.db import Database
from tests.conftest import World, make_world
from tests.integration.deadline_support import week  # noqa: F401  (fixture)
from tests.web_support import PASSWORD


@pytest.fixture
def web(db: Database) -> World:
    """The usual world whose users can sign in to the web pages with PASSWORD."""
    return make_world(db, password=PASSWORD)
