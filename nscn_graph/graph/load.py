"""Loading RDF files into the embedded store, with typed errors that say where.

Files are parsed with pyoxigraph (fast, and its syntax errors carry line and column). The loaded
graph remembers which file each subject was described in, so that a validation report can name
the file an editor has to open.

TriG and N-Quads files hold named graphs, one per source record. The loaded store keeps them
as named graphs and holds their union, the merged graph, as its default graph (one copy of
each triple, whatever the number of graphs it is in): what every caller of
:meth:`LoadedGraph.triples` and every query that names no graph sees, as before. The
quad-aware API is :meth:`LoadedGraph.quads` (the named graphs) and :meth:`LoadedGraph.dataset`
(the union and the named graphs, as stores are written), and :meth:`LoadedGraph.files_of`
with a graph says which files put a subject in which graph.
"""

from __future__ import annotations

import json
import xml.parsers.expat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib

from nscn_graph import formats
from nscn_graph.errors import InputError, RdfSyntaxError
from nscn_graph.namespaces import DEFAULT_BASE, rebase

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


#: The key of the default graph in :attr:`LoadedGraph.placed`.
DEFAULT = ""


@dataclass
class LoadedGraph:
    """Triples read from some files, in a pyoxigraph store, with each subject's file(s).

    The store's default graph is the union of everything read (the merged graph); each named
    graph of a TriG or N-Quads file is also kept as that named graph."""

    files: list[Path]
    store: ox.Store
    subject_files: dict[str, set[str]] = field(default_factory=dict)
    #: (subject key, graph IRI or :data:`DEFAULT`) -> the files that put the subject there
    placed: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _rdflib: rdflib.Graph | None = None

    def __len__(self) -> int:
        """The number of triples of the merged graph."""
        return sum(1 for _ in self.triples())

    def triples(self) -> Iterable[ox.Triple]:
        """The merged graph: every triple read, once."""
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            yield quad.triple

    def quads(self) -> Iterable[ox.Quad]:
        """The statements of the named graphs (the source records), each with its graph."""
        for quad in self.store:
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                yield quad

    def dataset(self) -> Iterable[ox.Quad]:
        """What a store is written with: the merged graph as the default graph, then the
        named graphs."""
        yield from self.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        yield from self.quads()

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def files_of(self, term: str, graph: str | None = None) -> list[str]:
        """The files in which ``term`` (an IRI or blank node id) is a subject; given
        ``graph`` (an IRI, or :data:`DEFAULT` for statements in no named graph), those that
        put it in that graph."""
        if graph is None:
            return sorted(self.subject_files.get(term, ()))
        return sorted(self.placed.get((term, graph), ()))

    def to_rdflib(self) -> rdflib.Graph:
        """The same triples as an rdflib graph (built once, on first use)."""
        if self._rdflib is None:
            graph = rdflib.Graph()
            for triple in self.triples():
                graph.add(tuple(to_rdflib(t) for t in triple))  # type: ignore[arg-type]
            self._rdflib = graph
        return self._rdflib


def parse_file(
    path: Path, *, base: str = DEFAULT_BASE, fmt: formats.Format | None = None
) -> list[ox.Triple]:
    """The triples of one RDF file (of every graph of a TriG or N-Quads file);
    :class:`InputError` if it is missing or unparseable."""
    return [quad.triple for quad in parse_file_quads(path, base=base, fmt=fmt)]


def parse_file_quads(
    path: Path, *, base: str = DEFAULT_BASE, fmt: formats.Format | None = None
) -> list[ox.Quad]:
    """The statements of one RDF file, each in its graph (the default graph for the graph
    formats); :class:`InputError` if it is missing or unparseable."""
    fmt = fmt or formats.for_path(path.name)
    if fmt is None:
        raise InputError(
            "unknown RDF file type; use .ttl, .nt, .jsonld, .rdf, .trig or .nq", file=str(path)
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=str(path)) from None
    return parse_bytes_quads(data, fmt, base=base, name=str(path))


def parse_bytes(
    data: bytes, fmt: formats.Format, *, base: str = DEFAULT_BASE, name: str | None = None
) -> list[ox.Triple]:
    """The triples of an RDF document; :class:`RdfSyntaxError` with line and column if bad."""
    return [quad.triple for quad in parse_bytes_quads(data, fmt, base=base, name=name)]


def parse_bytes_quads(
    data: bytes, fmt: formats.Format, *, base: str = DEFAULT_BASE, name: str | None = None
) -> list[ox.Quad]:
    """The statements of an RDF document with their graphs (named graphs only in TriG and
    N-Quads); :class:`RdfSyntaxError` with line and column if bad."""
    assert isinstance(fmt.oxigraph, ox.RdfFormat), fmt
    if fmt is formats.RDFXML and b"<!ENTITY" in data:
        _check_entity_expansion(data, name)
    if fmt is formats.JSONLD:
        _check_json_depth(data, name)
    named = fmt in formats.DATASET_FORMATS
    try:
        quads = list(
            ox.parse(data, format=fmt.oxigraph, base_iri=base, without_named_graphs=not named)
        )
    except SyntaxError as exc:
        line, column = exc.lineno, exc.offset
        if line is None and fmt is formats.RDFXML:
            line, column = _xml_position(data)
        raise RdfSyntaxError(
            _strip_position(exc.msg), file=name, line=line, column=column
        ) from None
    if base != DEFAULT_BASE:
        quads = [rebase_quad(q, base) for q in quads]
    return quads


def load(paths: Sequence[Path], *, base: str = DEFAULT_BASE) -> LoadedGraph:
    """Parse ``paths`` into one dataset (the merged graph as its default graph, the named
    graphs kept), remembering where each subject comes from."""
    loaded = LoadedGraph(list(paths), ox.Store())
    for path in paths:
        _add(loaded, parse_file_quads(path, base=base), str(path))
    return loaded


