"""Content negotiation: one entry point for every negotiated route (RFC 9110 §12.5).

:func:`negotiate` decides which of a route's forms (formats of :mod:`nscn_graph.formats`, in
the server's order of preference) a request gets, and remembers the decision for the response:
:func:`init_app` adds ``Vary: Accept``, ``Link: <…>; rel="alternate"; type="…"`` to each other
form (RFC 8288) and the ``Content-Location`` of the form sent (RFC 9110 §8.7) to whatever the
view answers. Nothing acceptable is :class:`~nscn_graph.errors.NotAcceptable`, 406 in one
shape, listing what is offered (and the 406 links the offered forms too).

How a form is chosen, first rule that applies:

1. a file suffix in the path (``/doc/city/aarhus.ttl``) names it, whatever ``Accept`` says;
2. a ``format=`` / ``output=`` / ``results=`` parameter (``/sparql`` only, as Fuseki and
   Virtuoso read them): a short name (``csv``, ``json``, ``turtle``, ``jsonld``...) or a media
   type; the first value that names an offered form wins;
3. ``Accept``: the client's q-values decide; among equally acceptable offers the server's order
   wins (Turtle first), so ``*/*`` and no ``Accept`` get the first. The most specific media
   range that matches an offer gives its quality (``text/*;q=0.5, text/turtle;q=0`` refuses
   Turtle); ``q=0`` means "not acceptable". An alias (``text/plain`` for N-Triples,
   ``application/json`` for SPARQL JSON or JSON-LD) counts when named exactly, never through
   a wildcard.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, Response, g, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from nscn_graph import formats
from nscn_graph.errors import NotAcceptable, NotFound
from nscn_graph.formats import Format

#: Parameters that name a result format on ``/sparql``, read in this order.
FORMAT_PARAMETERS = ("format", "output", "results")


def quality(accept: MIMEAccept, offer: Format) -> float:
    """How much ``accept`` wants ``offer``: its media type through any range, its aliases only
    when named exactly."""
    value = accept.quality(offer.media_type)
    exact = (*offer.aliases, *offer.also_accepted)
    if exact:
        value = max([value, *(q for media, q in accept if media.lower() in exact)])
    return value


def choose(accept: MIMEAccept, offers: Sequence[Format]) -> Format | None:
    """The offer ``accept`` wants most (ties to the earliest offer), or ``None``: the pure
    function under :func:`negotiate`."""
    if not accept:
        return offers[0] if offers else None
    chosen, chosen_q = None, 0.0
    for offer in offers:
        value = quality(accept, offer)
        if value > chosen_q:
            chosen, chosen_q = offer, value
    return chosen


def _choose_for(header: str, offers: tuple[Format, ...]) -> Format | None:
    """:func:`choose` for an ``Accept`` header as sent; clients send the same few headers
    again and again, so short ones are remembered (a bounded memo of a pure function)."""
    if len(header) > 512:
        return choose(parse_accept_header(header, MIMEAccept), offers)
    return _remembered_choice(header, offers)


@lru_cache(maxsize=1024)
def _remembered_choice(header: str, offers: tuple[Format, ...]) -> Format | None:
    return choose(parse_accept_header(header, MIMEAccept), offers)


def requested(values: Sequence[str], offers: Sequence[Format]) -> Format | None:
    """The first offer that one of ``values`` (``format=`` parameter values, each a name, a
    media type, or a comma-separated list of them, as SPARQLWrapper sends) names; ``None``
    when none names one."""
    for value in values:
        for part in value.split(","):
            found = formats.named(part, tuple(offers))
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class Negotiated:
    """A route's negotiation, remembered until its response is sent."""

    format: Format | None  #: the form sent (``None``: nothing acceptable, a 406)
    offers: tuple[Format, ...]
    href: Callable[[Format], str | None]  #: where each form is, or ``None`` to leave it out
    by_accept: bool  #: whether ``Accept`` chose (then the answer varies on it)
    located: bool  #: whether each form has a URL of its own (then ``Content-Location``)

    def alternates(self) -> list[tuple[Format, str]]:
        """(format, URL) of every other form."""
        found = []
        for offer in self.offers:
            url = self.href(offer)
            if offer is not self.format and url is not None:
                found.append((offer, url))
        return found


