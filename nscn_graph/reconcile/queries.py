"""Reconciliation requests read and checked (Reconciliation Service API 0.2, §4.1 and §7.3):
a query batch (``queries=``) and a data extension query (``extend=``), as JSON texts, or a
:class:`~nscn_graph.errors.BadRequest` (400) that says what to fix; a batch of more queries
than the service takes is :class:`~nscn_graph.errors.PayloadTooLarge` (413, as §3.1 says for
batches larger than the manifest's ``batchSize``)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from nscn_graph.errors import BadRequest, PayloadTooLarge

from .terms import Terms, shown

DEFAULT_LIMIT = 5
MAX_LIMIT = 100
#: Longest query text searched, in characters; a longer one matches nothing.
MAX_TEXT = 200
#: Most property constraints in one query, values in one constraint, properties in an extension.
MAX_CONSTRAINTS = 20
MAX_VALUES = 50
MAX_PROPERTIES = 50
STRICTNESS = ("any", "should", "all")


@dataclass(frozen=True)
class Wanted:
    """One value a property constraint asks for: a thing (``id``), a text, a number or a
    truth value."""

    id: str | None = None
    text: str | None = None
    number: float | None = None
    truth: bool | None = None


@dataclass(frozen=True)
class Constraint:
    pid: str
    values: tuple[Wanted, ...]


@dataclass(frozen=True)
class Query:
    key: str
    text: str | None
    types: tuple[str, ...]
    strict: str
    limit: int
    constraints: tuple[Constraint, ...]


@dataclass(frozen=True)
class Extension:
    ids: tuple[str, ...]
    properties: tuple[str, ...]


def load_json(text: str, field: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"{field}= is not JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:
        raise BadRequest(f"{field}= is nested too deeply") from None


def parse_batch(text: str, terms: Terms, *, max_queries: int) -> list[Query]:
    """The queries of a batch, in its order: ``{"q0": {"query": "Tromso", "type": ...,
    "limit": 3, "properties": [{"pid": ..., "v": ...}], "type_strict": "should"}, ...}``."""
    batch = load_json(text, "queries")
    if not isinstance(batch, dict):
        raise BadRequest(
            'queries= is a JSON object of queries by key, e.g. {"q0": {"query": "Tromso"}}'
        )
    if len(batch) > max_queries:
        raise PayloadTooLarge(
            f"the batch has {len(batch)} queries; this service takes at most {max_queries} "
            "at once (the manifest's batchSize): send them in smaller batches"
        )
    return [_query(str(key), body, terms) for key, body in batch.items()]


def _query(key: str, body: object, terms: Terms) -> Query:
    where = f"query {shown(key)}"
    if not isinstance(body, dict):
        raise BadRequest(f'{where} is not an object such as {{"query": "Tromso"}}')
    unknown = sorted(set(body) - {"query", "type", "limit", "properties", "type_strict"})
    if unknown:
        raise BadRequest(
            f"{where} has a field the API does not define: {shown(unknown[0])} (fields: "
            "query, type, limit, properties, type_strict)"
        )
    text = body.get("query")
    if text is not None and not isinstance(text, str):
        raise BadRequest(f"{where}: query is a string, the name to match")
    raw_types = body.get("type")
    if raw_types is None:
        types: tuple[str, ...] = ()
    elif isinstance(raw_types, list):
        types = tuple(terms.type_iri(t) for t in raw_types)
    else:
        types = (terms.type_iri(raw_types),)
    strict = body.get("type_strict", "any")
    if strict not in STRICTNESS:
        raise BadRequest(f"{where}: type_strict is one of {', '.join(STRICTNESS)}")
    limit = body.get("limit", DEFAULT_LIMIT)
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int | float)
        or limit != int(limit)
        or not 1 <= limit <= MAX_LIMIT
    ):
        raise BadRequest(f"{where}: limit is a whole number from 1 to {MAX_LIMIT}")
    raw = body.get("properties", [])
    if not isinstance(raw, list) or len(raw) > MAX_CONSTRAINTS:
        raise BadRequest(
            f'{where}: properties is a list (of at most {MAX_CONSTRAINTS}) of {{"pid": '
            'PROPERTY, "v": VALUE}'
        )
    constraints = tuple(_constraint(where, item, terms) for item in raw)
    if (text is None or not text.strip()) and not constraints:
        raise BadRequest(f"{where} has neither a query text nor properties to match")
    return Query(
        key=key,
        text=text.strip() if isinstance(text, str) and text.strip() else None,
        types=types,
        strict=strict,
        limit=int(limit),
        constraints=constraints,
    )


def _constraint(where: str, item: object, terms: Terms) -> Constraint:
    if not isinstance(item, dict) or "pid" not in item or "v" not in item:
        raise BadRequest(f'{where}: each property is {{"pid": PROPERTY, "v": VALUE}}')
    pid = terms.property_iri(item["pid"])
    raw = item["v"] if isinstance(item["v"], list) else [item["v"]]
    if not raw or len(raw) > MAX_VALUES:
        raise BadRequest(f"{where}: a property has from 1 to {MAX_VALUES} values")
    return Constraint(pid, tuple(_wanted(where, v, terms) for v in raw))


def _wanted(where: str, value: object, terms: Terms) -> Wanted:
    if isinstance(value, bool):
        return Wanted(truth=value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise BadRequest(f"{where}: a property value is a finite number")
        return Wanted(number=float(value))
    if isinstance(value, str):
        return Wanted(text=value)
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        name = value.get("name")
        return Wanted(id=terms.expand(value["id"]), text=name if isinstance(name, str) else None)
    raise BadRequest(
        f'{where}: a property value is a string, a number, true/false or {{"id": IRI}}'
    )


def parse_extension(text: str, terms: Terms, *, max_ids: int) -> Extension:
    """A data extension query: ``{"ids": [IRI, ...], "properties": [{"id": PROPERTY}]}``."""
    body = load_json(text, "extend")
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise BadRequest('extend= is {"ids": [IRI, ...], "properties": [{"id": PROPERTY}, ...]}')
    ids = body["ids"]
    if not all(isinstance(i, str) for i in ids):
        raise BadRequest("extend=: ids is a list of strings, the identifiers of things")
    if len(ids) > max_ids:
        raise PayloadTooLarge(
            f"the extension asks for {len(ids)} things; at most {max_ids} at once"
        )
    properties = body.get("properties")
    if not isinstance(properties, list) or not properties or len(properties) > MAX_PROPERTIES:
        raise BadRequest(
            f'extend=: properties is a list of 1 to {MAX_PROPERTIES} {{"id": PROPERTY}}'
        )
    pids = []
    for item in properties:
        if not isinstance(item, dict) or "id" not in item:
            raise BadRequest('extend=: each property is {"id": PROPERTY}')
        pids.append(terms.property_iri(item["id"]))
    return Extension(tuple(dict.fromkeys(ids)), tuple(dict.fromkeys(pids)))
