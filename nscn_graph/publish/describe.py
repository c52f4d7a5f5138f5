"""Facts about the graph computed from the data itself: triple count, instances per class."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from nscn_graph.namespaces import DEFAULT_BASE, unbase
from nscn_graph.publish.annotations import Kind

_CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class
"""


@dataclass(frozen=True)
class Summary:
    triples: int
    classes: dict[str, int] = field(default_factory=dict)

    def count(self, class_iri: str) -> int:
        return self.classes.get(class_iri, 0)

    def kinds(
        self, kinds: Iterable[Kind], *, base: str = DEFAULT_BASE
    ) -> list[tuple[str, str, int]]:
        """(plural label, type segment, count) of each of ``kinds`` (the annotated kinds the
        landing page counts, :attr:`~nscn_graph.publish.annotations.Layout.counted`), whose
        class IRIs are under ``base``."""
        found = []
        for kind in kinds:
            iri = kind.iri
            if base != DEFAULT_BASE and iri.startswith(base):
                iri = DEFAULT_BASE + iri[len(base) :]
            found.append((kind.plural, kind.slug or "", self.count(iri)))
        return found


def summarise(store, *, base: str = DEFAULT_BASE) -> Summary:
    """Counts of the graph in ``store`` (anything with ``query`` and ``len``), whose IRIs are
    under ``base``; class IRIs are reported under the default base."""
    classes = {}
    for row in store.query(_CLASS_COUNTS):
        cls = row["class"]
        if isinstance(cls, ox.NamedNode):
            classes[unbase(cls.value, base)] = int(row["n"].value)
    return Summary(triples=len(store), classes=classes)
