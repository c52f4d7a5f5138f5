"""Content negotiation (RFC 9110 §12.5.1) as a pure function over an ordered list of offers.

The client's q-values decide; among equally acceptable offers the server's order wins (Turtle
first for RDF, as schema.org and W3C DCAT serve), so ``*/*`` and no ``Accept`` get the first.
"""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept


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


def prefers_html(accept: MIMEAccept) -> bool:
    """Whether a client (a browser) asks for HTML over JSON."""
    return best(accept, ("application/problem+json", "text/html")) == "text/html"
