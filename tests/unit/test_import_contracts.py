"""The import contracts of pyproject.toml (``[tool.importlinter]``, docs/architecture.md "Layers")
hold on the code, and each one fails when an import it forbids is added to a copy of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import clipshop

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(clipshop.__file__).resolve().parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tmp_path: Path, source: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the repository's contracts, on the package found first on
    PYTHONPATH (``source``), in a scratch directory (no cache written in the tree)."""
    limit = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache", *limit],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(source)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_hold() -> None:
    run = lint_imports(Path(ROOT), PACKAGE.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6 kept, 0 broken" in run.stdout, run.stdout


# (contract id, module that gains the import, the import)
VIOLATIONS = [
    ("kernel", "core/money.py", "from clipshop.models import Shop"),
    ("http", "orders/queries.py", "from fastapi import HTTPException"),
    ("http", "catalog/errors.py", "import starlette.status"),
    ("entry-points", "catalog/shops.py", "from clipshop.api import deps"),
    ("entry-points", "orders/actions.py", "from clipshop.demo import seed"),
    ("driver-statements", "payments/charges.py", "from clipshop.core import rawsql"),
    ("layers", "catalog/products.py", "from clipshop.payments import ledger"),
    ("layers", "identity/users.py", "from clipshop.orders import queries"),
    ("layers", "pricing/tax.py", "from clipshop.orders import states"),
    ("layers", "deadlines/timers.py", "from clipshop.catalog import shops"),
    ("layers", "checkout/cart.py", "from clipshop.fulfillment import providers"),
    ("acyclic", "fulfillment/tracking.py", "from clipshop.aftersales import returns"),
    ("acyclic", "orders/edits.py", "from clipshop.checkout import cart"),
    ("acyclic", "orders/lifecycle.py", "from clipshop.aftersales import eligibility"),
]


@pytest.mark.parametrize(("contract", "module", "line"), VIOLATIONS)
def test_a_forbidden_import_breaks_its_contract(
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
