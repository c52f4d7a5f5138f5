"""Fixtures built from the factory (as flaskr's tests): ``app``, ``client``, ``cli``, and a real
server on a loopback port for tests over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from nscn_graph import paths
from nscn_graph.graph.load import load
from nscn_graph.web import create_app

ROOT = paths.ROOT


#: Reference material the tests compare against (``tests/reference/README.md``: sources, licences).
REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="session")
def bundled():
    """The bundled data, loaded once for the session (read-only)."""
    return load(paths.data_files())


@pytest.fixture(scope="session", autouse=True)
def dist(tmp_path_factory, bundled) -> Iterator[Path]:
    """The dumps and descriptions, built once for the session into a temporary ``DIST`` (which
    the app and the live server find through ``NSCN_DIST``)."""
    from nscn_graph.publish.build import write_dumps
    from nscn_graph.stores.memory import EmbeddedStore

    out = tmp_path_factory.mktemp("dist")
    inputs = (paths.ontology_file(), paths.shapes_file())  # as the server keys its build
    write_dumps(
        EmbeddedStore.from_files(paths.data_files()), out, files=paths.data_files(), inputs=inputs
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NSCN_DIST", str(out))
        yield out


@pytest.fixture()
def app():
    return create_app({"TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
    """Run the installed ``nscn-graph`` command as a user would, in a new process."""
    command = [sys.executable, "-m", "nscn_graph.cli", *args]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture()
def cli():
    return run_cli


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    *args: str,
    env: dict[str, str] | None = None,
    healthy_only: bool = True,
    timeout: float = 60,
    command: list[str] | None = None,
    cwd: Path = ROOT,
    environ: dict[str, str] | None = None,
) -> Iterator[str]:
    """``nscn-graph serve ARGS`` (gunicorn) on a free loopback port, stopped afterwards; yields
    its base URL once ``/health`` answers (200, or any answer when ``healthy_only`` is off: a
    server over a store that is down still starts)."""
    port = free_port()
    program = command or [sys.executable, "-m", "nscn_graph.cli"]
    process = subprocess.Popen(
        [*program, "serve", "--port", str(port), *args],
        cwd=cwd,
        env={**(os.environ if environ is None else environ), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                status = requests.get(url + "/health", timeout=2).status_code
                if status == 200 or not healthy_only:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("server did not start: " + (process.stderr.read() or ""))
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stderr:
            process.stderr.close()


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """``nscn-graph serve`` (gunicorn, one worker) on a free loopback port; yields its URL."""
    with serving("--workers", "1", "--threads", "4") as url:
        yield url
