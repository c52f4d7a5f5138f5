"""Facts about the graph computed from the data itself: triple count, instances per class."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from nscn_graph.namespaces import DEFAULT_BASE, NSCN, unbase

#: The kinds of things shown to people, in display order: (class, plural label, IRI type segment).
KINDS: tuple[tuple[str, str, str], ...] = (
    (str(NSCN.SmartCity), "member cities", "city"),
    (str(NSCN.Country), "countries", "country"),
    (str(NSCN.LivingLab), "living labs", "lab"),
    (str(NSCN.Case), "cases", "case"),
    (str(NSCN.Organisation), "organisations", "organisation"),
    (str(NSCN.Theme), "themes", "theme"),
    (str(NSCN.RoadmapValue), "Roadmap values", "value"),
)

_CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class
"""


@dataclass(frozen=True)
class Summary:
    triples: int
    classes: dict[str, int] = field(default_factory=dict)

    def count(self, class_iri: str) -> int:
        return self.classes.get(class_iri, 0)

    def kinds(self) -> list[tuple[str, str, int]]:
        """(label, type segment, count) for each kind of thing in :data:`KINDS`."""
        return [(label, segment, self.count(iri)) for iri, label, segment in KINDS]


def summarise(store, *, base: str = DEFAULT_BASE) -> Summary:
    """Counts of the graph in ``store`` (anything with ``query`` and ``len``), whose IRIs are
    under ``base``; class IRIs are reported under the default base."""
    classes = {}
    for row in store.query(_CLASS_COUNTS):
        cls = row["class"]
        if isinstance(cls, ox.NamedNode):
            classes[unbase(cls.value, base)] = int(row["n"].value)
    return Summary(triples=len(store), classes=classes)
