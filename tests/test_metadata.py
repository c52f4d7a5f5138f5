"""What VoID and DCAT-AP share: moving links to a server's URL."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from nscn_graph.publish.metadata import LINKS_PLACEHOLDER, relink

TRIPLE = ox.Triple(
    ox.NamedNode("https://w3id.org/nscn/dataset"),
    ox.NamedNode("http://rdfs.org/ns/void#sparqlEndpoint"),
    ox.NamedNode(LINKS_PLACEHOLDER + "sparql"),
)


def test_links_move_identifiers_stay():
    [moved] = relink([TRIPLE], LINKS_PLACEHOLDER, "http://127.0.0.1:8080/")
    assert moved.subject == TRIPLE.subject
    assert moved.object == ox.NamedNode("http://127.0.0.1:8080/sparql")


@pytest.mark.parametrize("url", ["http://a b/", "http://x>y/", 'http://"q"/'])
def test_a_url_that_is_not_an_iri_is_refused(url):
    with pytest.raises(ValueError):
        relink([TRIPLE], LINKS_PLACEHOLDER, url)
