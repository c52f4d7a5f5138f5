"""Content negotiation (RFC 9110 §12.5.1) as pure functions over an ordered list of offers.

The client's q-values decide; among equally acceptable offers the server's order wins (Turtle
first for RDF, as schema.org and W3C DCAT serve), so ``*/*`` and no ``Accept`` get the first.
The most specific media range that matches an offer gives its quality (``text/*;q=0.5,
text/turtle;q=0`` refuses Turtle), and ``q=0`` means "not acceptable".
"""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept

from nscn_graph.errors import NotAcceptable
from nscn_graph.formats import Format


def best(accept: MIMEAccept, offers: Sequence[str]) -> str | None:
    """The offer the client accepts most (ties to the earliest offer), or ``None``."""
    if not accept:
        return offers[0] if offers else None
    chosen, chosen_q = None, 0.0
    for offer in offers:
        quality = accept.quality(offer)
        if quality > chosen_q:
            chosen, chosen_q = offer, quality
    return chosen


def best_format(accept: MIMEAccept, offers: Sequence[Format]) -> Format | None:
    """The format the client accepts most; an alias (``text/plain`` for N-Triples) counts when
    named exactly, not through a wildcard. Ties go to the earliest offer; ``None`` when nothing
    is acceptable."""
    if not accept:
        return offers[0] if offers else None
    chosen, chosen_q = None, 0.0
    for offer in offers:
        quality = accept.quality(offer.media_type)
        for alias in offer.aliases:  # named exactly, not through a wildcard
            quality = max([quality, *(q for value, q in accept if value.lower() == alias)])
        if quality > chosen_q:
            chosen, chosen_q = offer, quality
    return chosen


def negotiate(
    accept: MIMEAccept, offers: Sequence[Format], *, extension: str | None = None
) -> Format:
    """The form to send: the one a file suffix names (``.ttl``), whatever the ``Accept``, else
    the best acceptable one; :class:`NotAcceptable` (406) listing the offered media types."""
    if extension is not None:
        for offer in offers:
            if offer.extension == extension:
                return offer
        raise NotAcceptable(f"no form with the suffix .{extension}; {offered(offers)}")
    chosen = best_format(accept, offers)
    if chosen is None:
        raise NotAcceptable(f"none of the accepted media types is available; {offered(offers)}")
    return chosen


def offered(offers: Sequence[Format]) -> str:
    return "offered: " + ", ".join(offer.media_type for offer in offers)


def prefers_html(accept: MIMEAccept) -> bool:
    """Whether a client (a browser) asks for HTML over JSON."""
    return best(accept, ("application/problem+json", "text/html")) == "text/html"


def mark_alternates(response, path: str, fmt, offers, *, suffixed: bool) -> None:
    """Headers of a negotiated document at ``path`` in ``fmt``: ``Link: rel="alternate"`` to
    each other form (``path.ext``); unless a suffix chose the form, ``Vary: Accept`` and the
    ``Content-Location`` of the form sent (RFC 9110 §8.7, §12.5.5)."""
    if not suffixed:
        response.vary.add("Accept")
        response.headers["Content-Location"] = f"{path}.{fmt.extension}"
    response.headers["Link"] = ", ".join(
        f'<{path}.{other.extension}>; rel="alternate"; type="{other.media_type}"'
        for other in offers
        if other is not fmt
    )
