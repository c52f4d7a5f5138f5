"""Collections: every thing of one kind, sorted by label, narrowed by facets, in pages.

The browse page ``/doc/{type}/`` of :mod:`nscn_graph.web.browse` lists the things of one kind
(:meth:`~nscn_graph.publish.annotations.Layout.browsable`); which facets narrow it is data, the
``nscn:facet`` annotations of its class (:class:`~nscn_graph.publish.annotations.Facet`). This
module reads a page from any store through its public ``query`` call, in at most
:data:`MAX_QUERIES` queries whatever the size of the kind: the count, the page's members, the
facet counts, the members' facet values, and the labels of everything shown.

- :func:`parse`: a request's parameters as a :class:`Request`, or
  :class:`~nscn_graph.errors.BadRequest` saying what to fix;
- :func:`read`: the :class:`Page` that a request asks for;
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
#: Most queries one page costs.
MAX_QUERIES = 5
#: Most values a facet lists (the most frequent; a chosen value is always listed).
FACET_VALUES = 25
#: Parameters of a browse page besides its facets.
PAGE, LIMIT, SORT, FORMAT = "page", "limit", "sort", "format"
SORTS = ("label", "-label")
#: Longest value of a filter, and most values of all filters together.
MAX_VALUE = 200
MAX_FILTER_VALUES = 20

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_CURIE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):([A-Za-z0-9_][A-Za-z0-9_.-]*)")
_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
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


def read(
    store,
    kind: Kind,
    request: Request,
    *,
    base: str = DEFAULT_BASE,
    slugs: Sequence[str] = (),
    prefixes: Mapping[str, str] | None = None,
) -> Page:
    """The page of ``kind``'s collection that ``request`` asks for, read from ``store`` in at
    most :data:`MAX_QUERIES` queries. ``slugs`` are the ``id/{type}/`` segments (a filter
    value written as a slug names a thing of any of them), ``prefixes`` the prefixed names a
    filter value may use."""
    prefixes = dict(prefixes or {})
    where = _where(kind, request, base=base, slugs=slugs, prefixes=prefixes)
    total_rows = list(store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}"))
    total = int(total_rows[0]["n"].value) if total_rows else 0
    members: list[Member] = []
    facets: list[FacetCounts] = [FacetCounts(f) for f in kind.facets]
    if total and (request.page - 1) * request.limit < total:
        members = [Member(iri) for iri in _members(store, where, request)]
    if total and kind.facets:
        _count_facets(store, kind, request, where, facets, base=base, prefixes=prefixes)
    if members and kind.facets:
        by_iri = {m.iri: m for m in members}
        rows = store.query(
            f"SELECT ?s ?f ?v WHERE {{ VALUES ?s {{ {_iris(by_iri)} }} {_facet_union(kind)} }}"
        )
        for row in rows:
            facet = kind.facets[int(row["f"].value)]
            values = by_iri[row["s"].value].values.setdefault(facet.key, [])
            if row["v"] not in values:
                values.append(row["v"])
        for member in members:
            for values in member.values.values():
                values.sort(key=_term_key)
    named = {m.iri for m in members}
    named |= {v.term.value for c in facets for v in c.values if isinstance(v.term, ox.NamedNode)}
    named |= {
        v.value
        for m in members
        for values in m.values.values()
        for v in values
        if isinstance(v, ox.NamedNode)
    }
    labels = _labels(store, named) if named else {}
    for counts in facets:
        counts.values.sort(key=lambda v: (-v.count, _label_key(labels, v.term)))
    return Page(kind, request, total, members, facets, labels, base)


def _where(kind: Kind, request: Request, *, base, slugs, prefixes) -> str:
    """The members of the narrowed set, as ``?s``."""
    parts = [f"?s a <{kind.iri}> . FILTER(isIRI(?s))"]
    facets = {f.key: f for f in kind.facets}
    for number, (key, values) in enumerate(request.filters):
        facet = facets[key]
        var = f"?w{number}"
        if facet.by_year:
            years = ", ".join(_string(v) for v in values)
            parts.append(
                f"?s {facet.sparql_path()} {var} FILTER(SUBSTR(STR({var}), 1, 4) IN ({years}))"
            )
            continue
        iris: list[str] = []
        texts: list[str] = []
        for value in values:
            iris += _iris_named(value, base=base, slugs=slugs, prefixes=prefixes)
            texts.append(value)
        tests = []
        if iris:
            tests.append(f"{var} IN ({', '.join(f'<{i}>' for i in dict.fromkeys(iris))})")
        tests.append(f"(isLiteral({var}) && STR({var}) IN ({', '.join(map(_string, texts))}))")
        parts.append(f"?s {facet.sparql_path()} {var} FILTER({' || '.join(tests)})")
    return " ".join(parts)


def _iris_named(value: str, *, base: str, slugs: Sequence[str], prefixes) -> list[str]:
    """The IRIs a filter value may stand for: a slug names the thing of that slug of any kind
    (``aarhus`` → ``{base}id/city/aarhus``), a prefixed name or an IRI names itself."""
    if KEY.fullmatch(value):
        return [f"{base}id/{value}"]
    if _SLUG.fullmatch(value):
        return [f"{base}id/{segment}/{value}" for segment in slugs]
    curie = _CURIE.fullmatch(value)
    if curie and curie[1] in prefixes:
        return [prefixes[curie[1]] + curie[2]]
    if _IRI.fullmatch(value):
        return [value]
    return []


def _members(store, where: str, request: Request) -> list[str]:
    """The IRIs of the page's members, sorted by their English label (else any label, else
    the IRI), case-insensitively."""
    label = "|".join(f"<{p}>" for p in LABELS)
    order = "DESC(?key) DESC(?s)" if request.sort.startswith("-") else "?key ?s"
    offset = (request.page - 1) * request.limit
    query = (
        "SELECT ?s ?key WHERE { { SELECT ?s (MIN(?k) AS ?k0) WHERE { "
        f"{where} OPTIONAL {{ ?s {label} ?l FILTER(isLiteral(?l)) }} "
        'BIND(IF(BOUND(?l), CONCAT(IF(langMatches(lang(?l), "en"), "0", "1"), LCASE(STR(?l))), '
        'CONCAT("2", STR(?s))) AS ?k) } GROUP BY ?s } '
        "BIND(SUBSTR(?k0, 2) AS ?key) } "
        f"ORDER BY {order} LIMIT {request.limit} OFFSET {offset}"
    )
    return [row["s"].value for row in store.query(query)]


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


def _count_facets(store, kind, request, where, facets, *, base, prefixes) -> None:
    rows = store.query(
        f"SELECT ?f ?v (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} {_facet_union(kind)} }} "
        "GROUP BY ?f ?v"
    )
    for row in rows:
        term = row["v"]
        if not isinstance(term, ox.NamedNode | ox.Literal):
            continue
        counts = facets[int(row["f"].value)]
        token = value_token(term, base=base, prefixes=prefixes)
        counts.values.append(
            FacetValue(
                token, term, int(row["n"].value), token in request.selected(counts.facet.key)
            )
        )
    for counts in facets:
        counts.values.sort(key=lambda v: (-v.count, v.token))
        shown = [v for i, v in enumerate(counts.values) if i < FACET_VALUES or v.selected]
        counts.hidden = len(counts.values) - len(shown)
        counts.values = shown


def _labels(store, iris: set[str]) -> dict[str, list[tuple[str, ox.Literal]]]:
    found: dict[str, list[tuple[str, ox.Literal]]] = {}
    ranked = sorted(iris)
    rows = store.query(
        f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {_iris(ranked)} }} "
        f"VALUES ?p {{ {' '.join(f'<{p}>' for p in LABELS)} }} ?s ?p ?l FILTER(isLiteral(?l)) }}"
    )
    for row in rows:
        found.setdefault(row["s"].value, []).append((row["p"].value, row["l"]))
    for labels in found.values():
        labels.sort(key=lambda pl: (LABELS.index(pl[0]), pl[1].language or "", pl[1].value))
    return found


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


def _label_key(labels, term) -> str:
    if isinstance(term, ox.NamedNode):
        found = labels.get(term.value)
        return found[0][1].value.casefold() if found else term.value
    return term.value


def _iris(iris) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _string(text: str) -> str:
    """``text`` as a SPARQL string literal (every character that could end it escaped)."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


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
