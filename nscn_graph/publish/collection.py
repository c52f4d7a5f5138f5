"""Collections: every thing of one kind, sorted by label, narrowed by facets, in pages.

The browse page ``/doc/{type}/`` of :mod:`nscn_graph.web.browse` lists the things of one kind
(:meth:`~nscn_graph.publish.annotations.Layout.browsable`); which facets narrow it is data, the
``nscn:facet`` annotations of its class (:class:`~nscn_graph.publish.annotations.Facet`).

A kind's things are read from the store once, through its public ``query`` call (so every
store answers the same), in at most :data:`MAX_QUERIES` queries whatever their number: the
members with their labels, their facet values, the labels of those values. That
:class:`Index` (sorted by label, as the build prepares pages) answers every page, filter and
facet count without another query: asking the store per page costs a grouped, sorted query
over the whole kind each time (seconds at 10 000 things, ``bench/browse.py``).

- :func:`parse`: a request's parameters as a :class:`Request`, or
  :class:`~nscn_graph.errors.BadRequest` saying what to fix;
- :func:`prepare`: the :class:`Index` of a kind; :func:`read`: the :class:`Page` a request
  asks for;
- :func:`triples` and :func:`csv_text`: the page as RDF (W3C Hydra Core: a
  ``hydra:Collection`` with its members and a ``hydra:PartialCollectionView`` with ``first``,
  ``previous``, ``next`` and ``last``) and as CSV (RFC 4180).

Facet counts are drill-down counts: the things of the narrowed set with each value.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox

from nscn_graph.errors import BadRequest
from nscn_graph.namespaces import DEFAULT_BASE

from .annotations import Facet, Kind
from .documents import KEY, LABELS, RDF_TYPE, RDFS_LABEL

HYDRA = "http://www.w3.org/ns/hydra/core#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
#: Most queries the index of one kind costs (a page costs none).
MAX_QUERIES = 3
#: Most values a facet lists (the most frequent; a chosen value is always listed).
FACET_VALUES = 25
#: Parameters of a browse page besides its facets.
PAGE, LIMIT, SORT, FORMAT = "page", "limit", "sort", "format"
SORTS = ("label", "-label")
#: Longest value of a filter, and most values of all filters together.
MAX_VALUE = 200
MAX_FILTER_VALUES = 20

_CURIE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):([A-Za-z0-9_][A-Za-z0-9_.-]*)")
_YEAR = re.compile(r"-?[0-9]{4}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Request:
    """What a browse page asks for: filters (facet key → values, any of which may match),
    the page (from 1), its size, and the sort."""

    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    page: int = 1
    limit: int = 50
    sort: str = "label"

    def query_string(self, *, page: int | None = None, default_limit: int = 50, **extra) -> str:
        """The canonical query string of this request (of another ``page``): filters in facet
        order, then the sort and size when not the defaults, then the page when not the first."""
        pairs = [(key, value) for key, values in self.filters for value in values]
        if self.sort != "label":
            pairs.append((SORT, self.sort))
        if self.limit != default_limit:
            pairs.append((LIMIT, str(self.limit)))
        number = self.page if page is None else page
        if number > 1:
            pairs.append((PAGE, str(number)))
        pairs += [(k, v) for k, v in extra.items() if v]
        return urlencode(pairs)

    def selected(self, key: str) -> tuple[str, ...]:
        return next((values for k, values in self.filters if k == key), ())


def parse(
    args: Mapping[str, Sequence[str]],
    kind: Kind,
    *,
    default_limit: int = 50,
    max_limit: int = 500,
) -> Request:
    """The request that ``args`` (parameter → its values, as sent) makes of ``kind``'s page;
    :class:`BadRequest` for an unknown parameter, a malformed value, a page or size out of
    range, or an unknown sort."""
    facets = {f.key: f for f in kind.facets}
    known = {PAGE, LIMIT, SORT, FORMAT, *facets}
    unknown = sorted(set(args) - known)
    if unknown:
        offered = ", ".join(f.key for f in kind.facets) or "none"
        raise BadRequest(
            f"{_shown(unknown[0])} is not a filter of the {kind.plural}; their facets are: "
            f"{offered} (and page=, limit=, sort=, format=)"
        )
    filters = []
    count = 0
    for facet in kind.facets:
        values = tuple(dict.fromkeys(v.strip() for v in args.get(facet.key, ()) if v.strip()))
        if not values:
            continue
        count += len(values)
        for value in values:
            _check_value(facet, value)
        filters.append((facet.key, tuple(sorted(values))))
    if count > MAX_FILTER_VALUES:
        raise BadRequest(f"at most {MAX_FILTER_VALUES} filter values at once; {count} were given")
    limit = _number(args, LIMIT, default_limit, 1, max_limit)
    page = _number(args, PAGE, 1, 1, 10_000_000)
    sort = _one(args, SORT) or "label"
    if sort not in SORTS:
        raise BadRequest("sort= is label (A to Z) or -label (Z to A)")
    return Request(tuple(filters), page=page, limit=limit, sort=sort)


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name) or ()
    if len(values) > 1:
        raise BadRequest(f"{name}= is given {len(values)} times; give it once")
    return values[0].strip() if values else None


def _number(args, name: str, default: int, low: int, high: int) -> int:
    raw = _one(args, name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not low <= int(raw) <= high:
        raise BadRequest(f"{name}= is a whole number from {low} to {high}")
    return int(raw)


def _check_value(facet: Facet, value: str) -> None:
    if len(value) > MAX_VALUE:
        raise BadRequest(f"a value of {facet.key}= is {len(value)} characters; at most {MAX_VALUE}")
    if _CONTROL.search(value):
        raise BadRequest(f"a value of {facet.key}= holds control characters")
    if facet.by_year and not _YEAR.fullmatch(value):
        raise BadRequest(f"{facet.key}= is a year of four digits, e.g. {facet.key}=2019")


def _shown(value: str) -> str:
    """A request's text as a message may show it: short, letters, digits and hyphens."""
    return repr(value) if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", value) else "a parameter"


