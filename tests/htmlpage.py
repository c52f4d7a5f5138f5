"""A page as a reader and a scraper see it (links, text, embedded data), for the page tests."""

from __future__ import annotations

from html.parser import HTMLParser

import rdflib


class Page(HTMLParser):
    """What a reader and a scraper get from a page: links, text, embedded data."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self.titles: dict[str, str] = {}  # href -> the link's title attribute
        self.alternates: dict[str, str] = {}  # type -> href
        self.scripts: list[tuple[str | None, str]] = []
        self.text: list[str] = []
        self._script: str | None = None
        self._anchor: list | None = None
        self.h1: str = ""
        self._in_h1 = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and "href" in attributes:
            self.hrefs.append(attributes["href"])
            self._anchor = [attributes["href"], ""]
            if attributes.get("title"):
                self.titles[attributes["href"]] = attributes["title"]
        if tag == "link" and attributes.get("rel") == "alternate":
            self.alternates[attributes["type"]] = attributes["href"]
        if tag == "script":
            self._script = attributes.get("type") or ""
            self.scripts.append((self._script, ""))
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag):
        if tag == "a" and self._anchor:
            self.anchors.append((self._anchor[0], self._anchor[1].strip()))
            self._anchor = None
        if tag == "script":
            self._script = None
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._script is not None:
            kind, body = self.scripts[-1]
            self.scripts[-1] = (kind, body + data)
            return
        self.text.append(data)
        if self._anchor is not None:
            self._anchor[1] += data
        if self._in_h1:
            self.h1 += data

    @property
    def visible(self) -> str:
        return " ".join(self.text)

    def json_ld(self) -> rdflib.Graph:
        """The page's data: its JSON-LD script (not the schema.org description for search
        engines, whose context is schema.org's)."""
        bodies = [
            body
            for kind, body in self.scripts
            if kind == "application/ld+json" and '"@context": "https://schema.org/"' not in body
        ]
        assert len(bodies) == 1
        return rdflib.Graph().parse(data=bodies[0], format="json-ld")
