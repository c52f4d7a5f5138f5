"""``/reconcile``: the W3C Entity Reconciliation Community Group's Reconciliation Service API,
version 0.2 (https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/),
as OpenRefine 3.x speaks it. The answers come from :mod:`nscn_graph.reconcile`.

- ``GET /reconcile``: the service manifest (§3.1); ``POST`` (form field ``queries``, §4.3) or
  ``GET ?queries=``: a batch of reconciliation queries; ``extend=`` (POST or GET, §7.3):
  data extension;
- ``/reconcile/suggest/entity``, ``/suggest/type``, ``/suggest/property`` (``prefix``,
  ``cursor``, §6): type-ahead; ``/reconcile/propose_properties?type=`` (§7.2);
- ``/reconcile/preview?id=`` (§5): a small HTML card; ``/reconcile/view?id=``: ``303`` to the
  thing's page (the manifest's ``view`` template).

Every answer carries CORS headers, as every answer of the server does (§3.3); a GET answer is
JSONP (``application/javascript``) when ``callback`` names a JavaScript function.
"""

from __future__ import annotations

import json
import re
from threading import Lock

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request

from nscn_graph import __version__
from nscn_graph.errors import BadRequest, NotFound
from nscn_graph.reconcile import (
    SUGGEST_LIMIT,
    Service,
    parse_batch,
    parse_extension,
    whole,
)
from nscn_graph.reconcile.service import MAX_CURSOR

from .linkeddata import linked
from .links import server_url
from .search import index
from .state import published
from .thing import languages, local_path

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")

#: A JSONP callback: a JavaScript name, or a few joined by dots (``jQuery123.cb``), nothing else.
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}(?:\.[A-Za-z_$][A-Za-z0-9_$]{0,63}){0,3}")
#: The size of the frame a client shows a preview in (the manifest's ``preview``).
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 200
SERVICE_NAME = "Nordic Smart City Network (nscn-graph)"

_PREPARING = Lock()


def init_app(app: Flask) -> None:
    app.extensions["nscn.reconcile"] = None
    app.register_blueprint(bp)


def service() -> Service:
    """The service over the published store and its search index, prepared on first use."""
    app = current_app
    current = app.extensions["nscn.reconcile"]
    if current is None:
        with _PREPARING:
            current = app.extensions["nscn.reconcile"]
            if current is None:
                graph = published()
                current = Service(
                    index=index(),
                    store=graph.store,
                    layout=linked().vocab.layout,
                    prefixes=graph.prefixes,
                    base=graph.base,
                )
                app.extensions["nscn.reconcile"] = current
    return current


def _langs() -> list[str]:
    return languages(request.accept_languages.values())


def _callback() -> str | None:
    """The JSONP callback a GET asks for, checked; ``None`` for plain JSON."""
    name = request.args.get("callback")
    if name is None or request.method != "GET":
        return None
    if not CALLBACK.fullmatch(name):
        raise BadRequest(
            "callback= is the name of a JavaScript function (letters, digits, _ and $, "
            "joined by dots), e.g. callback=handle"
        )
    return name


