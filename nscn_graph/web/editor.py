"""The query editor's contents: the prologue of prefixes and example queries about the network.

The examples are data: the ``.rq`` files of ``examples/`` beside this module. Each is tested
to return rows (``tests/test_sparql_editor.py``); the GeoSPARQL ones are also compared with
distances computed from the data's coordinates (``tests/test_geosparql.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Example:
    name: str
    query: str


#: Prefixes shown in the editor (the endpoint predeclares all of the project's prefixes).
EDITOR_PREFIXES = (
    "nscn",
    "city",
    "theme",
    "value",
    "rdfs",
    "skos",
    "dcterms",
    "schema",
    "geo",
)

#: Where the example queries are: one ``.rq`` file each, in the order of their names; the
#: first line is a comment with the example's name, the rest is the query as shown.
EXAMPLES_DIR = Path(__file__).with_name("examples")


def read_examples(folder: Path = EXAMPLES_DIR) -> tuple[Example, ...]:
    """The example queries of ``folder``."""
    found = []
    for path in sorted(folder.glob("*.rq")):
        first, _, query = path.read_text(encoding="utf-8").partition("\n")
        if not first.startswith("#") or not query.strip():
            raise ValueError(f"{path}: the first line must be '# name', then the query")
        found.append(Example(first.lstrip("#").strip(), query.strip()))
    return tuple(found)


EXAMPLES: tuple[Example, ...] = read_examples()


def prologue(prefixes: dict[str, str]) -> str:
    """``PREFIX`` lines for the editor."""
    return "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in EDITOR_PREFIXES if p in prefixes)


def config(endpoint: str, prefixes: dict[str, str], query: str | None = None) -> dict:
    """What ``static/sparql-editor.js`` reads: the endpoint, the prologue, the examples, the
    prefixes the endpoint predeclares (so the editor does not mark them as undeclared) and the
    query to run at once, if any."""
    return {
        "endpoint": endpoint,
        "prologue": prologue(prefixes),
        "examples": [{"name": e.name, "query": e.query} for e in EXAMPLES],
        "prefixes": dict(prefixes),
        "query": query,
    }
