"""A new kind of thing needs data and annotations, never Python: a project folder with an extra
kind (awards, ``tests/fixtures/award``: a class in the ontology, a few lines of page annotations,
a data file) gets pages, grouped links, counts and dereferencing from the unchanged server."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import rdflib
import requests
from conftest import serving
from htmlpage import Page

from nscn_graph import paths
from nscn_graph.publish.annotations import annotations_file
from nscn_graph.web import create_app

FIXTURE = Path(__file__).parent / "fixtures" / "award"
BASE = "https://w3id.org/nscn/"
NSCN = BASE + "ontology#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
AWARD = "award/fixture-open-data-2025"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """The bundled project folder with the award kind added, as an editor would add it."""
    root = tmp_path_factory.mktemp("root")
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(paths.ROOT / folder, root / folder)
    with paths.ontology_file(root).open("a", encoding="utf-8") as ontology:
        ontology.write((FIXTURE / "ontology.ttl").read_text(encoding="utf-8"))
    with annotations_file(root).open("a", encoding="utf-8") as annotations:
        annotations.write((FIXTURE / "pages.ttl").read_text(encoding="utf-8"))
    shutil.copy(FIXTURE / "awards.ttl", root / "data" / "awards.ttl")
    return root


@pytest.fixture(scope="module")
def client(root):
    # its own DIST: the test run's build (NSCN_DIST) is of the bundled data
    config = {"TESTING": True, "ROOT": str(root), "DIST": str(root / "dist")}
    return create_app(config).test_client()


def html(client, path: str) -> str:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_the_bundled_project_has_no_awards():
    """The kind comes from the fixture alone (else this file would test nothing)."""
    bundled = create_app({"TESTING": True}).test_client()
    assert bundled.get(f"/id/{AWARD}").status_code == 404
    assert "awards" not in counts(html(bundled, "/"))


def test_an_award_dereferences_like_every_thing(client):
    """``/id/…`` 303 to ``/doc/…``, which serves the award's statements."""
    response = client.get(f"/id/{AWARD}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/doc/{AWARD}")
    served = rdflib.Graph().parse(data=client.get(f"/doc/{AWARD}.ttl").data, format="turtle")
    written = rdflib.Graph().parse(FIXTURE / "awards.ttl")
    award = rdflib.URIRef(BASE + "id/" + AWARD)
    own = set(written.triples((award, None, None)))
    assert own and own <= set(served)


def test_an_award_page_shows_its_label_kind_properties_in_order_and_identity(client):
    text = html(client, f"/doc/{AWARD}")
    shown = Page(text)
    assert shown.h1.strip() == "Fixture open data award 2025"
    assert ("/ontology#Award", "Award") in shown.anchors
    rows = re.findall(r'<tr data-property="([^"]+)">', text)
    annotated = [NSCN + "awardYear", NSCN + "awardCategory", NSCN + "awardedTo"]
    assert rows[:3] == annotated
    assert rows[-1] == "http://purl.org/dc/terms/identifier"
    assert ("/id/city/aarhus", "Aarhus") in shown.anchors
    assert (
        "https://awards.example.org/id/2025-open-data",
        "Example award register: Fixture open data award 2025",
    ) in (shown.anchors)
    assert "Testpris for åbne data 2025" in shown.visible


def test_an_award_page_has_a_map_of_the_city_it_went_to(client):
    text = html(client, f"/doc/{AWARD}")
    assert '<svg class="map small"' in text
    assert '<a href="/id/city/aarhus" class="place">' in text
    assert "Fixture open data award 2025 went to Aarhus." in text


def test_a_city_page_groups_its_awards_under_the_annotated_heading(client):
    text = html(client, "/doc/city/aarhus")
    sections = re.findall(
        r'<section class="inbound"[^>]*>\s*<h2>([^<]*)</h2>(.*?)</section>', text, re.S
    )
    headings = [heading for heading, _ in sections]
    assert "Awards to this city" in headings
    # nscn:order 15 puts it between "Living labs in this city" (10) and "Cases in this city" (20)
    assert headings.index("Living labs in this city") < headings.index("Awards to this city")
    assert headings.index("Awards to this city") < headings.index("Cases in this city")
    listed = dict(sections)["Awards to this city"]
    assert f'href="/id/{AWARD}"' in listed
    assert "fixture-mobility-2024" not in listed  # that one went to Tampere
    tampere = html(client, "/doc/city/tampere")
    assert 'href="/id/award/fixture-mobility-2024"' in tampere


def counts(landing: str) -> dict[str, str]:
    table = landing[landing.index('<table class="counts">') : landing.index("</table>")]
    rows = re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]*)(?:</a>)?</th><td>([^<]*)</td>', table)
    return dict(rows)


def test_the_landing_page_counts_awards_and_links_their_list(client):
    landing = html(client, "/")
    shown = counts(landing)
    table = landing[landing.index('<table class="counts">') : landing.index("</table>")]
    rows = re.findall(
        r'<th scope="row"><a href="([^"]+)"[^>]*>([^<]*)</a></th><td>[^<]*</td>'
        r'<td><a class="query" href="([^"]+)"',
        table,
    )
    lists = {text: href for _, text, href in rows}
    assert {text: browse for browse, text, _ in rows}["awards"] == "/doc/award/"
    listed = client.get(lists["awards"], headers={"Accept": "application/sparql-results+json"})
    assert listed.status_code == 200
    things = {b["thing"]["value"] for b in listed.get_json()["results"]["bindings"]}
    assert things == {BASE + "id/" + AWARD, BASE + "id/award/fixture-mobility-2024"}
    assert shown["awards"] == "2"
    assert list(shown)[-1] == "awards"  # nscn:order 145: after the bundled kinds
    assert shown["member cities"] == "14"


def test_awards_have_a_browse_page(client):
    """The new kind's collection: ``/id/award/`` 303s to ``/doc/award/``, which lists both
    awards by name, in HTML and in CSV."""
    response = client.get("/id/award/")
    assert response.status_code == 303 and response.headers["Location"] == "/doc/award/"
    page = Page(html(client, "/doc/award/"))
    assert ("/id/" + AWARD) in page.hrefs or ("/doc/" + AWARD) in page.hrefs
    listed = client.get("/doc/award/?format=csv").get_data(as_text=True).splitlines()[1:]
    assert sorted(line.split(",")[0] for line in listed) == sorted(
        [BASE + "id/" + AWARD, BASE + "id/award/fixture-mobility-2024"]
    )


def test_an_award_dereferences_over_http_from_a_served_project(root):
    """The same project folder served by ``nscn-graph serve`` (``NSCN_ROOT``), as a deployment
    would run it: the award's IRI 303s to its page, which names it."""
    env = {"NSCN_ROOT": str(root), "NSCN_DIST": str(root / "dist-served")}
    with serving("--workers", "1", "--threads", "2", env=env) as url:
        response = requests.get(f"{url}/id/{AWARD}", allow_redirects=False, timeout=10)
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/doc/{AWARD}")
        page = requests.get(f"{url}/id/{AWARD}", headers={"Accept": BROWSER}, timeout=10)
        assert page.status_code == 200 and page.url.endswith(f"/doc/{AWARD}")
        assert Page(page.text).h1.strip() == "Fixture open data award 2025"
        assert counts(requests.get(url + "/", timeout=10).text)["awards"] == "2"
