"""Where the bundled sources live: the repository's ``ontology/``, ``data/`` and ``shapes/``.

The project is installed in editable mode (``make``), so the package finds them beside itself.
``NSCN_ROOT`` (read once, by the CLI and the app factory) points elsewhere.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def data_files(root: Path = ROOT) -> list[Path]:
    """The bundled data files, sorted, one per kind of thing."""
    return sorted((root / "data").glob("*.ttl"))


def ontology_file(root: Path = ROOT) -> Path:
    return root / "ontology" / "nscn.ttl"


def shapes_file(root: Path = ROOT) -> Path:
    return root / "shapes" / "nscn-shapes.ttl"