# --- reading -----------------------------------------------------------------------------


@dataclass
class FacetValue:
    token: str  #: how a filter names it (``aarhus``, ``nscn:SmartCity``, ``2019``)
    term: ox.NamedNode | ox.Literal
    count: int
    selected: bool = False


@dataclass
class FacetCounts:
    facet: Facet
    values: list[FacetValue] = field(default_factory=list)
    hidden: int = 0  #: values not listed (past :data:`FACET_VALUES`)


@dataclass
class Member:
    iri: str
    values: dict[str, list[ox.NamedNode | ox.Literal]] = field(default_factory=dict)


@dataclass
class Page:
    """One page of a kind's collection, with what it shows."""

    kind: Kind
    request: Request
    total: int
    members: list[Member]
    facets: list[FacetCounts]
    labels: dict[str, list[tuple[str, ox.Literal]]]  #: IRI -> (label property, label)
    base: str = DEFAULT_BASE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.limit))

    @property
    def has_next(self) -> bool:
        return self.request.page < self.pages

    @property
    def first_index(self) -> int:
        """The position (from 1) of the page's first member in the whole narrowed set."""
        return (self.request.page - 1) * self.request.limit + 1

    def label(self, iri: str, languages: Sequence[str] = ("en",)) -> str:
        found = [label for _, label in self.labels.get(iri, [])]
        for language in languages:
            for label in found:
                if (label.language or "").split("-", 1)[0] == language:
                    return label.value
        return found[0].value if found else iri

    def shown(self, term: ox.NamedNode | ox.Literal, languages: Sequence[str] = ("en",)) -> str:
        """A facet value as a person reads it: a thing's label, a literal's text."""
        return self.label(term.value, languages) if isinstance(term, ox.NamedNode) else term.value


@dataclass
class Entry:
    """One thing of a kind, as its browse pages need it."""

    iri: str
    key: str  #: what it sorts by: its English label (else another), case-folded
    labels: list[tuple[str, ox.Literal]]  #: (label property, label)
    values: dict[str, list[ox.NamedNode | ox.Literal]]  #: facet key -> values
    ids: dict[str, list[int]] = field(default_factory=dict)  #: facet key -> value numbers


