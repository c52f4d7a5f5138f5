"""What the search index holds, read from a store with its public ``query`` call (so it works
the same on every store: embedded, persistent, remote).

Every thing ``{base}id/{type}/{slug}`` is an :class:`Entry` with its labels in every language,
its other names, its identifiers (``dcterms:identifier`` values, its slug and the slugs of its
aliases, ``nscn:aliasOf``), its descriptions and its kinds (``rdf:type``). Which property
feeds which field is data: ``fields.json`` beside this module.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.publish.documents import KEY, alias_predicate

FIELDS_FILE = Path(__file__).with_name("fields.json")
ROLES = ("label", "name", "identifier", "description", "type")


@dataclass
class Entry:
    """One thing as the index sees it."""

    iri: str
    key: str  #: ``{type}/{slug}``
    labels: list[tuple[str, str]] = field(default_factory=list)  #: (text, language)
    names: list[tuple[str, str]] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    descriptions: list[tuple[str, str]] = field(default_factory=list)
    types: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """The type segment of its IRI (``city``), the ``type=`` of ``/search``."""
        return self.key.split("/", 1)[0]


@lru_cache(maxsize=4)
def field_names(path: Path = FIELDS_FILE) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The prefixes and, for each role, the prefixed names of its properties (``fields.json``,
    read once; do not change what is returned)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["prefixes"], {role: list(data[role]) for role in ROLES}


def fields(path: Path = FIELDS_FILE) -> dict[str, list[str]]:
    """Role → property IRIs, from ``fields.json``."""
    prefixes, names = field_names(path)

    def expand(name: str) -> str:
        prefix, _, local = name.partition(":")
        return prefixes[prefix] + local

    return {role: [expand(n) for n in names[role]] for role in ROLES}


def collect(store, *, base: str = DEFAULT_BASE) -> list[Entry]:
    """Every thing under ``{base}id/`` with what the index needs, in a stable order."""
    roles = fields()
    role_of = {iri: role for role, iris in roles.items() for iri in iris}
    alias = alias_predicate(base)
    values = " ".join(f"<{iri}>" for iri in [*role_of, alias])
    prefix = base + "id/"
    query = (
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o . "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{_escape(prefix)}")) }}'
    )
    entries: dict[str, Entry] = {}
    aliases: list[tuple[str, str]] = []
    for row in store.query(query):
        subject, predicate, obj = row["s"], row["p"], row["o"]
        key = subject.value[len(prefix) :]
        if not KEY.fullmatch(key):
            continue  # a hash IRI (…#geometry) or something outside the identifier pattern
        if predicate.value == alias:
            aliases.append((key, obj.value))
            continue
        entry = entries.get(subject.value)
        if entry is None:
            entry = entries[subject.value] = Entry(subject.value, key)
        _add(entry, role_of[predicate.value], obj)
    alias_keys = {key for key, _ in aliases}
    for key, target in aliases:
        if target in entries:
            entries[target].identifiers.append(key)
    for entry in entries.values():
        entry.identifiers.insert(0, entry.key)
    found = [e for e in entries.values() if e.key not in alias_keys]
    return sorted(found, key=lambda e: e.key)


def _add(entry: Entry, role: str, obj: ox.NamedNode | ox.Literal) -> None:
    if role == "type":
        if isinstance(obj, ox.NamedNode):
            entry.types.append(obj.value)
        return
    if not isinstance(obj, ox.Literal):
        return
    language = obj.language or ""
    if role == "label":
        entry.labels.append((obj.value, language))
    elif role == "name":
        entry.names.append((obj.value, language))
    elif role == "identifier":
        entry.identifiers.append(obj.value)
    else:
        entry.descriptions.append((obj.value, language))


def main_types(entries: list[Entry]) -> dict[str, str]:
    """Each thing's most specific kind: of its ``rdf:type`` IRIs, the one with the fewest
    instances (``nscn:SmartCity`` rather than ``nscn:City``); ties by IRI."""
    counts = Counter(t for e in entries for t in set(e.types))
    return {e.iri: min(e.types, key=lambda t: (counts[t], t)) if e.types else "" for e in entries}


def local_words(iri: str) -> str:
    """The words of an IRI's local name: ``…#SmartCity`` → ``"Smart City"``."""
    local = re.split(r"[#/]", iri)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("-", " ").replace("_", " ")


def iter_texts(entry: Entry) -> Iterator[str]:
    for text, _ in (*entry.labels, *entry.names, *entry.descriptions):
        yield text
    yield from entry.identifiers


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
