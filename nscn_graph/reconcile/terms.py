"""The vocabulary a reconciliation client sees: the types it may ask for (the kinds of thing the
page annotations declare, :mod:`nscn_graph.publish.annotations`) and the properties it may
constrain or fetch (those the things of each kind use, read from the store).

Types and properties are named by their IRIs; a request may also write them as prefixed names
with the project's prefixes (``nscn:SmartCity``, ``nscn:country``) or, for a type, as the kind's
segment (``city``). Nothing of a request reaches a query unless it is a well-formed IRI.
"""

from __future__ import annotations

import re
from threading import Lock

from nscn_graph.errors import BadRequest
from nscn_graph.publish.annotations import Kind, Layout

from .facts import iri_ref

#: An absolute IRI that can be written between ``<`` and ``>`` in SPARQL (RFC 3987, roughly:
#: a scheme, then no space, quote, angle bracket or other character SPARQL forbids there).
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")
#: A prefixed name: a known prefix and a local part of letters, digits, ``_``, ``-`` and ``.``.
PREFIXED = re.compile(r"(?P<prefix>[A-Za-z][A-Za-z0-9_-]*):(?P<local>[A-Za-z0-9_][A-Za-z0-9_.-]*)")
#: Things of each kind whose properties are read to learn what the kind uses.
SAMPLE = 200


def shown(text: object) -> str:
    """A request value as a message may quote it: short, without markup characters."""
    value = str(text)
    if len(value) <= 80 and not re.search(r"[<>&\"'\x00-\x1f]", value):
        return repr(value)
    return "(the value given)"


class Terms:
    """Types and properties, from the annotations and the store."""

    def __init__(self, layout: Layout, prefixes: dict[str, str], store) -> None:
        self.layout = layout
        self.prefixes = prefixes
        self.store = store
        #: the kinds with pages of their own, most specific first (the manifest's defaultTypes)
        self.kinds: dict[str, Kind] = {k.iri: k for k in layout.kinds.values() if k.slug}
        self.by_slug = layout.slugs()
        self._properties: dict[str, list[str]] | None = None
        self._lock = Lock()

    # -- names -----------------------------------------------------------------------------
    def expand(self, text: str) -> str | None:
        """An IRI, or a prefixed name expanded, or ``None`` if ``text`` is neither."""
        text = text.strip()
        found = PREFIXED.fullmatch(text)
        if found and found["prefix"] in self.prefixes:
            return self.prefixes[found["prefix"]] + found["local"]
        return text if IRI.fullmatch(text) else None

    def label(self, iri: str) -> str:
        if iri in self.layout.labels:
            return self.layout.labels[iri]
        return self.curie(iri)

    def curie(self, iri: str) -> str:
        for prefix, namespace in self.prefixes.items():
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and PREFIXED.fullmatch(f"{prefix}:{local}"):
                return f"{prefix}:{local}"
        return iri

    # -- types -----------------------------------------------------------------------------
    def type_iri(self, text: object) -> str:
        """The class a request's type names; :class:`BadRequest` unless it is one of the
        kinds (by IRI, prefixed name or segment)."""
        if isinstance(text, str):
            iri = self.by_slug.get(text.strip()) or self.expand(text)
            if iri in self.kinds:
                return iri
        offered = ", ".join(self.curie(k) for k in self.kinds)
        raise BadRequest(
            f"there is no type {shown(text)}; a type is the IRI of one of: {offered} "
            "(the manifest's defaultTypes)"
        )

    def type_json(self, iri: str) -> dict[str, object]:
        """A type as the API writes it: ``id``, ``name`` and its ``broader`` types."""
        kind = self.kinds.get(iri)
        body: dict[str, object] = {"id": iri, "name": kind.label if kind else self.label(iri)}
        broader = [p for p in self.layout.parents.get(iri, ()) if p in self.kinds]
        if broader:
            body["broader"] = [self.type_json(p) for p in broader]
        return body

    def ranked(self, types: list[str]) -> list[str]:
        """The kinds among ``types``, most specific first."""
        known = [t for t in dict.fromkeys(types) if t in self.kinds]
        return sorted(known, key=lambda t: (self.kinds[t].order, t))

    def closure(self, types: list[str]) -> set[str]:
        """``types`` and their superclasses."""
        return {a for t in types for a in self.layout.ancestors(t)}

    # -- properties ------------------------------------------------------------------------
    def property_iri(self, text: object) -> str:
        """The property a request names (IRI or prefixed name); :class:`BadRequest` if it is
        not written as one."""
        iri = self.expand(text) if isinstance(text, str) else None
        if iri is None:
            raise BadRequest(
                f"the property {shown(text)} is not an IRI nor a prefixed name with one of the "
                f"prefixes {', '.join(sorted(self.prefixes))} (e.g. nscn:country)"
            )
        return iri

    def properties(self, kind: str | None = None) -> list[str]:
        """The properties things of ``kind`` (of any kind, if ``None``) use, in the order of
        the pages' facts table; read from the store once, from a sample of each kind."""
        if self._properties is None:
            with self._lock:
                if self._properties is None:
                    self._properties = self._read_properties()
        if kind is not None:
            found = self._properties.get(kind, [])
        else:
            found = list(dict.fromkeys(p for ps in self._properties.values() for p in ps))
        return sorted(found, key=lambda p: (self.layout.order(p), self.label(p).casefold()))

    def _read_properties(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for kind in self.kinds:
            rows = self.store.query(
                "SELECT DISTINCT ?p WHERE { { SELECT ?s WHERE { ?s a "
                f"{iri_ref(kind)} }} LIMIT {SAMPLE} }} ?s ?p ?o }}"
            )
            found[kind] = [row["p"].value for row in rows]
        return found

    def property_json(self, iri: str) -> dict[str, str]:
        return {"id": iri, "name": self.label(iri), "description": self.curie(iri)}