@dataclass
class Value:
    """One value of one facet, among all the things of the kind."""

    term: ox.NamedNode | ox.Literal
    token: str  #: how links name it
    names: set[str]  #: every way a filter may name it
    key: str  #: its label, case-folded, for ordering
    entries: list[int] = field(default_factory=list)  #: positions of the things that have it


@dataclass
class Index:
    """The things of one kind, sorted, with their labels and facet values, and each facet's
    values with the things that have them: read from the store once (:func:`prepare`), then
    every page, filter and facet count is worked out from it."""

    kind: Kind
    entries: list[Entry]
    values: dict[str, list[Value]]  #: facet key -> its values (numbered by position)
    named: dict[str, dict[str, list[int]]]  #: facet key -> name -> value numbers
    labels: dict[str, list[tuple[str, ox.Literal]]]  #: labels of facet values that are IRIs
    base: str = DEFAULT_BASE


def prepare(
    store,
    kind: Kind,
    *,
    base: str = DEFAULT_BASE,
    prefixes: Mapping[str, str] | None = None,
) -> Index:
    """The index of ``kind``'s things in ``store``, in :data:`MAX_QUERIES` queries at most
    (members with their labels; their facet values; the labels of those values), whatever the
    number of things."""
    prefixes = dict(prefixes or {})
    rows = store.query(
        f"SELECT ?s ?p ?l WHERE {{ ?s a <{kind.iri}> FILTER(isIRI(?s)) "
        f"OPTIONAL {{ {_label_union('?s', '?p', '?l')} }} }}"
    )
    found: dict[str, Entry] = {}
    for row in rows:
        iri = row["s"].value
        entry = found.get(iri)
        if entry is None:
            entry = found[iri] = Entry(iri, "", [], {})
        label = row["l"]
        if isinstance(label, ox.Literal):
            entry.labels.append((row["p"].value, label))
    value_labels: dict[str, list[tuple[str, ox.Literal]]] = {}
    if kind.facets and found:
        union = _facet_union(kind)
        for row in store.query(f"SELECT ?s ?f ?v WHERE {{ ?s a <{kind.iri}> . {union} }}"):
            entry = found.get(row["s"].value)
            term = row["v"]
            if entry is None or not isinstance(term, ox.NamedNode | ox.Literal):
                continue
            values = entry.values.setdefault(kind.facets[int(row["f"].value)].key, [])
            if term not in values:
                values.append(term)
        rows = store.query(
            f"SELECT ?v ?p ?l WHERE {{ {{ SELECT DISTINCT ?v WHERE {{ ?s a <{kind.iri}> . "
            f"{union} FILTER(isIRI(?v)) }} }} {_label_union('?v', '?p', '?l')} }}"
        )
        for row in rows:
            if isinstance(row["l"], ox.Literal):
                value_labels.setdefault(row["v"].value, []).append((row["p"].value, row["l"]))
    for labels in (*value_labels.values(), *(e.labels for e in found.values())):
        labels.sort(key=lambda pl: (LABELS.index(pl[0]), pl[1].language or "", pl[1].value))
    for entry in found.values():
        entry.key = _sort_key(entry.labels, entry.iri)
        for values in entry.values.values():
            values.sort(key=_term_key)
    entries = sorted(found.values(), key=lambda e: (e.key, e.iri))
    numbered: dict[str, dict[ox.NamedNode | ox.Literal, int]] = {f.key: {} for f in kind.facets}
    values_of: dict[str, list[Value]] = {f.key: [] for f in kind.facets}
    named: dict[str, dict[str, list[int]]] = {f.key: {} for f in kind.facets}
    for position, entry in enumerate(entries):
        for key, terms in entry.values.items():
            ids = entry.ids.setdefault(key, [])
            for term in terms:
                number = numbered[key].get(term)
                if number is None:
                    number = numbered[key][term] = len(values_of[key])
                    names = _names(term, base=base, prefixes=prefixes)
                    label = value_labels.get(term.value) if isinstance(term, ox.NamedNode) else None
                    values_of[key].append(
                        Value(
                            term,
                            value_token(term, base=base, prefixes=prefixes),
                            names,
                            _sort_key(label or [], term.value),
                        )
                    )
                    for name in names:
                        named[key].setdefault(name, []).append(number)
                values_of[key][number].entries.append(position)
                ids.append(number)
    return Index(kind, entries, values_of, named, value_labels, base)


