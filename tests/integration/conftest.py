"""Fixtures shared by the integration tests (beyond tests/conftest.py)."""

from tests.integration.deadline_support import week  # noqa: F401  (fixture)
