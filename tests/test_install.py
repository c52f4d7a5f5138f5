"""The wheel works outside the repository: built from the working tree (``pip wheel``, which runs
the build step of ``setup.py``), installed with its dependencies into a fresh virtual
environment in a temporary folder, and run from an empty folder, it serves the bundled data,
the query editor and the maps; Debian's chromium (as in ``test_browser.py``) loads them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, serving
from playwright.sync_api import sync_playwright
from test_browser import CHROMIUM, FLAGS, Visit  # skips this module too when chromium is missing

from nscn_graph import paths

pytestmark = [pytest.mark.http, pytest.mark.browser]


def _clean_env() -> dict[str, str]:
    """The environment without the settings the test session sets (``NSCN_DIST``...) or a
    Python path that could reach the repository."""
    return {k: v for k, v in os.environ.items() if not k.startswith("NSCN_") and k != "PYTHONPATH"}


def _run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin/`` of a fresh virtual environment holding the wheel and its dependencies."""
    where = tmp_path_factory.mktemp("install")
    pip = (sys.executable, "-m", "pip")
    _run(*pip, "wheel", "--no-deps", "--quiet", "--wheel-dir", where / "wheel", ROOT, cwd=where)
    (wheel,) = (where / "wheel").glob("nscn_graph-*.whl")
    _run(sys.executable, "-m", "venv", "--without-pip", where / "venv", cwd=where)
    bin_dir = where / "venv" / ("Scripts" if os.name == "nt" else "bin")
    _run(*pip, "--python", bin_dir / "python", "install", "--quiet", wheel, cwd=where)
    return bin_dir


@pytest.fixture()
def empty(tmp_path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_installed_package_is_the_wheel_with_its_own_sources(installed, empty):
    probe = (
        "import json, nscn_graph, nscn_graph.paths as p; print(json.dumps("
        "[nscn_graph.__file__, str(p.ROOT), [str(f) for f in p.data_files()]]))"
    )
    package, root, data = json.loads(_run(installed / "python", "-c", probe, cwd=empty).stdout)
    venv = installed.parent
    site = Path(sysconfig.get_path("purelib", vars={"base": venv, "platbase": venv}))
    assert Path(package).is_relative_to(site)
    assert Path(root) == Path(package).parent / "bundle"
    assert {Path(f).name for f in data} == {f.name for f in paths.data_files()}
    assert not any(Path(f).is_relative_to(ROOT) for f in [package, root, *data])
    vendor = Path(package).parent / "web" / "static" / "vendor"
    assert "@zazuko/yasgui" in (vendor / "yasgui" / "NOTICE").read_text(encoding="utf-8")
    assert "ISC" in (vendor / "world-atlas" / "LICENSE").read_text(encoding="utf-8")
    validated = _run(installed / "nscn-graph", "validate", cwd=empty)
    assert "conforms" in (validated.stdout + validated.stderr).lower()


@pytest.fixture()
def installed_server(installed, empty) -> Iterator[str]:
    """``nscn-graph serve`` of the installed wheel, started in an empty folder."""
    with serving(
        "--workers", "1", command=[str(installed / "nscn-graph")], cwd=empty, environ=_clean_env()
    ) as url:
        yield url


def test_the_installed_server_shows_the_query_editor_and_the_map(installed_server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            visit = Visit(browser, installed_server)
            visit.open("/sparql")
            page = visit.page
            page.locator("button.example").first.click()
            table = page.locator("#yasgui table")
            table.first.wait_for(state="visible", timeout=20_000)
            page.get_by_text("Aarhus").first.wait_for(timeout=20_000)
            assert table.first.locator("tr").count() > 1

            visit.open("/")
            assert page.locator("svg.map path.land.member").count() >= 5
            assert page.locator("svg.map a.place circle.marker").count() == 14
            visit.assert_clean()
            visit.close()
        finally:
            browser.close()
