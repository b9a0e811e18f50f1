"""Request text is stripped of surrounding whitespace before it is checked, so a required
string (``minLength`` 1) of whitespace only is refused as empty: the OpenAPI document must say
so with a pattern (``core.schemas.FilledLine`` / ``FilledText``), or a client (and
schemathesis) would take it for valid. (A longer minimum, a password's 8, is not stated that
way: a pattern for "8 characters once stripped" would be unreadable.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from clipshop.api.app import create_app
from clipshop.core.settings import Settings


def _strings(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("minLength") == 1:
            yield where, node
        for key, value in node.items():
            yield from _strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{where}[{i}]")


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """Names of the component schemas that request bodies use (directly or nested)."""
    schemas = document["components"]["schemas"]
    found: set[str] = set()
    todo = [
        body["content"][media]["schema"]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and (body := operation.get("requestBody"))
        for media in body["content"]
    ]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in found:
                    found.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


def test_no_required_request_string_accepts_whitespace_only() -> None:
    document = create_app(Settings(env="test", database_url="sqlite://")).openapi()
    schemas = document["components"]["schemas"]
    names = _request_schemas(document)
    assert "Address" in names  # the checkout's shipping address, among others
    lax = [
        where
        for name in sorted(names)
        for where, string in _strings(schemas[name], name)
        if "format" not in string and re.search(string.get("pattern", ""), "  ")
    ]
    assert lax == [], "\n".join(lax)
