"""Pages of things: the HTML says what the RDF says, names linked things by their labels in the
reader's language, embeds its data as JSON-LD and links its RDF forms."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import rdflib
from htmlpage import Page
from rdflib.compare import isomorphic

from nscn_graph import paths
from nscn_graph.publish.documents import RDF_TYPE

BASE = "https://w3id.org/nscn/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def site():
    from nscn_graph.web import create_app

    app = create_app({"TESTING": True})
    return app.extensions["nscn.linked"].documents, app.test_client()


def page(client, key: str, **headers) -> Page:
    response = client.get(f"/doc/{key}", headers={"Accept": BROWSER, **headers})
    assert response.status_code == 200, key
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def local(iri: str) -> str:
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri


def test_html_and_rdf_say_the_same_for_every_thing(site):
    """Every triple of the document is on the page: literals as text, links as links; the
    embedded JSON-LD is the same graph as the Turtle form."""
    documents, client = site
    for document in documents:
        shown = page(client, document.key)
        turtle = rdflib.Graph().parse(
            data=client.get(f"/doc/{document.key}.ttl").data, format="turtle"
        )
        assert isomorphic(shown.json_ld(), turtle), document.key
        text = html.unescape(shown.visible)
        hrefs = set(shown.hrefs)
        for triple in document.own:
            obj = triple.object
            if hasattr(obj, "language") or type(obj).__name__ == "Literal":
                assert obj.value in text, (document.key, triple)
            elif obj.value.startswith(document.iri + "#"):
                assert obj.value[len(document.iri) :] in hrefs, (document.key, triple)
            else:
                assert local(obj.value) in hrefs, (document.key, triple)
        for triple in document.inbound:
            assert local(triple.subject.value) in hrefs, (document.key, triple)


def test_linked_values_are_shown_by_label_not_by_iri(site):
    """A link is named by the linked thing's label; a link that shows the thing's values in
    place (a population figure's count) carries the label as its title."""
    documents, client = site
    for key in ("city/aarhus", "lab/aarhus-city-lab", "case/nordic-urban-living-labs"):
        shown = page(client, key)
        for href, text in shown.anchors:
            iri = BASE + href[1:] if href.startswith("/id/") else None
            if iri and documents.labels.get(iri):
                labels = {label.value for label in documents.labels[iri]}
                assert text in labels or shown.titles.get(href) in labels, (key, href, text)


def test_a_city_page_links_each_of_its_labs_and_cases(site):
    documents, client = site
    aarhus = documents.get(BASE + "id/city/aarhus")
    shown = page(client, "city/aarhus")
    nscn_city = BASE + "ontology#city"
    linking = {t.subject.value for t in aarhus.inbound if t.predicate.value == nscn_city}
    labs = {iri for iri in linking if iri.startswith(BASE + "id/lab/")}
    cases = {iri for iri in linking if iri.startswith(BASE + "id/case/")}
    assert labs and cases
    for iri in labs | cases:
        assert local(iri) in shown.hrefs
    assert "Living labs in this city" in shown.visible
    assert "Cases in this city" in shown.visible


@pytest.mark.parametrize(
    ("language", "title"),
    [
        (None, "Copenhagen"),
        ("en", "Copenhagen"),
        ("da", "København"),
        ("da-DK,da;q=0.9,en;q=0.8", "København"),
        ("fr", "Copenhagen"),
        ("fr, da;q=0.5", "København"),
        ("en;q=0.9, da", "København"),
    ],
)
def test_label_follows_accept_language_falling_back_to_english(site, language, title):
    _, client = site
    headers = {"Accept-Language": language} if language else {}
    assert page(client, "city/copenhagen", **headers).h1.strip() == title


def test_linked_labels_follow_accept_language_too(site):
    _, client = site
    shown = page(client, "city/aarhus", **{"Accept-Language": "da"})
    assert ("/id/country/denmark", "Danmark") in shown.anchors
    shown = page(client, "city/aarhus")
    assert ("/id/country/denmark", "Denmark") in shown.anchors


def test_page_varies_on_language_and_links_its_rdf_forms(site):
    _, client = site
    response = client.get("/doc/city/aarhus", headers={"Accept": BROWSER})
    assert {"Accept", "Accept-Language"} <= set(response.vary)
    shown = Page(response.get_data(as_text=True))
    assert shown.alternates == {
        "text/turtle": "/doc/city/aarhus.ttl",
        "application/ld+json": "/doc/city/aarhus.jsonld",
        "application/n-triples": "/doc/city/aarhus.nt",
        "application/rdf+xml": "/doc/city/aarhus.rdf",
        "application/trig": "/doc/city/aarhus.trig",
        "application/n-quads": "/doc/city/aarhus.nq",
    }


def test_page_shows_type_description_sources_and_identity_links(site):
    documents, client = site
    shown = page(client, "city/aarhus")
    assert ("/ontology#SmartCity", "Smart city") in shown.anchors
    assert "Danish member city of the network" in shown.visible
    assert "http://www.wikidata.org/entity/Q25319" in shown.hrefs
    assert "https://www.smartaarhus.eu/about-smart-aarhus" in shown.hrefs
    assert ("/id/source/s89", "Third-party table of places with Wikidata links") in shown.anchors
    assert "https://sws.geonames.org/2618425/" in page(client, "city/copenhagen").hrefs


def test_places_have_a_small_map(site):
    _, client = site
    city = client.get("/doc/city/tromso.html").get_data(as_text=True)
    assert '<svg class="map small"' in city and 'class="marker"' in city
    assert 'data-country="NO"' in city
    country = client.get("/doc/country/iceland.html").get_data(as_text=True)
    assert 'class="land member highlight" data-country="IS"' in country
    norway = client.get("/doc/country/norway.html").get_data(as_text=True)
    for city in ("bergen", "oslo", "stavanger", "tromso", "trondheim", "kristiansand"):
        assert f'<a href="/id/city/{city}" class="place">' in norway
    lab = client.get("/doc/lab/aarhus-city-lab.html").get_data(as_text=True)
    assert '<a href="/id/city/aarhus" class="place">' in lab
    assert "Aarhus City Lab is in Aarhus." in lab
    case = client.get("/doc/case/nordic-urban-living-labs.html").get_data(as_text=True)
    assert "<svg" not in case


def test_embedded_json_ld_cannot_close_its_script(site):
    documents, client = site
    for document in documents:
        body = client.get(f"/doc/{document.key}.html").get_data(as_text=True)
        start = body.index('<script type="application/ld+json">')
        end = body.index("</script>", start)
        assert "<" not in body[start + 35 : end]
        json.loads(body[start + 35 : end])


def test_types_of_linking_things_are_in_the_rdf_that_groups_them(site):
    documents, client = site
    graph = rdflib.Graph().parse(data=client.get("/doc/city/aarhus.ttl").data, format="turtle")
    lab = rdflib.URIRef(BASE + "id/lab/aarhus-city-lab")
    assert (lab, rdflib.URIRef(RDF_TYPE), rdflib.URIRef(BASE + "ontology#LivingLab")) in graph


def rows_of(text: str) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """The facts table: property IRI -> its values as (text, href, note)."""
    found: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for prop, cell in re.findall(r'<tr data-property="([^"]+)">.*?<td>(.*?)</td></tr>', text):
        values = []
        for item in re.findall(r"<li>(.*?)</li>", cell):
            item = re.sub(r'<sup class="source-ref">.*?</sup>', "", item)  # its footnotes
            href = re.search(r'href="([^"]+)"', item)
            note = re.search(r'<span class="note">([^<]*)</span>', item)
            shown = re.sub(r'<span class="note">[^<]*</span>', "", item)
            values.append(
                (
                    html.unescape(re.sub(r"<[^>]+>", "", shown)).strip(),
                    href[1] if href else None,
                    note[1] if note else None,
                )
            )
        found[html.unescape(prop)] = values
    return found


POPULATION = BASE + "ontology#population"


@pytest.mark.parametrize(
    ("city", "expected"),
    [
        (
            "oslo",
            [
                ("693,491", "/id/population/oslo-2020", "2020-02, municipality"),
                ("700,000", "/id/population/oslo-undated", "city, approximate"),
            ],
        ),
        (
            "aarhus",
            [
                ("335,684", "/id/population/aarhus-2017", "2017, municipality"),
                ("336,000", "/id/population/aarhus-c2018", "city, approximate"),
            ],
        ),
    ],
)
def test_city_pages_show_population_figures_in_place_newest_first(site, city, expected):
    """Each figure shows its count, date and area type (and whether it is approximate), linked
    to the figure's own page, the most recent first and undated figures last."""
    _, client = site
    text = client.get(f"/doc/city/{city}.html").get_data(as_text=True)
    assert rows_of(text)[POPULATION] == expected


def test_population_figures_agree_with_the_figures_own_data(site):
    """The numbers shown in place are the figures' ``nscn:populationCount``, on every city."""
    documents, client = site
    count = BASE + "ontology#populationCount"
    for document in documents.of_type(BASE + "ontology#City"):
        figures = [t.object.value for t in document.own if t.predicate.value == POPULATION]
        if not figures:
            continue
        shown = rows_of(client.get(f"/doc/{document.key}.html").get_data(as_text=True))
        numbers = {href: text.replace(",", "") for text, href, _ in shown[POPULATION]}
        for figure in figures:
            own = documents.get(figure).own
            expected = [t.object.value for t in own if t.predicate.value == count]
            assert numbers[local(figure)] == expected[0], (document.key, figure)
        headings = Page(client.get(f"/doc/{document.key}.html").get_data(as_text=True)).visible
        assert "Population figures" not in headings  # not listed a second time below


def test_every_page_names_its_thing_once_per_language(site):
    """A theme says "Mobility" as rdfs:label and skos:prefLabel: the page shows it once."""
    documents, client = site
    for document in documents:
        text = client.get(f"/doc/{document.key}.html").get_data(as_text=True)
        names = re.search(r'<th scope="row">names</th><td><ul class="values">(.*?)</ul>', text)
        if names is None:
            continue
        items = re.findall(r'<li><span lang="([^"]*)">([^<]*)</span>', names[1])
        assert items and len(items) == len(set(items)), (document.key, items)
    mobility = client.get("/doc/theme/mobility.html").get_data(as_text=True)
    assert mobility.count('<span lang="en">Mobility</span>') == 1


def test_a_literal_said_by_two_properties_is_shown_once(site):
    """A theme's skos:definition is its dcterms:description, a roadmap's dcterms:title its
    label: the facts table says "same as the description" rather than repeat the text."""
    documents, client = site
    checked = 0
    for document in documents:
        said: dict[tuple[str, str], set[str]] = {}
        for triple in document.own:
            obj = triple.object
            if triple.subject.value == document.iri and type(obj).__name__ == "Literal":
                said.setdefault((obj.value, obj.language or ""), set()).add(triple.predicate.value)
        repeated = [text for (text, _), props in said.items() if len(props) > 1]
        if not repeated:
            continue
        shown = Page(client.get(f"/doc/{document.key}.html").get_data(as_text=True))
        chunks = [html.unescape(chunk).strip() for chunk in shown.text]
        for text in repeated:
            heading = 1 if text == shown.h1.strip() else 0  # the name is the heading, too
            assert chunks.count(text) == 1 + heading, (document.key, text)
            checked += 1
    assert checked >= 21  # every theme, at least
    mobility = client.get("/doc/theme/mobility.html").get_data(as_text=True)
    definition = rows_of(mobility)["http://www.w3.org/2004/02/skos/core#definition"]
    assert definition == [("", None, "same as the description")]


# --- the source of each value -------------------------------------------------------------

PROVENANCE = Path(__file__).parent / "fixtures" / "provenance"


@pytest.fixture(scope="module")
def sourced_site(tmp_path_factory):
    """The bundled project with the made-up records of tests/fixtures/provenance added."""
    import shutil

    from nscn_graph.web import create_app

    root = tmp_path_factory.mktemp("sourced")
    for name in ("ontology", "shapes", "data"):
        shutil.copytree(paths.ROOT / name, root / name)
    shutil.copy(PROVENANCE / "sourced.trig", root / "data" / "fixture-records.trig")
    app = create_app({"TESTING": True, "ROOT": str(root), "DIST": str(root / "dist")})
    return app.test_client()


def _footnotes(text: str) -> dict[str, tuple[str, str]]:
    """The list of sources: footnote number -> (the source's link, the record's page)."""
    found = {}
    for number, item in re.findall(r'<li id="source-(\d+)"[^>]*>(.*?)</li>', text):
        links = re.findall(r'href="([^"]+)"', item)
        found[number] = (links[0], links[-1])
    return found


def _notes_of(text: str) -> dict[str, list[list[str]]]:
    """Property IRI -> for each of its values, the footnote numbers shown beside it."""
    found: dict[str, list[list[str]]] = {}
    for prop, cell in re.findall(r'<tr data-property="([^"]+)">.*?<td>(.*?)</td></tr>', text):
        found[html.unescape(prop)] = [
            re.findall(r'href="#source-(\d+)"', item)
            for item in re.findall(r"<li>(.*?)</li>", cell)
        ]
    return found


def test_each_value_row_footnotes_the_source_it_was_read_on(sourced_site):
    response = sourced_site.get("/doc/theme/fixture-alpha", headers={"Accept": BROWSER})
    text = response.get_data(as_text=True)
    notes, sources = _notes_of(text), _footnotes(text)
    one = ("https://example.org/fixture/one", "/id/record/fixture-one")
    two = ("https://example.org/fixture/two", "/id/record/fixture-two")
    assert notes["http://purl.org/dc/terms/identifier"] == [["1"]]
    assert sources["1"] == one
    # read on both records: both footnotes
    assert [
        sorted(sources[n] for n in ns)
        for ns in notes["http://www.w3.org/2004/02/skos/core#altLabel"]
    ] == [[one, two]]
    assert 'rel="external"' in text and "Fixture page two" in text


def test_a_source_record_dereferences(sourced_site):
    response = sourced_site.get("/id/record/fixture-one")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/doc/record/fixture-one")
    turtle = sourced_site.get("/doc/record/fixture-one.ttl")
    assert turtle.status_code == 200
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    record = rdflib.URIRef(BASE + "id/record/fixture-one")
    derived = rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    assert graph.value(record, derived) == rdflib.URIRef("https://example.org/fixture/one")


@pytest.mark.parametrize(("suffix", "fmt"), [("trig", "trig"), ("nq", "nquads")])
def test_dataset_documents_carry_the_graphs_of_the_statements(sourced_site, suffix, fmt):
    import pyoxigraph as ox

    response = sourced_site.get(f"/doc/theme/fixture-alpha.{suffix}")
    assert response.status_code == 200
    parse = ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.N_QUADS
    quads = list(ox.parse(response.data, format=parse))
    alpha = ox.NamedNode(BASE + "id/theme/fixture-alpha")
    alt = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    graphs = {q.graph_name.value for q in quads if q.subject == alpha and q.predicate == alt}
    assert graphs == {BASE + "id/record/fixture-one", BASE + "id/record/fixture-two"}
    turtle = rdflib.Graph().parse(
        data=sourced_site.get("/doc/theme/fixture-alpha.ttl").data, format="turtle"
    )
    from nscn_graph.graph.load import to_rdflib

    union = {tuple(to_rdflib(t) for t in q.triple) for q in quads}
    assert set(turtle) <= union  # the merged graph, and the records' self-descriptions
    accepted = sourced_site.get(
        "/doc/theme/fixture-alpha",
        headers={"Accept": f"application/{'trig' if fmt == 'trig' else 'n-quads'}"},
    )
    assert accepted.data == response.data and "Accept" in accepted.headers["Vary"]


_CONVERTED = any(p.suffix == ".trig" for p in paths.data_files())


@pytest.mark.xfail(
    not _CONVERTED, strict=True, reason="the bundled data is Turtle until it is written as records"
)
def test_the_page_of_each_kind_shows_a_source_per_value(site):
    documents, client = site
    seen_kinds = set()
    for document in documents:
        kind = documents.types.get(document.iri, [None])[0]
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        response = client.get(f"/doc/{document.key}", headers={"Accept": BROWSER})
        text = response.get_data(as_text=True)
        for prop, values in _notes_of(text).items():
            assert all(values), (document.key, prop, values)
    assert len(seen_kinds) > 5
