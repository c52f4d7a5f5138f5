"""The server's own URL for absolute links (VoID, DCAT-AP, the dump list): the ``PUBLIC_URL``
setting, or the URL the request came in on when it is unset (DESIGN.md)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import current_app, request

from nscn_graph.errors import BadRequest


def server_url() -> str:
    """The public URL, ending in ``/``; a request whose host cannot make an IRI is refused."""
    url = current_app.config["PUBLIC_URL"] or request.url_root
    if not url.endswith("/"):
        url += "/"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest("cannot make links from this request's host name")
    try:
        ox.NamedNode(url)
    except ValueError:
        raise BadRequest("cannot make links from this request's host name") from None
    return url
