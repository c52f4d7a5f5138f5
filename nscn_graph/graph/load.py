"""Loading RDF files into the embedded store, with typed errors that say where.

Files are parsed with pyoxigraph (fast, and its syntax errors carry line and column). The loaded
graph remembers which file each subject was described in, so that a validation report can name
the file an editor has to open.
"""

from __future__ import annotations

import json
import xml.parsers.expat
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib

from nscn_graph import formats
from nscn_graph.errors import InputError, RdfSyntaxError
from nscn_graph.namespaces import DEFAULT_BASE, rebase

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class LoadedGraph:
    """Triples read from some files, in a pyoxigraph store, with each subject's file(s)."""

    files: list[Path]
    store: ox.Store
    subject_files: dict[str, set[str]] = field(default_factory=dict)
    _rdflib: rdflib.Graph | None = None

    def __len__(self) -> int:
        return len(self.store)

    def triples(self) -> Iterable[ox.Triple]:
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            yield quad.triple

    def files_of(self, term: str) -> list[str]:
        """The files in which ``term`` (an IRI or blank node id) is a subject."""
        return sorted(self.subject_files.get(term, ()))

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
    """The triples of one RDF file; :class:`InputError` if it is missing or unparseable."""
    fmt = fmt or formats.for_path(path.name)
    if fmt is None:
        raise InputError("unknown RDF file type; use .ttl, .nt, .jsonld or .rdf", file=str(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=str(path)) from None
    return parse_bytes(data, fmt, base=base, name=str(path))


def parse_bytes(
    data: bytes, fmt: formats.Format, *, base: str = DEFAULT_BASE, name: str | None = None
) -> list[ox.Triple]:
    """The triples of an RDF document; :class:`RdfSyntaxError` with line and column if bad."""
    assert isinstance(fmt.oxigraph, ox.RdfFormat), fmt
    if fmt is formats.RDFXML and b"<!ENTITY" in data:
        _check_entity_expansion(data, name)
    if fmt is formats.JSONLD:
        _check_json_depth(data, name)
    try:
        quads = ox.parse(data, format=fmt.oxigraph, base_iri=base, without_named_graphs=True)
        triples = [quad.triple for quad in quads]
    except SyntaxError as exc:
        line, column = exc.lineno, exc.offset
        if line is None and fmt is formats.RDFXML:
            line, column = _xml_position(data)
        raise RdfSyntaxError(
            _strip_position(exc.msg), file=name, line=line, column=column
        ) from None
    if base != DEFAULT_BASE:
        triples = [rebase_triple(t, base) for t in triples]
    return triples


def load(paths: Sequence[Path], *, base: str = DEFAULT_BASE) -> LoadedGraph:
    """Parse ``paths`` into one default graph, remembering where each subject comes from."""
    store = ox.Store()
    subject_files: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        triples = parse_file(path, base=base)
        store.bulk_extend(ox.Quad(*t) for t in triples)
        for t in triples:
            subject_files[_key(t.subject)].add(str(path))
    return LoadedGraph(list(paths), store, dict(subject_files))


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
        for triple in parse_file(path, base=base):
            subject = _key(triple.subject)
            if subject in described:
                continue
            loaded.store.add(ox.Quad(*triple))
            loaded.subject_files.setdefault(subject, set()).add(shown)
    loaded.files = [*loaded.files, *(Path(shown) for shown, _ in context)]


def key_of(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """The key :attr:`LoadedGraph.subject_files` uses for a subject."""
    return _key(term)