def negotiate(
    offers: Sequence[Format],
    *,
    path: str | None = None,
    suffixes: bool = False,
    extension: str | None = None,
    parameters: Sequence[str] = (),
    href: Callable[[Format], str | None] | None = None,
) -> Format:
    """The form of this request's answer, among ``offers`` (server's preference first).

    The forms live at ``path`` (default: the request's path): each at ``path.ext`` when
    ``suffixes`` (documents, the ontology), else all at ``path`` itself, told apart by type;
    ``href`` places them otherwise. ``extension`` is the suffix the request's path named;
    ``parameters`` are the values of ``format=``-like parameters. Raises :class:`NotFound`
    for a suffix that names no form, :class:`NotAcceptable` when nothing is acceptable.
    """
    offers = tuple(offers)
    where = path if path is not None else request.path
    if href is None:
        href = (lambda f: f"{where}.{f.extension}") if suffixes else (lambda f: where)
    chosen: Format | None
    if extension is not None:
        chosen = next((f for f in offers if f.extension == extension), None)
        if chosen is None:
            raise NotFound(
                "No such form of this resource; the forms are "
                + " ".join(f"{where}.{f.extension}" for f in offers)
            )
        by_accept = False
    elif parameters:
        chosen = requested(parameters, offers)
        by_accept = False
    else:
        chosen = _choose_for(request.headers.get("Accept", ""), offers)
        by_accept = True
    g.nscn_negotiated = Negotiated(chosen, offers, href, by_accept, suffixes)
    if chosen is None:
        raise NotAcceptable.offering(
            [f.media_type for f in offers],
            names=[f.name for f in offers] if parameters else None,
        )
    return chosen


def suffixed(path: str, offers: Sequence[Format], sent: Format) -> list[tuple[Format, str]]:
    """(format, URL) of the forms other than ``sent`` of a resource whose forms are at
    ``path.ext``: the alternates, for a page made once rather than per request."""
    return [(f, f"{path}.{f.extension}") for f in offers if f is not sent]


def negotiated() -> Negotiated | None:
    """This request's negotiation, if its route negotiated."""
    return g.get("nscn_negotiated")


def alternates() -> list[tuple[Format, str]]:
    """(format, URL) of the other forms of this request's answer (for ``<link>`` in pages)."""
    found = negotiated()
    return found.alternates() if found else []


def link_header(links: Sequence[tuple[Format, str]]) -> str:
    return ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for fmt, url in links)


def error_format(accept: MIMEAccept) -> Format:
    """The form of an error: a page for a browser that asks for HTML, problem details for
    everyone else (an error is never refused for its ``Accept``, RFC 9110 §15.5.7)."""
    return choose(accept, formats.ERROR_FORMATS) or formats.PROBLEM


def _mark(response: Response) -> Response:
    """The headers of a negotiated answer (a form, a 304 or the 406)."""
    found = negotiated()
    if found is None:
        return response
    if found.by_accept:
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Accept"
        elif "accept" not in (v.strip().lower() for v in vary.split(",")):
            response.headers["Vary"] = f"{vary}, Accept"
    status = response.status_code
    if 200 <= status < 300 or status in (304, 406):
        links = found.alternates()
        if links:
            existing = response.headers.get("Link")
            value = link_header(links)
            response.headers["Link"] = f"{existing}, {value}" if existing else value
    sent = found.format
    if sent and found.by_accept and found.located and (200 <= status < 300 or status == 304):
        url = found.href(sent)
        if url is not None:
            response.headers["Content-Location"] = url
    return response


def init_app(app: Flask) -> None:
    app.after_request(_mark)
