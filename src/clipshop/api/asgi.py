"""ASGI entry for ``uvicorn clipshop.api.asgi:app`` (settings from the environment)."""

from clipshop.api.app import create_app

app = create_app()
