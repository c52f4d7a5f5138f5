"""Where the server's files live: the ontology, data and shapes, and the front-end assets.

From a checkout (the editable install of ``make``) they are the repository's ``ontology/``,
``data/`` and ``shapes/``; from an installed wheel they are the copies the build step put into
the package (``nscn_graph/bundle/``). ``NSCN_ROOT`` (read once, by the CLI and the app factory)
points elsewhere. The front-end assets (query editor, map outlines) come from npm at build time
into ``nscn_graph/web/static/vendor/``; :data:`ASSETS_FILE` lists them, and
:func:`require_complete` says at start-up what is missing and how to get it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from nscn_graph.errors import IncompleteInstallation

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
#: ontology/, data/ and shapes/ as the build step copies them into the package
BUNDLE = PACKAGE / "bundle"
VENDOR = PACKAGE / "web" / "static" / "vendor"
ASSETS_FILE = PACKAGE / "assets.json"


def _is_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (folder / "ontology" / "nscn.ttl").is_file()


ROOT = CHECKOUT if _is_checkout(CHECKOUT) else BUNDLE


#: The data files' suffixes: Turtle, and TriG / N-Quads (statements in source records' graphs).
DATA_SUFFIXES = (".ttl", ".trig", ".nq")


def data_files(root: Path = ROOT) -> list[Path]:
    """The bundled data files, sorted, one per kind of thing."""
    folder = root / "data"
    return sorted(p for p in folder.glob("*") if p.suffix in DATA_SUFFIXES and p.is_file())


def ontology_file(root: Path = ROOT) -> Path:
    return root / "ontology" / "nscn.ttl"


def shapes_file(root: Path = ROOT) -> Path:
    return root / "shapes" / "nscn-shapes.ttl"


def missing_assets(vendor: Path | None = None) -> list[str]:
    """``what (npm package): file, ...`` for each front-end asset with files not installed."""
    vendor = VENDOR if vendor is None else vendor
    listing = json.loads(ASSETS_FILE.read_text(encoding="utf-8"))
    missing = []
    for asset in listing["assets"]:
        absent = [t for t in asset["files"].values() if not (vendor / t).is_file()]
        if absent:
            missing.append(f"{asset['what']} (npm {asset['package']}): {', '.join(absent)}")
    return missing


def require_complete(
    root: Path = ROOT, data: Iterable[str] | None = None, vendor: Path | None = None
) -> None:
    """Raise :class:`IncompleteInstallation` naming every missing file and how to get it: the
    ontology and shapes under ``root``, its data (unless ``data`` names other files), and the
    front-end assets. A server without them would answer blank pages or fail later."""
    problems = [str(p) for p in (ontology_file(root), shapes_file(root)) if not p.is_file()]
    if not data and not data_files(root):
        problems.append(f"{root / 'data'}/*.trig (or *.ttl)")
    if problems:
        raise IncompleteInstallation(
            "missing: " + ", ".join(problems) + ". Point NSCN_ROOT (setting ROOT) at a folder "
            "holding ontology/, data/ and shapes/, or unset it to use the bundled ones."
        )
    vendor = VENDOR if vendor is None else vendor
    assets = missing_assets(vendor)
    if assets:
        raise IncompleteInstallation(
            f"front-end assets missing from {vendor}: " + "; ".join(assets) + ". They come "
            "from npm at build time: in a checkout run `make` (it runs `npm ci` and copies "
            "them); otherwise install a wheel built where npm is available (`pip wheel .`)."
        )


def releases_dir(root: Path = ROOT) -> Path:
    """The data's releases (:mod:`nscn_graph.publish.release`): ``releases/`` beside ``data/``."""
    return root / "releases"
