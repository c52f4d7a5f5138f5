"""The project's typed errors.

Each class knows its HTTP status and a short title (RFC 9457 problem details) and carries where
the problem is (file, line, column, IRI). The library raises them; only the edges translate them:
one Flask error handler in the server, one function in the CLI that maps them to exit codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(eq=False)
class NscnError(Exception):
    """Base class. ``detail`` is a message for a person: what is wrong and what to do."""

    detail: str
    status: int = field(default=500, kw_only=True)
    title: str = field(default="Internal error", kw_only=True)
    file: str | None = field(default=None, kw_only=True)
    line: int | None = field(default=None, kw_only=True)
    column: int | None = field(default=None, kw_only=True)
    iri: str | None = field(default=None, kw_only=True)
    headers: dict[str, str] = field(default_factory=dict, kw_only=True)

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    @property
    def where(self) -> str:
        """``file:line:column`` (as much of it as is known), or ``""``."""
        parts = [str(p) for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(parts)

    def __str__(self) -> str:
        """``file:line:column: detail`` for a problem in a file, else the detail alone."""
        return f"{self.where}: {self.detail}" if self.file else self.detail

    def problem(self) -> dict[str, object]:
        """The RFC 9457 members of this error (without ``instance``, which the edge adds)."""
        body: dict[str, object] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        for key in ("line", "column", "iri"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        return body


def _kind(status: int, title: str):
    """A subclass with its own default status and title."""

    def init(self, detail: str, **kw) -> None:
        kw.setdefault("status", status)
        kw.setdefault("title", title)
        NscnError.__init__(self, detail, **kw)

    return init


class InputError(NscnError):
    """Input that cannot be read: a missing file, a file that does not parse (CLI exit 2)."""

    __init__ = _kind(400, "Unreadable input")


class RdfSyntaxError(InputError):
    """RDF that does not parse, with the parser's line and column."""

    __init__ = _kind(400, "RDF syntax error")


class ValidationFailed(NscnError):
    """The data violates the shapes (CLI exit 1). ``report`` is the validation report."""

    __init__ = _kind(422, "Validation failed")
    report: object = None


class QuerySyntaxError(NscnError):
    """A SPARQL query that does not parse."""

    __init__ = _kind(400, "Malformed query")


class BadRequest(NscnError):
    __init__ = _kind(400, "Bad request")


class Forbidden(NscnError):
    """A request the server refuses on principle, such as an update on a read-only endpoint."""

    __init__ = _kind(403, "Forbidden")


class NotFound(NscnError):
    __init__ = _kind(404, "Not found")


class Gone(NscnError):
    __init__ = _kind(410, "Gone")


class NotAcceptable(NscnError):
    """Nothing the client accepts is offered (406). ``offered`` lists the media types that
    are; it is a member of the problem details, for programs."""

    __init__ = _kind(406, "Not acceptable")
    offered: tuple[str, ...] = ()

    @classmethod
    def offering(
        cls, offered: Sequence[str], *, names: Sequence[str] | None = None
    ) -> NotAcceptable:
        """The one 406 of the server: what was asked cannot be had, and what can. With
        ``names``, a ``format=`` parameter asked (by those names); else ``Accept``."""
        if names is None:
            detail = (
                "None of the media types in Accept is offered here. Ask for one of: "
                + ", ".join(offered)
                + "."
            )
        else:
            detail = (
                "The format parameter names no form offered here. Name one of: "
                + ", ".join(f"{n} ({m})" for n, m in zip(names, offered, strict=True))
                + "."
            )
        error = cls(detail)
        error.offered = tuple(offered)
        return error

    def problem(self) -> dict[str, object]:
        body = super().problem()
        if self.offered:
            body["offered"] = list(self.offered)
        return body


class PayloadTooLarge(NscnError):
    __init__ = _kind(413, "Content too large")


class UnsupportedMediaType(NscnError):
    __init__ = _kind(415, "Unsupported media type")


class QueryTimeout(NscnError):
    __init__ = _kind(503, "Query timed out")


class StoreUnavailable(NscnError):
    """An external store that is down (503, with ``Retry-After``) or answers an error or
    something unreadable (502 Bad Gateway), RFC 9110 section 15.6."""

    __init__ = _kind(502, "Store unavailable")


class StoreTimeout(StoreUnavailable):
    """An external store that did not answer in time (504 Gateway Timeout, ``Retry-After``)."""

    __init__ = _kind(504, "Store timed out")


class ValidationTimeout(NscnError):
    """A validation that did not finish within its time limit (``/validate``)."""

    __init__ = _kind(503, "Validation timed out")


class ValidationOutOfMemory(NscnError):
    """A validation that needed more memory than its process is allowed
    (``VALIDATE_MEMORY_LIMIT``)."""

    __init__ = _kind(503, "Validation memory limit reached")


class Busy(NscnError):
    """The server is already doing as much of this work as it allows at once."""

    __init__ = _kind(503, "Service busy")


class TooManyRequests(NscnError):
    """A client past its fair share (query time per minute, queries at once): 429 with
    ``Retry-After`` (RFC 6585 section 4)."""

    __init__ = _kind(429, "Too many requests")
    limits: dict | None = None  #: the limits and the client's state, a member of the problem

    def problem(self) -> dict[str, object]:
        body = super().problem()
        if self.limits:
            body["limits"] = dict(self.limits)
        return body


class ResultTooLarge(NscnError):
    """A query whose result is larger than the endpoint serves (the client can page it)."""

    __init__ = _kind(422, "Result too large")


class IncompleteInstallation(NscnError):
    """A file the server needs is missing: a front-end asset that the build step copies from npm,
    or the ontology, data or shapes (CLI exit 2, at start-up)."""

    __init__ = _kind(500, "Incomplete installation")


class QueryTooComplex(QuerySyntaxError):
    """A query past one of the lexer's bounds (nesting, operators, branches, tokens): refused
    before the query engine sees it."""

    __init__ = _kind(400, "Query too complex")


class QueryOutOfMemory(NscnError):
    """A query that needed more memory than a query worker is allowed (``SPARQL_MEMORY_LIMIT``)."""

    __init__ = _kind(503, "Query memory limit reached")
