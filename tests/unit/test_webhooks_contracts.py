"""The import contracts place clipshop.webhooks: beside feed (neither imports the other),
below worker, above standing, out of core; its listener is an entry point."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.unit.test_import_contracts import PACKAGE, lint_imports

# (contract id, module that gains the import, the import)
VIOLATIONS = [
    ("kernel", "core/clock.py", "from clipshop.webhooks import ssrf"),
    ("layers", "webhooks/subscriptions.py", "from clipshop.feed import service"),
    ("layers", "feed/service.py", "from clipshop.webhooks import subscriptions"),
    ("layers", "webhooks/ssrf.py", "from clipshop.worker import jobs"),
    ("layers", "standing/service.py", "from clipshop.webhooks import subscriptions"),
    ("entry-points", "webhooks/subscriptions.py", "from clipshop.webhooks import cli"),
    ("http", "webhooks/schemas.py", "from fastapi import Query"),
]


@pytest.mark.parametrize(("contract", "module", "line"), VIOLATIONS)
def test_a_forbidden_webhooks_import_breaks_its_contract(
    tmp_path: Path, contract: str, module: str, line: str
) -> None:
    copy = tmp_path / "src" / "clipshop"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert lint_imports(tmp_path, copy.parent, contract).returncode == 0
    with (copy / module).open("a") as file:
        file.write(f"\n{line}\n")
    run = lint_imports(tmp_path, copy.parent, contract)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "0 kept, 1 broken" in run.stdout, run.stdout