def _add(loaded: LoadedGraph, quads: Iterable[ox.Quad], shown: str) -> None:
    """Add ``quads`` read from the file ``shown`` (named, and merged into the default graph)."""
    quads = list(quads)
    loaded.store.bulk_extend(quads)
    loaded.store.bulk_extend(
        ox.Quad(*q.triple) for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)
    )
    for q in quads:
        subject = _key(q.subject)
        loaded.subject_files.setdefault(subject, set()).add(shown)
        loaded.placed.setdefault((subject, _graph_key(q.graph_name)), set()).add(shown)


def _graph_key(graph) -> str:
    return DEFAULT if isinstance(graph, ox.DefaultGraph) else graph.value


def _xml_position(data: bytes) -> tuple[int | None, int | None]:
    """Where an ill-formed XML document breaks (pyoxigraph's RDF/XML errors carry no position).
    expat reads only the bytes given: it resolves no external entity."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        return exc.lineno, exc.offset + 1
    return None, None


def _check_json_depth(data: bytes, name: str | None) -> None:
    """Refuse JSON nested so deep that pyoxigraph's JSON-LD parser would overflow its stack
    (a few thousand levels kill the whole process with SIGSEGV). Python's own JSON parser
    reads it first and stops with ``RecursionError`` at the interpreter's recursion limit
    (about a thousand levels, far beyond any real document); JSON that does not parse is left
    to pyoxigraph, whose message has the line and column."""
    try:
        json.loads(data)
    except RecursionError:
        raise RdfSyntaxError(
            "the JSON-LD document nests objects or arrays too deeply", file=name
        ) from None
    except ValueError:
        return


#: How much larger than its bytes an RDF/XML document may grow when its entities are expanded.
ENTITY_EXPANSION = 10
ENTITY_EXPANSION_FLOOR = 1 << 20


class _TooBig(Exception):
    pass


def _check_entity_expansion(data: bytes, name: str | None) -> None:
    """Refuse RDF/XML whose internal entities expand it enormously ("billion laughs").

    pyoxigraph expands internal entities without a bound: a 1 kB document can become gigabytes
    in memory. expat reads the document first (it resolves no external entity, and stops
    amplification of its own past its limits) and counts the text and attribute values it
    delivers; past ``ENTITY_EXPANSION`` times the document's size the document is refused."""
    limit = max(ENTITY_EXPANSION * len(data), ENTITY_EXPANSION_FLOOR)
    seen = 0

    def count(size: int) -> None:
        nonlocal seen
        seen += size
        if seen > limit:
            raise _TooBig

    parser = xml.parsers.expat.ParserCreate()
    parser.CharacterDataHandler = lambda text: count(len(text))
    parser.StartElementHandler = lambda _tag, attrs: count(sum(map(len, attrs.values())))
    try:
        parser.Parse(data, True)
    except _TooBig:
        pass
    except xml.parsers.expat.ExpatError as exc:
        if "amplification" not in str(exc):
            return  # an ordinary syntax error: the RDF/XML parser reports it
    else:
        return
    raise RdfSyntaxError(
        f"the document's XML entities expand it beyond {limit} bytes; "
        "declare no entities that repeat other entities",
        file=name,
    )


def _strip_position(message: str) -> str:
    """pyoxigraph's message without its own "Parser error at line ..." prefix."""
    head, sep, rest = message.partition(": ")
    return rest if sep and head.startswith("Parser error at line") else message


def _key(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode) else str(term)


def rebase_triple(triple: ox.Triple, base: str) -> ox.Triple:
    return ox.Triple(*(_rebase(t, base) for t in triple))


def rebase_quad(quad: ox.Quad, base: str) -> ox.Quad:
    return ox.Quad(*(_rebase(t, base) for t in quad.triple), _rebase(quad.graph_name, base))


def _rebase(term, base: str):
    if isinstance(term, ox.NamedNode) and term.value.startswith(DEFAULT_BASE):
        return ox.NamedNode(rebase(term.value, base))
    return term


def to_rdflib(term) -> rdflib.term.Node:
    """A pyoxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:  # RDF 1.1 simple literal: rdflib's plain form
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"RDF-star terms are not supported: {term}")


def load_in_context(
    files: Sequence[Path], context: Sequence[Path], *, base: str = DEFAULT_BASE
) -> LoadedGraph:
    """``files`` together with the ``context`` files they belong with (the bundled data).

    What ``files`` say replaces what the context says: a context file with the same name as a
    given file is left out, and so is every context triple whose subject a given file
    describes. An edited copy of ``data/cities.ttl`` is thus checked as if it were in place.
    """
    loaded = load(files, base=base)
    names = {p.name for p in files}
    given = {p.resolve() for p in files}
    rest = [p for p in context if p.name not in names and p.resolve() not in given]
    add_context(loaded, [(str(p), p) for p in rest], base=base)
    return loaded


def add_context(
    loaded: LoadedGraph, context: Sequence[tuple[str, Path]], *, base: str = DEFAULT_BASE
) -> None:
    """Add the triples of the ``context`` files (``(name shown in reports, path)``) to
    ``loaded``, except those whose subject ``loaded`` already describes."""
    described = set(loaded.subject_files)
    for shown, path in context:
        quads = parse_file_quads(path, base=base)
        _add(loaded, (q for q in quads if _key(q.subject) not in described), shown)
    loaded._rdflib = None
    loaded.files = [*loaded.files, *(Path(shown) for shown, _ in context)]


def key_of(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """The key :attr:`LoadedGraph.subject_files` uses for a subject."""
    return _key(term)
