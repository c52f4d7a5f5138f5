"""Reading a SPARQL 1.1 Protocol query request (W3C SPARQL 1.1 Protocol §2.1).

Three ways to send a query: GET with ``query=`` in the query string; POST with an
``application/x-www-form-urlencoded`` body; POST with an ``application/sparql-query`` body.
``default-graph-uri`` and ``named-graph-uri`` (any number of each) go with the query, in the
query string or the form. Updates (``update=``, ``application/sparql-update``) are refused: this
endpoint is read-only. Limits (body size, query length) are checked before anything is parsed.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from flask import Request
from werkzeug.datastructures import MultiDict

from nscn_graph.errors import BadRequest, Forbidden, PayloadTooLarge, UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"

#: The W3C protocol test suite (bad_query_non_utf8) expects wide encodings to be refused.
_REFUSED_CHARSETS = ("utf-16", "utf-32")

READ_ONLY = (
    "This endpoint is read-only: SPARQL 1.1 Update requests are not accepted. "
    "Send a SELECT, ASK, CONSTRUCT or DESCRIBE query."
)


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()


def read(request: Request, *, max_body: int, max_query: int) -> QueryRequest | None:
    """The query ``request`` carries, or ``None`` for a plain GET (no ``query``)."""
    if request.method == "POST":
        params = _post_params(request, max_body)
    else:
        params = request.args
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise Forbidden(READ_ONLY, title="Read-only endpoint")
    queries = params.getlist("query")
    if len(queries) > 1:
        raise BadRequest("Send one query per request: `query` was given more than once.")
    if not queries:
        if request.method == "POST":
            raise BadRequest("The request has no `query` parameter: send the SPARQL query in it.")
        return None
    query = queries[0]
    if len(query) > max_query:
        raise PayloadTooLarge(
            f"The query is {len(query)} characters long; this endpoint accepts at most {max_query}."
        )
    if not query.strip():
        raise BadRequest("The `query` parameter is empty.")
    return QueryRequest(
        query,
        tuple(_iri(u, "default-graph-uri") for u in params.getlist("default-graph-uri")),
        tuple(_iri(u, "named-graph-uri") for u in params.getlist("named-graph-uri")),
    )


def _post_params(request: Request, max_body: int) -> MultiDict:
    length = request.content_length
    if length is not None and length > max_body:
        raise PayloadTooLarge(
            f"The request body is {length} bytes; this endpoint accepts at most {max_body}."
        )
    request.max_content_length = max_body  # also bounds a chunked body of unknown length
    request.max_form_memory_size = max_body
    mimetype = request.mimetype
    if mimetype == FORM:
        params = MultiDict(request.form)
        # graph parameters may also ride in the query string (SPARQL 1.1 Protocol §2.1.3)
        for key in ("default-graph-uri", "named-graph-uri"):
            if key not in params:
                for value in request.args.getlist(key):
                    params.add(key, value)
        return params
    if mimetype == DIRECT:
        body = request.get_data(cache=False)
        params = MultiDict(request.args)
        params.setlist("query", [_decode(body, request.mimetype_params.get("charset"))])
        return params
    if mimetype == UPDATE:
        raise Forbidden(READ_ONLY, title="Read-only endpoint")
    if not mimetype:
        raise UnsupportedMediaType(
            "A POST to this endpoint needs a Content-Type: "
            f"{FORM} (a form with `query`) or {DIRECT} (the query as the body)."
        )
    raise UnsupportedMediaType(
        f"Requests of this media type are not accepted here. Send {FORM} (a form with "
        f"`query`) or {DIRECT} (the query as the body)."
    )


def _decode(body: bytes, charset: str | None) -> str:
    """The body as text in the charset the request declares (UTF-8 when it declares none)."""
    name = (charset or "utf-8").strip().lower()
    try:
        codec = codecs.lookup(name)
    except LookupError:
        codec = None
    # rot13, base64, zlib...: codecs Python knows that are not text encodings (no charset)
    if codec is None or not getattr(codec, "_is_text_encoding", True):
        raise UnsupportedMediaType(
            "The request declares a charset this endpoint does not know; send UTF-8."
        )
    if codec.name.startswith(_REFUSED_CHARSETS):
        raise UnsupportedMediaType(
            "Send the query in UTF-8 (SPARQL 1.1 Protocol §2.1.3); UTF-16 and UTF-32 are not "
            "accepted."
        )
    try:
        return body.decode(codec.name)
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"The request body is not valid {codec.name} (byte {exc.start})."
        ) from None
    except (UnicodeError, ValueError):  # codecs such as idna check more than bytes
        raise BadRequest(f"The request body is not valid {codec.name}.") from None


def _iri(value: str, name: str) -> str:
    """A graph IRI from a protocol parameter: absolute, without spaces or brackets."""
    value = value.strip()
    if (
        not value
        or ":" not in value
        or any(c in value for c in '<>"{}|^`\\')
        or any(ord(c) <= 0x20 for c in value)
    ):
        raise BadRequest(f"`{name}` must be an absolute IRI.")
    return value