def _answer(body: object, *, by_language: bool = True) -> Response:
    """JSON, or JSONP for a checked ``callback``."""
    callback = _callback()
    text = json.dumps(body, ensure_ascii=False)
    if callback is not None:
        response = current_app.response_class(
            f"/**/{callback}({text});", mimetype="application/javascript"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
    else:
        response = current_app.response_class(text, mimetype="application/json")
    if by_language:
        response.vary.add("Accept-Language")
    return response


def manifest() -> dict[str, object]:
    """The service manifest (§3.1)."""
    svc = service()
    root = server_url() + "reconcile"
    return {
        "versions": ["0.1", "0.2"],
        "name": SERVICE_NAME,
        "identifierSpace": svc.identifier_space,
        "schemaSpace": svc.schema_space,
        "documentation": server_url(),
        "serviceVersion": __version__,
        "defaultTypes": svc.default_types(),
        "view": {"url": root + "/view?id={{id}}"},
        "preview": {
            "url": root + "/preview?id={{id}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            kind: {"service_url": root, "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {"service_url": root, "service_path": "/propose_properties"},
            "property_settings": [],
        },
        "batchSize": current_app.config["RECONCILE_MAX_QUERIES"],
    }


@bp.route("", methods=["GET", "POST"])
def endpoint() -> Response:
    """The manifest, a batch of queries, or a data extension."""
    values = request.form if request.method == "POST" else request.args
    queries, extend = values.get("queries"), values.get("extend")
    _callback()  # a bad callback is refused before any work
    if queries is not None and extend is not None:
        raise BadRequest("send either queries= or extend=, not both")
    limit = current_app.config["RECONCILE_MAX_QUERIES"]
    svc = service()
    if queries is not None:
        batch = parse_batch(queries, svc.terms, max_queries=limit)
        return _answer(svc.reconcile(batch, _langs()))
    if extend is not None:
        return _answer(svc.extend(parse_extension(extend, svc.terms, max_ids=limit), _langs()))
    if request.method == "POST":
        raise BadRequest(
            "a POST to /reconcile sends queries= (a batch of reconciliation queries) or "
            "extend= (a data extension query), form-encoded"
        )
    return _answer(manifest(), by_language=False)


def _prefix() -> str:
    prefix = request.args.get("prefix")
    if prefix is None:
        raise BadRequest("give what was typed so far as prefix=, e.g. ?prefix=trom")
    return prefix[:200]


def _type() -> str | None:
    raw = request.args.get("type")
    if raw is None or raw == "":
        return None
    return service().terms.type_iri(raw)


def _paging() -> tuple[int, int]:
    cursor = whole(request.args.get("cursor"), "cursor", 0, 0, MAX_CURSOR)
    limit = service().limit_of(request.args.get("limit"), SUGGEST_LIMIT)
    return cursor, limit


@bp.get("/suggest/entity")
def suggest_entity() -> Response:
    prefix = _prefix()
    cursor, limit = _paging()
    found = service().suggest_entities(
        prefix, cursor=cursor, limit=limit, type_=_type(), langs=_langs()
    )
    return _answer(found)


@bp.get("/suggest/type")
def suggest_type() -> Response:
    prefix = _prefix()
    cursor, limit = _paging()
    return _answer(service().suggest_types(prefix, cursor=cursor, limit=limit))


@bp.get("/suggest/property")
def suggest_property() -> Response:
    prefix = _prefix()
    cursor, limit = _paging()
    found = service().suggest_properties(prefix, cursor=cursor, limit=limit, type_=_type())
    return _answer(found)


@bp.get("/propose_properties")
def propose_properties() -> Response:
    """The properties of a type (§7.2), or of every kind when no type is given."""
    kind = _type()
    limit = service().limit_of(request.args.get("limit"), 10)
    return _answer(service().propose_properties(kind, limit=limit))


def _id() -> str:
    iri = request.args.get("id")
    if not iri:
        raise BadRequest(
            "give the thing's identifier as id=, e.g. id=https://w3id.org/nscn/id/city/oslo"
        )
    return iri


def _unknown() -> NotFound:
    return NotFound("Nothing in the graph has this identifier; /reconcile finds things by name.")


@bp.get("/preview")
def preview() -> Response:
    """A small HTML card of a thing, for a client's frame (§5)."""
    iri = _id()
    card = service().card(iri, _langs())
    if card is None:
        raise _unknown()
    page = local_path(iri, published().base)
    response = current_app.make_response(
        render_template(
            "reconcile-preview.html",
            card=card,
            page=page,
            width=PREVIEW_WIDTH,
            height=PREVIEW_HEIGHT,
        )
    )
    response.vary.add("Accept-Language")
    return response


@bp.get("/view")
def view() -> Response:
    """The thing's page: ``303`` to its ``/id/…`` path, which answers with its document."""
    iri = _id()
    svc = service()
    if svc.card(iri, ["en"]) is None:
        raise _unknown()
    return redirect(local_path(iri, published().base), 303)
