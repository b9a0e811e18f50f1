"""Real ``clipshop serve`` processes for the tests that need one: a free port, the start, the
wait until ``/healthz`` answers, the stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import private_postgres_database

START_TIMEOUT = 120.0  # seconds until /healthz answers (a loaded CI machine is slow to start)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    command: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    port: int,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Run ``command`` (a ``clipshop serve`` on ``port``), its output appended to ``log_path``,
    and return once ``/healthz`` answers 200; fail with the log if it exits or never does."""
    with log_path.open("a") as log:
        process = subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise AssertionError(log_path.read_text())
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    """SIGTERM, then wait (SIGKILL if it does not end in ``timeout``); the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # wedged: the test has failed already
            process.kill()
    return process.wait(timeout=timeout)


CLIPSHOP = str(Path(sys.executable).with_name("clipshop"))


@dataclass
class Demo:
    port: int
    cwd: Path
    env: dict[str, str]


@contextmanager
def demo_server(
    backend: str, directory: Path, *options: str, settings: Mapping[str, str] | None = None
) -> Iterator[Demo]:
    """``clipshop serve --demo [options]`` on a fresh database, in ``directory``, as the
    README starts it (on PostgreSQL after ``clipshop db upgrade``); ``settings``: more
    ``CLIPSHOP_*`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHOP_")}
    env["CLIPSHOP_STORAGE_DIR"] = str(directory / "files")
    env.update(settings or {})
    with ExitStack() as stack:
        if backend == "postgresql":
            env["CLIPSHOP_DATABASE_URL"] = stack.enter_context(private_postgres_database())
            subprocess.run([CLIPSHOP, "db", "upgrade"], cwd=directory, env=env, check=True)
        port = free_port()
        command = [CLIPSHOP, "serve", "--demo", *options, "--port", str(port)]
        process = start(command, env, directory / "serve.log", port, cwd=directory)
        try:
            yield Demo(port, directory, env)
        finally:
            stop(process)
