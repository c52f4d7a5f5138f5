"""Content negotiation as a pure function, over a table of Accept headers (RFC 9110 §12.5.1)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from nscn_graph import formats
from nscn_graph.errors import NotAcceptable
from nscn_graph.web.negotiation import best_format, negotiate, prefers_html

DOC = formats.DOCUMENT_FORMATS
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(None, "turtle", id="no-accept"),
        pytest.param("", "turtle", id="empty"),
        pytest.param("*/*", "turtle", id="anything"),
        pytest.param("text/turtle", "turtle", id="turtle"),
        pytest.param("application/x-turtle", "turtle", id="old-turtle-type"),
        pytest.param("application/ld+json", "json-ld", id="json-ld"),
        pytest.param("application/n-triples", "n-triples", id="n-triples"),
        pytest.param("text/plain", "n-triples", id="text-plain-is-n-triples"),
        pytest.param("application/rdf+xml", "rdf-xml", id="rdf-xml"),
        pytest.param("text/html", "html", id="html"),
        pytest.param(BROWSER, "html", id="firefox"),
        pytest.param("text/html;q=0.5, text/turtle", "turtle", id="q-prefers-turtle"),
        pytest.param("text/turtle;q=0.5, text/html", "html", id="q-prefers-html"),
        pytest.param("text/html, text/turtle", "turtle", id="tie-goes-to-turtle"),
        pytest.param("application/rdf+xml, application/ld+json", "json-ld", id="tie-order"),
        pytest.param("application/rdf+xml;q=1.0, */*;q=0.1", "rdf-xml", id="rdfxml-else-any"),
        pytest.param("application/*", "json-ld", id="application-wildcard"),
        pytest.param("text/*", "turtle", id="text-wildcard"),
        pytest.param("text/*;q=0.9, text/turtle;q=0.1", "html", id="specific-range-wins"),
        pytest.param("text/turtle;q=0, */*", "json-ld", id="q0-refuses"),
        pytest.param("application/ld+json;q=0.8, text/turtle;q=0.9", "turtle", id="q-order"),
        pytest.param("TEXT/Turtle", "turtle", id="case-insensitive"),
    ],
)
def test_negotiation_table(header, expected):
    assert negotiate(accept(header), DOC).name == expected


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("image/png", id="image"),
        pytest.param("application/json;q=1, */*;q=0", id="star-q0"),
        pytest.param("text/turtle;q=0, text/html;q=0, application/*;q=0", id="all-refused"),
    ],
)
def test_nothing_acceptable_is_406_listing_the_offers(header):
    assert best_format(accept(header), DOC) is None
    with pytest.raises(NotAcceptable) as caught:
        negotiate(accept(header), DOC)
    assert caught.value.status == 406
    for fmt in DOC:
        assert fmt.media_type in caught.value.detail


@pytest.mark.parametrize("fmt", DOC, ids=lambda f: f.extension)
@pytest.mark.parametrize("header", ["image/png", "text/html", None])
def test_suffix_overrides_accept(fmt, header):
    assert negotiate(accept(header), DOC, extension=fmt.extension) is fmt


@pytest.mark.parametrize(
    ("header", "html"),
    [(BROWSER, True), ("application/json", False), ("*/*", False), ("text/html", True)],
)
def test_prefers_html(header, html):
    assert prefers_html(accept(header)) is html
