"""The w3id.org redirect rules the project submits (``w3id/nscn/.htaccess``), read by a small
translator of their mod_rewrite lines (``tests/htaccess.py``): every identifier of the data is
sent to the server, which answers it."""

from __future__ import annotations

import pytest
import requests
from htaccess import Rules, Unsupported, translate

from nscn_graph import paths

HTACCESS = paths.ROOT / "w3id" / "nscn" / ".htaccess"
HOST = "https://nscn-graph.example.org"
W3ID = "https://w3id.org/nscn/"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules.read(HTACCESS, "nscn/")


#: identifier or URL under w3id.org -> (status, Location)
TABLE = {
    "id/city/aarhus": (303, f"{HOST}/id/city/aarhus"),
    "id/lab/aarhus-city-lab": (303, f"{HOST}/id/lab/aarhus-city-lab"),
    "id/city/": (303, f"{HOST}/id/city/"),
    "id/city/troms%C3%B8": (303, f"{HOST}/id/city/troms%C3%B8"),
    "id/city/Troms%C3%B8/": (303, f"{HOST}/id/city/Troms%C3%B8/"),
    "doc/city/aarhus": (302, f"{HOST}/doc/city/aarhus"),
    "doc/city/aarhus.ttl": (302, f"{HOST}/doc/city/aarhus.ttl"),
    "doc/case/?city=aarhus&theme=mobility": (302, f"{HOST}/doc/case/?city=aarhus&theme=mobility"),
    "ontology": (303, f"{HOST}/ontology"),
    "shapes": (303, f"{HOST}/shapes"),
    "dataset": (303, f"{HOST}/dataset"),
    "dataset/1.0": (303, f"{HOST}/dataset/1.0"),
    "catalog": (303, f"{HOST}/catalog"),
    "ontology.ttl": (302, f"{HOST}/ontology.ttl"),
    "shapes.jsonld": (302, f"{HOST}/shapes.jsonld"),
    "": (302, f"{HOST}/"),
}


@pytest.mark.parametrize(("path", "expected"), list(TABLE.items()), ids=list(TABLE))
def test_the_rules_send_each_identifier_to_the_server(rules, path, expected):
    redirect = rules.apply(W3ID + path, {"Accept": "text/turtle"})
    assert redirect is not None
    assert (redirect.status, redirect.location) == expected


@pytest.mark.parametrize(
    "url",
    [
        W3ID + "id/",
        W3ID + "nothing",
        W3ID + "ontology/more",
        W3ID + "ontology.exe",
        W3ID + "catalogue",
        W3ID + "sparql",
        "https://w3id.org/other/id/city/aarhus",
    ],
)
def test_other_paths_are_not_redirected(rules, url):
    assert rules.apply(url) is None


@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "application/ld+json", ""])
def test_the_redirect_does_not_depend_on_accept(rules, accept):
    """The server negotiates: the client sends its Accept again to the redirect's target."""
    redirect = rules.apply(W3ID + "id/city/oslo", {"Accept": accept})
    assert redirect is not None and redirect.location == f"{HOST}/id/city/oslo"


def test_every_identifier_of_the_data_is_answered_by_the_server(rules, client, bundled):
    """Each IRI under the base, sent through the rules, lands on a path the server answers."""
    iris = {
        term.value
        for triple in bundled.triples()
        for term in (triple.subject, triple.object)
        if getattr(term, "value", "").startswith(W3ID) and "#" not in term.value
    }
    iris |= {W3ID + "ontology", W3ID + "shapes", W3ID + "dataset", W3ID + "catalog"}
    assert len(iris) > 100
    for iri in sorted(iris):
        redirect = rules.apply(iri)
        assert redirect is not None, iri
        assert redirect.location.startswith(HOST + "/")
        path = redirect.location[len(HOST) :]
        assert path == "/" + iri[len(W3ID) :]  # the server's path is the IRI without the base
        answer = client.get(path, headers={"Accept": "text/turtle"})
        assert answer.status_code in (200, 301, 303), (iri, answer.status_code)


@pytest.mark.http
@pytest.mark.parametrize("iri", [W3ID + "id/city/troms%C3%B8", W3ID + "ontology"])
def test_following_the_redirect_reaches_the_data(rules, live_server, iri):
    """The w3id.org hop, then the server's own (lenient path, 303): Turtle about the thing."""
    redirect = rules.apply(iri, {"Accept": "text/turtle"})
    assert redirect is not None
    local = live_server + redirect.location[len(HOST) :]
    response = requests.get(local, headers={"Accept": "text/turtle"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")


@pytest.mark.parametrize(
    "text",
    [
        "RewriteRule ^id/(.*)$ https://x/id/$1 [R=303,L]",  # before RewriteEngine on
        "RewriteEngine on\nRewriteRule ^id/(.*)$ /id/$1 [L]",  # internal rewrite
        "RewriteEngine on\nRewriteRule ^id/(.*)$ https://x/id/$1 [R=303]",  # no L
        "RewriteEngine on\nRewriteRule ^id/(.*)$ https://x/id/$1 [R=303,L,P]",
        "RewriteEngine on\nRewriteCond %{HTTP_HOST} ^x$\nRewriteRule ^a$ https://x/ [R,L]",
        "RewriteEngine on\nRedirect 303 /a https://x/",
        "RewriteEngine on\nRewriteCond %{HTTP_ACCEPT} text/html",
    ],
)
def test_the_translator_refuses_what_it_does_not_understand(text):
    with pytest.raises(Unsupported):
        translate(text)


def test_the_translator_reads_conditions_as_mod_rewrite_does():
    rules = Rules(
        "nscn/",
        translate(
            "RewriteEngine on\n"
            "RewriteCond %{HTTP_ACCEPT} text/html [OR]\n"
            "RewriteCond %{HTTP_ACCEPT} application/xhtml\\+xml\n"
            "RewriteCond %{QUERY_STRING} !raw\n"
            "RewriteRule ^a$ https://x/a.html [R=303,L]\n"
            "RewriteRule ^a$ https://x/a.ttl [R=303,L,QSD]\n"
        ),
    )
    assert rules.apply(W3ID + "a", {"Accept": "text/html"}).location == "https://x/a.html"
    xhtml = rules.apply(W3ID + "a", {"Accept": "application/xhtml+xml"})
    assert xhtml.location == "https://x/a.html"
    raw = rules.apply(W3ID + "a?raw", {"Accept": "text/html"})
    assert raw.location == "https://x/a.ttl"  # the query string discarded (QSD)
    assert rules.apply(W3ID + "a", {"Accept": "text/turtle"}).location == "https://x/a.ttl"
