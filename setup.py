"""The build step that makes the package complete (metadata: pyproject.toml).

Besides the Python code, the server needs files that are not Python: the front-end assets (the
query editor YASGUI and the map outlines of world-atlas), pinned by ``package-lock.json`` at the
root and in ``frontend/`` and listed in ``nscn_graph/assets.json``; and the ontology, data and
shapes, which live at the repository's root. ``build_py`` here:

1. runs ``npm ci`` where ``node_modules`` is missing or older than its lock file, and copies the
   listed assets into ``nscn_graph/web/static/vendor/`` (git-ignored), with a NOTICE naming
   each package, its version and licence: package data, so a wheel carries them and an
   editable install serves them;
2. for a wheel (not an editable install, which reads the repository's folders), copies
   ``ontology/``, ``data/`` and ``shapes/`` into the built package as ``nscn_graph/bundle/``,
   which ``nscn_graph/paths.py`` uses when there is no checkout around the package.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "nscn_graph"
VENDOR = PACKAGE / "web" / "static" / "vendor"
BUNDLED = ("ontology", "data", "shapes", "releases")


def _npm_ci(folder: Path, sources: list[Path]) -> None:
    """``npm ci`` in ``folder`` unless its install is current and holds every source file."""
    lock = folder / "package-lock.json"
    installed = folder / "node_modules" / ".package-lock.json"
    if (
        installed.is_file()
        and installed.stat().st_mtime >= lock.stat().st_mtime
        and all(p.is_file() for p in sources)
    ):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "nscn-graph: building the package needs npm (Node.js), which installs the query "
            f"editor and the map outlines from {lock.relative_to(HERE)}: install it "
            "(Debian: apt-get install npm) and build again."
        )
    command = [npm, "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"]
    subprocess.run(command, cwd=folder, check=True)


def vendor_assets() -> None:
    """Install the npm packages and copy the listed files (and a NOTICE) into ``VENDOR``."""
    listing = json.loads((PACKAGE / "assets.json").read_text(encoding="utf-8"))
    for asset in listing["assets"]:
        folder = HERE / asset["npm"]
        package = folder / "node_modules" / asset["package"]
        _npm_ci(folder, [package / source for source in asset["files"]])
        meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
        targets = set()
        for source, target in asset["files"].items():
            destination = VENDOR / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(package / source, destination)
            targets.add(destination.parent)
        homepage = meta.get("homepage") or (meta.get("repository") or {}).get("url", "")
        for target in targets:
            (target / "NOTICE").write_text(
                f"{asset['what']}: files of the npm package {meta['name']} {meta['version']}, "
                f"licence {meta.get('license', 'see the package')}, {homepage}\n",
                encoding="utf-8",
            )


class BuildWithAssets(build_py):
    def run(self) -> None:
        vendor_assets()
        self.__dict__.pop("data_files", None)  # list package data again, with the assets
        super().run()
        if not self.editable_mode:
            bundle = Path(self.build_lib) / "nscn_graph" / "bundle"
            shutil.rmtree(bundle, ignore_errors=True)
            for name in BUNDLED:
                shutil.copytree(HERE / name, bundle / name)


setup(cmdclass={"build_py": BuildWithAssets})
