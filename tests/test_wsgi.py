"""``nscn-graph serve``'s start-up (nscn_graph.web.wsgi): what it prints, and gunicorn's
control socket, which several servers on one machine must not share."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import ROOT, free_port

from nscn_graph import settings
from nscn_graph.web.wsgi import options

pytestmark = pytest.mark.http


def _serve(env: dict[str, str]) -> tuple[str, str]:
    """Start ``nscn-graph serve`` with ``env``, wait until it answers, stop it; returns what it
    printed on standard error and its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nscn_graph.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.2)
        requests.get(url + "ontology", headers={"Accept": "text/html"}, timeout=60)  # pyLODE
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    return err, url


def _environ(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    return {**env, "HOME": str(home), "NSCN_ACCESS_LOG": "off", **extra}


def test_start_up_prints_one_line_saying_where_it_serves(tmp_path):
    err, url = _serve(_environ(tmp_path))
    lines = [line for line in err.splitlines() if line.strip()]
    serving = [line for line in lines if "serving" in line]
    assert len(serving) == 1 and url in serving[0]
    # nothing else at start-up or on the first pages: no gunicorn information, no library's
    # debug output (pyLODE configures the root logger for DEBUG when it loads)
    assert not [line for line in lines if "DEBUG" in line or "INFO:" in line], lines
    assert len(lines) <= 2, lines  # the line above, and perhaps one at shutdown


def test_no_control_socket_by_default(tmp_path):
    # gunicorn >= 25 opens $HOME/.gunicorn/gunicorn.ctl: two servers would take it from each
    # other, and stopping one removes the other's
    _serve(_environ(tmp_path))
    assert not (tmp_path / ".gunicorn").exists()
    assert not list(tmp_path.rglob("*.ctl"))


def test_each_server_may_have_its_own_control_socket():
    config = settings.resolve({"CONTROL_SOCKET": "/run/nscn/a.ctl"}, environ={})
    chosen = options(config, host="127.0.0.1", port=8080)
    assert chosen["control_socket"] == "/run/nscn/a.ctl"
    assert chosen["control_socket_disable"] is False
    default = options(settings.resolve(environ={}), host="127.0.0.1", port=8080)
    assert default["control_socket_disable"] is True
