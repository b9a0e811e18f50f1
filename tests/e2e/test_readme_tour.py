"""The README's tour, run as written against a fresh ``clipshop serve --demo`` on each
database, so that it cannot rot.

The shell blocks of the README's "A short tour" section are run in order by one bash (only
the port and the path of the ``clipshop`` command are substituted), in a fresh directory
next to a real server process started as the Quick start says (on PostgreSQL after
``clipshop db upgrade``). Each shell block that the README follows with an output block must
print that output: JSON compared value by value, text line by line, with only ids, times,
dates, tokens, cursors, tracking numbers, support case numbers and the clock's stop count
masked."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import servers
from tests.conftest import BACKENDS

README = Path(__file__).resolve().parents[2] / "README.md"
TOUR = ("## A short tour", "## Command line")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
MARK = "@@end-of-block@@"

MASKS = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"), "<time>"),
    (re.compile(r"\b\d{4}-\d\d-\d\d\b"), "<date>"),
    (re.compile(r"\b\d{15,20}\b"), "<id>"),
    (re.compile(r"\bcs_[A-Za-z0-9_-]+"), "<token>"),
    (re.compile(r"\b(SX|SP)\d{11}\b"), "<tracking>"),
    (re.compile(r"\bCS-[A-Z2-7]{13}\b"), "<case number>"),  # the case id in base 32
]
MASKED_KEYS = {"next_cursor": "<cursor>", "stops": "<stops>"}  # stops: shop reviews at 00:00


@dataclass
class Step:
    commands: str
    shown: str | None  # the output the README shows after the commands
    kind: str  # "json" or "text"


def tour_steps(text: str) -> list[Step]:
    start, end = text.index(TOUR[0]), text.index(TOUR[1])
    blocks = [(m.group(1), m.group(2)) for m in FENCE.finditer(text[start:end])]
    steps: list[Step] = []
    for lang, body in blocks:
        if lang == "sh":
            steps.append(Step(body, None, "text"))
        else:
            assert steps and steps[-1].shown is None, f"an output block with no command: {body}"
            steps[-1].shown, steps[-1].kind = body, "json" if lang == "json" else "text"
    return steps


def mask_text(value: str) -> str:
    for pattern, replacement in MASKS:
        value = pattern.sub(replacement, value)
    return value


def mask(value: Any, key: str | None = None) -> Any:
    if key in MASKED_KEYS and value is not None:
        return MASKED_KEYS[key]
    if isinstance(value, dict):
        return {k: mask(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def json_documents(output: str) -> list[Any]:
    """The JSON documents printed one after the other (curl adds no newline)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(output):
        if output[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(output, at)
        found.append(document)
    return found


def same_output(step: Step, printed: str) -> None:
    assert step.shown is not None
    where = f"after\n{step.commands}\nthe README shows\n{step.shown}\nbut it printed\n{printed}"
    if step.kind == "json":
        assert mask(json_documents(printed)) == mask(json_documents(step.shown)), where
    else:
        got = [mask_text(line.rstrip()) for line in printed.strip().splitlines()]
        want = [mask_text(line.rstrip()) for line in step.shown.strip().splitlines()]
        assert got == want, where


def script(steps: list[Step], port: int, clipshop: str) -> str:
    parts = ["set -eo pipefail"]
    for step in steps:
        commands = step.commands.replace(".venv/bin/clipshop", clipshop)
        parts += [commands.replace("127.0.0.1:8000", f"127.0.0.1:{port}"), f"echo {MARK}"]
    return "\n".join(parts) + "\n"


def run_tour(steps: list[Step], port: int, cwd: Path, env: dict[str, str]) -> list[str]:
    """Run every step in one bash; what each printed."""
    clipshop = str(Path(sys.executable).with_name("clipshop"))
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, "-c", script(steps, port, clipshop)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    printed = result.stdout.split(MARK + "\n")
    assert result.returncode == 0 and len(printed) == len(steps) + 1, (
        result.returncode,
        result.stdout,
        result.stderr,
    )
    return printed[:-1]


@pytest.fixture(params=BACKENDS)
def demo_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[servers.Demo]:
    """``clipshop serve --demo`` on a fresh database, in a fresh directory."""
    with servers.demo_server(request.param, tmp_path) as demo:
        yield demo


def test_the_tour_walks_an_order_from_checkout_to_its_deadlines() -> None:
    steps = tour_steps(README.read_text())
    commands = "\n".join(step.commands for step in steps)
    for needed in (
        "/checkout/quote",
        "-X POST $API/checkout -H",
        "Idempotency-Key",
        "$API/packages",
        "/label",
        "/sandbox/clock/advance",
    ):
        assert needed in commands, needed
    assert sum(step.shown is not None for step in steps) >= 14


def test_the_readme_tour_prints_what_the_readme_shows(demo_server: servers.Demo) -> None:
    steps = tour_steps(README.read_text())
    printed = run_tour(steps, demo_server.port, demo_server.cwd, demo_server.env)
    for step, output in zip(steps, printed, strict=True):
        if step.shown is not None:
            same_output(step, output)