def read(index: Index, request: Request) -> Page:
    """The page of the index's collection that ``request`` asks for (no store query)."""
    kind = index.kind
    positions: set[int] | None = None
    for key, names in request.filters:
        chosen_ids = {n for name in names for n in index.named[key].get(name, ())}
        having = {p for n in chosen_ids for p in index.values[key][n].entries}
        positions = having if positions is None else positions & having
    if positions is None:
        selected = list(range(len(index.entries)))
    else:
        selected = sorted(positions)
    if request.sort.startswith("-"):
        selected.reverse()
    start = (request.page - 1) * request.limit
    chosen = [index.entries[p] for p in selected[start : start + request.limit]]
    members = [Member(e.iri, e.values) for e in chosen]
    facets = []
    for facet in kind.facets:
        values = index.values[facet.key]
        if positions is None:
            counts = [len(v.entries) for v in values]
        else:
            counts = [0] * len(values)
            for p in selected:
                for n in index.entries[p].ids.get(facet.key, ()):
                    counts[n] += 1
        asked = set(request.selected(facet.key))
        listed = [
            FacetValue(v.token, v.term, counts[n], bool(v.names & asked))
            for n, v in sorted(
                (item for item in enumerate(values) if counts[item[0]]),
                key=lambda item: (-counts[item[0]], item[1].key),
            )
        ]
        shown = [v for i, v in enumerate(listed) if i < FACET_VALUES or v.selected]
        facets.append(FacetCounts(facet, shown, len(listed) - len(shown)))
    labels = dict(index.labels)
    labels.update({e.iri: e.labels for e in chosen})
    return Page(kind, request, len(selected), members, facets, labels, index.base)


def _label_union(subject: str, prop: str, label: str) -> str:
    """``subject``'s labels (``skos:prefLabel``, ``rdfs:label``) as ``label``, the property as
    ``prop``: a union, so that each branch follows the store's index from the subject."""
    return " UNION ".join(
        f"{{ {subject} <{p}> {label} BIND(<{p}> AS {prop}) FILTER(isLiteral({label})) }}"
        for p in LABELS
    )


def _sort_key(labels: Sequence[tuple[str, ox.Literal]], fallback: str) -> str:
    """The English label (else the first label, else ``fallback``), case-folded."""
    found = [label for _, label in labels]
    english = [x for x in found if (x.language or "").split("-", 1)[0] == "en"]
    chosen = english or found
    return chosen[0].value.casefold() if chosen else fallback.casefold()


def _names(term, *, base: str, prefixes: Mapping[str, str]) -> set[str]:
    """Every way a filter may name ``term``: its token (a slug, a prefixed name, a literal's
    text), its IRI, its ``type/slug``, its prefixed names."""
    names = {value_token(term, base=base, prefixes=prefixes), term.value}
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if iri.startswith(base + "id/"):
            names.add(iri[len(base) + 3 :])
        for prefix, namespace in prefixes.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                names.add(f"{prefix}:{iri[len(namespace) :]}")
    return names


def _facet_union(kind: Kind) -> str:
    """Each facet's values as ``?v``, numbered by ``?f``."""
    parts = []
    for number, facet in enumerate(kind.facets):
        if facet.by_year:
            parts.append(
                f"{{ ?s {facet.sparql_path()} ?d{number} "
                f"BIND(SUBSTR(STR(?d{number}), 1, 4) AS ?v) BIND({number} AS ?f) }}"
            )
        else:
            parts.append(f"{{ ?s {facet.sparql_path()} ?v BIND({number} AS ?f) }}")
    return " UNION ".join(parts)


