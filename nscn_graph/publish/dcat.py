"""The DCAT-AP 3.0.1 catalogue record of the dataset (https://semiceu.github.io/DCAT-AP/):
a ``dcat:Catalog`` listing the ``dcat:Dataset``, one ``dcat:Distribution`` per dump and a
``dcat:DataService`` for the SPARQL endpoint, as open-data portals (data.europa.eu, the Nordic
national portals) harvest it.

Controlled values come from the EU Vocabularies (file types, languages, countries, data themes)
and IANA media types. Languages and countries are read from the data; every node a DCAT-AP
range constraint points at carries its ``rdf:type``, so that the official SHACL shapes pass
without inference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import rdflib
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from nscn_graph import formats
from nscn_graph.namespaces import DCAT, DEFAULT_BASE, SPDX, VCARD
from nscn_graph.publish import metadata
from nscn_graph.publish.metadata import Queryable
from nscn_graph.publish.release import PATCH_SPEC, Release
from nscn_graph.publish.release import iri as release_iri

EU = metadata.EU

#: BCP 47 language tags of the data -> EU Vocabularies language codes.
LANGUAGES = {
    "en": "ENG",
    "da": "DAN",
    "nb": "NOB",
    "nn": "NNO",
    "no": "NOR",
    "sv": "SWE",
    "fi": "FIN",
    "is": "ISL",
    "se": "SME",
    "fo": "FAO",
    "kl": "KAL",
    "de": "DEU",
}
LANGUAGE_NAMES = {
    "ENG": "English",
    "DAN": "Danish",
    "NOB": "Norwegian Bokmål",
    "NNO": "Norwegian Nynorsk",
    "NOR": "Norwegian",
    "SWE": "Swedish",
    "FIN": "Finnish",
    "ISL": "Icelandic",
    "SME": "Northern Sami",
    "FAO": "Faroese",
    "KAL": "Greenlandic",
    "DEU": "German",
}
#: EU data themes (https://op.europa.eu/en/web/eu-vocabularies/concept-scheme/-/resource?uri=
#: http://publications.europa.eu/resource/authority/data-theme).
THEMES = {
    "REGI": "Regions and cities",
    "TECH": "Science and technology",
    "GOVE": "Government and public sector",
}
DATA_THEME_SCHEME = EU + "data-theme"

_LANGUAGES = (
    "SELECT DISTINCT (LANG(?o) AS ?tag) WHERE { ?s ?p ?o FILTER(isLiteral(?o) && LANG(?o) != '') }"
)
_COUNTRIES = """
SELECT ?code ?label WHERE {
  ?c a ?class ; ?alpha3 ?code . OPTIONAL { ?c ?label_p ?label FILTER(lang(?label) = "en") }
} ORDER BY ?code
"""
_HOMEPAGE = "SELECT ?h WHERE { ?publisher <http://xmlns.com/foaf/0.1/homepage> ?h } LIMIT 1"


def languages(store: Queryable) -> list[str]:
    """EU language codes of the language-tagged literals in the data (English first)."""
    codes = set()
    for row in store.query(_LANGUAGES):
        primary = row["tag"].value.lower().split("-")[0]
        if primary in LANGUAGES:
            codes.add(LANGUAGES[primary])
    return sorted(codes, key=lambda c: (c != "ENG", c))


def countries(store: Queryable, *, base: str = DEFAULT_BASE) -> list[tuple[str, str]]:
    """(ISO 3166 alpha-3 code, English name) of the countries the data describes."""
    query = (
        _COUNTRIES.replace("?class", f"<{base}ontology#Country>")
        .replace("?alpha3", f"<{base}ontology#iso3166Alpha3>")
        .replace("?label_p", "<http://www.w3.org/2000/01/rdf-schema#label>")
    )
    found: dict[str, str] = {}
    for row in store.query(query):
        code = row["code"].value.upper()
        label = row["label"].value if row["label"] is not None else code
        found.setdefault(code, label)
    return sorted(found.items())


def publisher_homepage(store: Queryable, *, base: str = DEFAULT_BASE) -> str | None:
    query = _HOMEPAGE.replace("?publisher", f"<{metadata.publisher_iri(base)}>")
    for row in store.query(query):
        return row["h"].value
    return None


def catalog_graph(
    store: Queryable,
    dumps: Sequence[metadata.DumpInfo],
    *,
    base: str,
    links: str,
    modified: str,
    version: str,
) -> rdflib.Graph:
    """The DCAT-AP catalogue; links to the server are under ``links``."""
    graph = metadata.new_graph()
    graph.bind("dcatap", rdflib.Namespace("http://data.europa.eu/r5r/"))
    en = "en"
    catalog = metadata.catalog_iri(base)
    ds = metadata.dataset_iri(base)
    service = rdflib.URIRef(base + "catalog#sparql")
    contact = rdflib.URIRef(base + "catalog#contact")
    homepage = metadata.typed(graph, links, FOAF.Document)
    licence = rdflib.URIRef(metadata.LICENCE)
    publisher = metadata.publisher_iri(base)
    langs = [
        metadata.typed(graph, f"{EU}language/{code}", DCTERMS.LinguisticSystem)
        for code in languages(store)
    ]
    for node in langs:
        code = str(node).rsplit("/", 1)[1]
        graph.add((node, RDFS.label, rdflib.Literal(LANGUAGE_NAMES[code], lang=en)))
    places = []
    for code, label in countries(store, base=base):
        node = metadata.typed(graph, f"{EU}country/{code}", DCTERMS.Location)
        graph.add((node, RDFS.label, rdflib.Literal(label, lang=en)))
        places.append(node)

    # The catalogue.
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add(
        (catalog, DCTERMS.title, rdflib.Literal(f"Catalogue of the {metadata.TITLE}", lang=en))
    )
    graph.add(
        (
            catalog,
            DCTERMS.description,
            rdflib.Literal(
                "The datasets and data services that nscn-graph publishes about the Nordic "
                "Smart City Network.",
                lang=en,
            ),
        )
    )
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCTERMS.license, licence))
    graph.add((catalog, DCTERMS.modified, rdflib.Literal(modified, datatype=XSD.dateTime)))
    graph.add((catalog, FOAF.homepage, homepage))
    for node in langs:
        graph.add((catalog, DCTERMS.language, node))
    for node in places:
        graph.add((catalog, DCTERMS.spatial, node))
    scheme = metadata.typed(graph, DATA_THEME_SCHEME, SKOS.ConceptScheme)
    graph.add((scheme, DCTERMS.title, rdflib.Literal("Data theme", lang=en)))
    graph.add((catalog, DCAT.themeTaxonomy, scheme))
    graph.add((catalog, DCAT.dataset, ds))
    graph.add((catalog, DCAT.service, service))

    # The dataset.
    graph.add((ds, RDF.type, DCAT.Dataset))
    metadata.describe_common(graph, ds, base=base, modified=modified, version=version)
    graph.add((ds, DCTERMS.identifier, rdflib.Literal(str(ds))))
    graph.add((ds, DCAT.landingPage, homepage))
    graph.add((ds, DCAT.contactPoint, contact))
    for node in langs:
        graph.add((ds, DCTERMS.language, node))
    for node in places:
        graph.add((ds, DCTERMS.spatial, node))
    for code, label in THEMES.items():
        theme = metadata.concept(graph, rdflib.URIRef(f"{EU}data-theme/{code}"), label)
        graph.add((theme, SKOS.inScheme, scheme))
        graph.add((ds, DCAT.theme, theme))
    for keyword in metadata.KEYWORDS:
        graph.add((ds, DCAT.keyword, rdflib.Literal(keyword, lang=en)))

    # The contact point: the network, through its website (from the data).
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, rdflib.Literal(metadata.PUBLISHER_NAME, lang=en)))
    website = publisher_homepage(store, base=base)
    if website:
        graph.add((contact, VCARD.hasURL, rdflib.URIRef(website)))

    # One distribution per dump.
    sha256 = metadata.typed(graph, str(SPDX.checksumAlgorithm_sha256), SPDX.ChecksumAlgorithm)
    for dump in dumps:
        node = rdflib.URIRef(f"{ds}#dump-{dump.format.name}")
        url = rdflib.URIRef(dump.url(links))
        graph.add((ds, DCAT.distribution, node))
        graph.add((node, RDF.type, DCAT.Distribution))
        graph.add((node, DCTERMS.title, rdflib.Literal(f"{dump.label} dump", lang=en)))
        graph.add(
            (
                node,
                DCTERMS.description,
                rdflib.Literal(
                    f"The whole graph, release {version}, as one {dump.label} file"
                    + (
                        ", with a named graph per source record (prov:wasDerivedFrom its source)."
                        if dump.format in formats.DATASET_FORMATS
                        else "."
                    ),
                    lang=en,
                ),
            )
        )
        graph.add((node, DCAT.accessURL, url))
        graph.add((node, DCAT.downloadURL, url))
        media = metadata.typed(graph, metadata.IANA + dump.format.media_type, DCTERMS.MediaType)
        graph.add((node, DCAT.mediaType, media))
        if dump.gzipped:
            gzip = metadata.typed(graph, metadata.GZIP, DCTERMS.MediaType)
            graph.add((node, DCAT.compressFormat, gzip))
        file_type = metadata.typed(
            graph, metadata.FILE_TYPES[dump.format.name], DCTERMS.MediaTypeOrExtent
        )
        graph.add((node, DCTERMS.format, file_type))
        standard = metadata.typed(graph, metadata.STANDARDS[dump.format.name], DCTERMS.Standard)
        graph.add((node, DCTERMS.conformsTo, standard))
        graph.add((node, DCAT.byteSize, rdflib.Literal(dump.size, datatype=XSD.nonNegativeInteger)))
        checksum = rdflib.BNode()
        graph.add((node, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, sha256))
        graph.add(
            (checksum, SPDX.checksumValue, rdflib.Literal(dump.sha256, datatype=XSD.hexBinary))
        )
        graph.add((node, DCTERMS.license, licence))
        graph.add((node, DCTERMS.modified, rdflib.Literal(modified, datatype=XSD.dateTime)))

    # The SPARQL endpoint.
    endpoint = metadata.typed(graph, links + "sparql", RDFS.Resource)
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, rdflib.Literal("SPARQL endpoint", lang=en)))
    graph.add(
        (
            service,
            DCTERMS.description,
            rdflib.Literal(
                f"SPARQL 1.1 Protocol query endpoint (read-only) over the {metadata.TITLE}. "
                "A GET without a query returns its SPARQL 1.1 Service Description.",
                lang=en,
            ),
        )
    )
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, DCAT.endpointDescription, endpoint))
    graph.add((service, DCAT.servesDataset, ds))
    protocol = metadata.typed(graph, "http://www.w3.org/TR/sparql11-protocol/", DCTERMS.Standard)
    graph.add((service, DCTERMS.conformsTo, protocol))
    graph.add((service, DCTERMS.license, licence))
    graph.add((service, DCTERMS.publisher, publisher))
    graph.add((service, DCAT.contactPoint, contact))
    for keyword in ("SPARQL", "linked open data"):
        graph.add((service, DCAT.keyword, rdflib.Literal(keyword, lang=en)))
    return graph


# --- data releases (nscn_graph.publish.release): DCAT 3 versioning -------------------------

ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")


@dataclass(frozen=True)
class ReleaseInfo:
    """One release as the catalogue lists it: its record, its dumps, and its changes (file
    name, bytes, SHA-256) when it has a release before it."""

    release: Release
    dumps: Sequence[metadata.DumpInfo]
    changes: tuple[str, int, str] | None = None


def add_releases(
    graph: rdflib.Graph, releases: Sequence[ReleaseInfo], *, base: str, links: str
) -> None:
    """Each release as its own ``dcat:Dataset`` (DCAT 3 §11, versioning): ``dcat:version``,
    ``dcterms:issued``, ``adms:versionNotes``, its immutable dumps and its changes (an RDF
    Patch) as distributions; the dataset ``dcat:hasVersion`` each, each ``dcat:isVersionOf`` the
    dataset and ``dcat:previousVersion`` the one before; the newest is the dataset's
    ``dcat:hasCurrentVersion``."""
    if not releases:
        return
    graph.bind("adms", ADMS)
    en = "en"
    ds = metadata.dataset_iri(base)
    catalog = metadata.catalog_iri(base)
    licence = rdflib.URIRef(metadata.LICENCE)
    contact = rdflib.URIRef(base + "catalog#contact")
    sha256 = metadata.typed(graph, str(SPDX.checksumAlgorithm_sha256), SPDX.ChecksumAlgorithm)
    for info in releases:
        item = info.release
        node = rdflib.URIRef(release_iri(base, item.version))
        issued = rdflib.Literal(item.issued, datatype=XSD.dateTime)
        graph.add((catalog, DCAT.dataset, node))
        graph.add((ds, DCAT.hasVersion, node))
        graph.add((node, RDF.type, DCAT.Dataset))
        graph.add((node, DCAT.isVersionOf, ds))
        graph.add(
            (
                node,
                DCTERMS.title,
                rdflib.Literal(f"{metadata.TITLE}, release {item.version}", lang=en),
            )
        )
        graph.add(
            (
                node,
                DCTERMS.description,
                rdflib.Literal(
                    f"Release {item.version} of the {metadata.TITLE}, issued {item.date}: "
                    f"{item.statements} statements, frozen; its dumps never change.",
                    lang=en,
                ),
            )
        )
        graph.add((node, DCTERMS.identifier, rdflib.Literal(str(node))))
        graph.add((node, DCAT.version, rdflib.Literal(item.version)))
        graph.add((node, DCTERMS.issued, issued))
        graph.add((node, DCTERMS.modified, issued))
        notes = item.notes
        if item.previous is not None:
            notes += (
                f" ({item.added} statements added, {item.removed} removed since {item.previous}.)"
            )
        graph.add((node, ADMS.versionNotes, rdflib.Literal(notes, lang=en)))
        graph.add((node, DCTERMS.license, licence))
        graph.add((node, DCTERMS.publisher, metadata.publisher_iri(base)))
        graph.add((node, DCTERMS.creator, metadata.creator_iri(base)))
        graph.add((node, DCAT.contactPoint, contact))
        if item.previous is not None:
            graph.add((node, DCAT.previousVersion, rdflib.URIRef(release_iri(base, item.previous))))
        for dump in info.dumps:
            dist = rdflib.URIRef(f"{node}#dump-{dump.format.name}")
            _distribution(graph, node, dist, dump.url(links), dump.size, dump.sha256, sha256)
            graph.add(
                (
                    dist,
                    DCTERMS.title,
                    rdflib.Literal(f"{dump.label} dump, release {item.version}", lang=en),
                )
            )
            media = metadata.typed(graph, metadata.IANA + dump.format.media_type, DCTERMS.MediaType)
            graph.add((dist, DCAT.mediaType, media))
            if dump.gzipped:
                graph.add(
                    (
                        dist,
                        DCAT.compressFormat,
                        metadata.typed(graph, metadata.GZIP, DCTERMS.MediaType),
                    )
                )
            file_type = metadata.typed(
                graph, metadata.FILE_TYPES[dump.format.name], DCTERMS.MediaTypeOrExtent
            )
            graph.add((dist, DCTERMS.format, file_type))
            standard = metadata.typed(graph, metadata.STANDARDS[dump.format.name], DCTERMS.Standard)
            graph.add((dist, DCTERMS.conformsTo, standard))
            graph.add((dist, DCTERMS.issued, issued))
        if info.changes is not None:
            name, size, digest = info.changes
            dist = rdflib.URIRef(f"{node}#changes")
            _distribution(graph, node, dist, f"{links}dumps/{name}", size, digest, sha256)
            graph.add(
                (
                    dist,
                    DCTERMS.title,
                    rdflib.Literal(
                        f"Changes from release {item.previous} to {item.version}", lang=en
                    ),
                )
            )
            graph.add(
                (
                    dist,
                    DCTERMS.description,
                    rdflib.Literal(
                        f"The statements removed (D) and added (A) since release {item.previous}, "
                        "as an RDF Patch of N-Quads rows.",
                        lang=en,
                    ),
                )
            )
            patch = metadata.typed(graph, PATCH_SPEC, DCTERMS.Standard)
            graph.add((dist, DCTERMS.conformsTo, patch))
            graph.add((dist, DCTERMS.issued, issued))
    newest = releases[-1].release
    graph.add((ds, DCAT.hasCurrentVersion, rdflib.URIRef(release_iri(base, newest.version))))
    graph.add(
        (ds, DCTERMS.issued, rdflib.Literal(releases[0].release.issued, datatype=XSD.dateTime))
    )


def _distribution(
    graph: rdflib.Graph,
    dataset: rdflib.URIRef,
    node: rdflib.URIRef,
    url: str,
    size: int,
    digest: str,
    algorithm: rdflib.URIRef,
) -> None:
    """What every distribution of a release has: its download URL, size, checksum, licence."""
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCAT.accessURL, rdflib.URIRef(url)))
    graph.add((node, DCAT.downloadURL, rdflib.URIRef(url)))
    graph.add((node, DCAT.byteSize, rdflib.Literal(size, datatype=XSD.nonNegativeInteger)))
    checksum = rdflib.BNode()
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, algorithm))
    graph.add((checksum, SPDX.checksumValue, rdflib.Literal(digest, datatype=XSD.hexBinary)))
    graph.add((node, DCTERMS.license, rdflib.URIRef(metadata.LICENCE)))
