"""Formats the project reads and writes, each knowing its media types, names and extension.

The one table of formats: RDF serialisations, SPARQL query results, and the few other forms the
server answers in (HTML pages, JSON, problem details). Content negotiation (every route), the
``/sparql`` ``format=`` parameter, the CLI's ``--format`` choices and the dump names are all
derived from it. The order of each tuple is the server's preference (Turtle first, as schema.org
and W3C DCAT serve their vocabularies).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox


@dataclass(frozen=True, eq=False)  # each format is one object: compared and hashed by identity
class Format:
    name: str  #: short name used on the command line and in settings
    media_type: str  #: the media type sent in ``Content-Type``
    extension: str  #: file suffix without the dot
    label: str  #: a human name
    rdflib: str | None = None  #: rdflib plugin name, when rdflib handles it
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None = None
    aliases: tuple[str, ...] = field(default=())  #: other media types accepted for it
    #: other short names a ``format=`` parameter may use (as Fuseki, Virtuoso, SPARQLWrapper)
    names: tuple[str, ...] = field(default=())
    #: media types that choose this form when named exactly in ``Accept`` but are not its name
    #: (``application/json`` gets JSON-LD wherever JSON-LD is offered)
    also_accepted: tuple[str, ...] = field(default=())

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def content_type(self) -> str:
        """``Content-Type`` value: text formats carry ``charset=utf-8``."""
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("+xml", "+json", "/json", "/ld+json", "/n-triples")
        )
        textual = textual or self.media_type in ("application/trig", "application/n-quads")
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


TURTLE = Format(
    "turtle",
    "text/turtle",
    "ttl",
    "Turtle",
    "turtle",
    ox.RdfFormat.TURTLE,
    ("application/x-turtle",),
    names=("ttl", "n3"),  # Turtle is N3 without its extensions
)
JSONLD = Format(
    "json-ld",
    "application/ld+json",
    "jsonld",
    "JSON-LD",
    "json-ld",
    ox.RdfFormat.JSON_LD,
    names=("json",),
    also_accepted=("application/json",),
)
NTRIPLES = Format(
    "n-triples",
    "application/n-triples",
    "nt",
    "N-Triples",
    "nt",
    ox.RdfFormat.N_TRIPLES,
    ("text/plain",),
    names=("ntriples", "nt"),
)
RDFXML = Format(
    "rdf-xml",
    "application/rdf+xml",
    "rdf",
    "RDF/XML",
    "xml",
    ox.RdfFormat.RDF_XML,
    names=("rdfxml", "rdf+xml", "xml"),
)

#: RDF serialisations, in the server's order of preference.
RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML)

TRIG = Format(
    "trig",
    "application/trig",
    "trig",
    "TriG",
    "trig",
    ox.RdfFormat.TRIG,
)
NQUADS = Format(
    "n-quads",
    "application/n-quads",
    "nq",
    "N-Quads",
    "nquads",
    ox.RdfFormat.N_QUADS,
    names=("nquads", "nq"),
)

#: RDF dataset serialisations: the named graphs (one per source record) beside the default
#: graph; what the graph formats above carry is the merged graph.
DATASET_FORMATS: tuple[Format, ...] = (TRIG, NQUADS)
#: Every RDF form a file may be read from.
READABLE_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, *DATASET_FORMATS)

SPARQL_JSON = Format(
    "json",
    "application/sparql-results+json",
    "srj",
    "SPARQL results JSON",
    None,
    ox.QueryResultsFormat.JSON,
    ("application/json",),
    names=("srj", "sparql-results+json"),
)
SPARQL_XML = Format(
    "xml",
    "application/sparql-results+xml",
    "srx",
    "SPARQL results XML",
    None,
    ox.QueryResultsFormat.XML,
    ("application/xml",),
    names=("srx", "sparql-results+xml"),
)
SPARQL_CSV = Format("csv", "text/csv", "csv", "CSV", None, ox.QueryResultsFormat.CSV)
SPARQL_TSV = Format(
    "tsv", "text/tab-separated-values", "tsv", "TSV", None, ox.QueryResultsFormat.TSV
)

#: SPARQL SELECT/ASK result formats, in the server's order of preference.
RESULT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)


def by_name(
    name: str, table: tuple[Format, ...] = RDF_FORMATS + DATASET_FORMATS + RESULT_FORMATS
) -> Format:
    """The format called ``name`` (or with that extension or media type)."""
    key = name.lower()
    for fmt in table:
        if key in (fmt.name, fmt.extension, *fmt.media_types):
            return fmt
    raise KeyError(name)


def named(value: str, table: tuple[Format, ...]) -> Format | None:
    """The format of ``table`` that a ``format=`` parameter value names: a short name
    (``csv``, ``turtle``, ``jsonld``, ``rdfxml``...), a suffix, or a media type (its parameters
    ignored); ``None`` if none does. Names are read within one table, so ``json`` is SPARQL
    results JSON among results and JSON-LD among graphs."""
    key = value.split(";", 1)[0].strip().lower()
    if not key:
        return None
    for fmt in table:
        if key in (fmt.name, fmt.extension, *fmt.names, *fmt.media_types, *fmt.also_accepted):
            return fmt
    return None


def by_extension(extension: str, table: tuple[Format, ...] = RDF_FORMATS) -> Format | None:
    """The format whose file suffix is ``extension`` (without the dot), or ``None``."""
    for fmt in table:
        if fmt.extension == extension.lower():
            return fmt
    return None


def for_path(path: str, table: tuple[Format, ...] = READABLE_FORMATS) -> Format | None:
    """The RDF format of a file, from its suffix (``.ttl``, ``.nt``, ``.jsonld``, ``.rdf``,
    ``.trig``, ``.nq``...)."""
    name = path.lower()
    extra = {"owl": RDFXML, "xml": RDFXML, "json": JSONLD, "n3": TURTLE}
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return by_extension(suffix, table) or extra.get(suffix)


#: A page for people: offered beside the RDF formats wherever a document is negotiated.
HTML = Format("html", "text/html", "html", "HTML", aliases=("application/xhtml+xml",))
#: Plain JSON (the dump list, the validation report as ``nscn-graph validate`` prints it).
JSON = Format("json", "application/json", "json", "JSON")
#: RFC 9457 problem details: how errors answer machines (browsers get an HTML page).
PROBLEM = Format("problem", "application/problem+json", "json", "Problem details")

#: The forms of a document about a thing (``/doc/…``), in the server's order of preference:
#: Turtle wins ties and ``*/*``; a browser's ``text/html`` wins on its q-value.
DOCUMENT_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)
#: The forms of a document about a thing (``/doc/…``): the same, and TriG and N-Quads, which
#: carry the graphs (source records) of the thing's statements.
THING_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, *DATASET_FORMATS, HTML)
#: The forms of an error: problem details for machines (and for ``*/*``), a page for browsers.
ERROR_FORMATS: tuple[Format, ...] = (PROBLEM, HTML)