def value_token(
    term, *, base: str = DEFAULT_BASE, prefixes: Mapping[str, str] | None = None
) -> str:
    """How a filter names a facet value: a thing under ``{base}id/`` by its slug, another IRI
    by its prefixed name (else itself), a literal by its text."""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        key = iri[len(base) + 3 :] if iri.startswith(base + "id/") else ""
        if KEY.fullmatch(key):
            return key.split("/", 1)[1]
        for prefix, namespace in (prefixes or {}).items():
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and _CURIE.fullmatch(f"{prefix}:{local}"):
                return f"{prefix}:{local}"
        return iri
    return term.value


def _term_key(term) -> tuple[int, str]:
    return (0 if isinstance(term, ox.NamedNode) else 1, term.value)


# --- forms -------------------------------------------------------------------------------


def collection_iri(page: Page) -> str:
    """The collection's IRI: ``{base}id/{type}/``, with the filters' query string."""
    query = Request(page.request.filters, limit=page.request.limit).query_string(
        default_limit=page.request.limit
    )
    return f"{page.base}id/{page.kind.slug}/" + (f"?{query}" if query else "")


def triples(page: Page, *, view: Callable[[int], str]) -> list[ox.Triple]:
    """The page as RDF (Hydra Core): the collection, its members on this page with their
    labels and kind, and the view with its neighbours (``view(n)`` is page ``n``'s IRI)."""
    hydra = lambda name: ox.NamedNode(HYDRA + name)  # noqa: E731
    rdf_type = ox.NamedNode(RDF_TYPE)
    collection = ox.NamedNode(collection_iri(page))
    here = ox.NamedNode(view(page.request.page))
    found = [
        ox.Triple(collection, rdf_type, hydra("Collection")),
        ox.Triple(
            collection, ox.NamedNode(RDFS_LABEL), ox.Literal(page.kind.plural, language="en")
        ),
        ox.Triple(
            collection,
            hydra("totalItems"),
            ox.Literal(str(page.total), datatype=ox.NamedNode(XSD_INTEGER)),
        ),
        ox.Triple(collection, hydra("view"), here),
        ox.Triple(here, rdf_type, hydra("PartialCollectionView")),
    ]
    for rel, number in _neighbours(page):
        found.append(ox.Triple(here, hydra(rel), ox.NamedNode(view(number))))
    kind = ox.NamedNode(page.kind.iri)
    for member in page.members:
        thing = ox.NamedNode(member.iri)
        found.append(ox.Triple(collection, hydra("member"), thing))
        found.append(ox.Triple(thing, rdf_type, kind))
        for prop, label in page.labels.get(member.iri, []):
            found.append(ox.Triple(thing, ox.NamedNode(prop), label))
    return found


def _neighbours(page: Page) -> list[tuple[str, int]]:
    """(Hydra relation, page number) of the first, previous, next and last pages."""
    number, last = page.request.page, page.pages
    found = [("first", 1)]
    if number > 1:
        found.append(("previous", min(number - 1, last)))
    if number < last:
        found.append(("next", number + 1))
    found.append(("last", last))
    return found


def neighbours(page: Page) -> list[tuple[str, int]]:
    """(link relation, page number) for ``Link`` headers (RFC 8288: ``first``, ``prev``,
    ``next``, ``last``)."""
    return [("prev" if rel == "previous" else rel, n) for rel, n in _neighbours(page)]


def csv_text(page: Page, *, languages: Sequence[str] = ("en",)) -> str:
    """The page as CSV (RFC 4180: CRLF line ends, a header row): the IRI, the label and one
    column per facet (its values' labels, separated by ``; ``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "label", *(f.key for f in page.kind.facets)])
    for member in page.members:
        row = [member.iri, page.label(member.iri, languages)]
        for facet in page.kind.facets:
            values = member.values.get(facet.key, [])
            row.append("; ".join(page.shown(v, languages) for v in values))
        writer.writerow(row)
    return out.getvalue()
