"""Settings, declared once, as data: the table :data:`SETTINGS` (name, default, help, type, and
the command-line flag that sets it, if any). It feeds the CLI's ``--help`` and flags
(:func:`add_flags`, :func:`from_args`), the README's settings table (:func:`markdown_table`,
checked by ``tests/test_settings.py``; ``python -m nscn_graph.settings`` prints it) and the app
factory, which resolves them once (:func:`resolve`): defaults, then the environment
(``NSCN_<NAME>``), then the mapping a caller (a test, the CLI's flags) passes.

To add a setting, add one ``Setting(...)`` to the table and paste the new table into the README.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nscn_graph.errors import InputError
from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.paths import ROOT


def flag(text: str) -> bool:
    """A yes/no setting: true/1/yes/on or false/0/no/off."""
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is neither true nor false")


def positive(text: str) -> int:
    """A whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"{text!r} is not a whole number of at least 1")
    return number


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: Callable[[str], Any] = str  #: parses the environment's text (``list``: a path list)
    cli: str = ""  #: the subcommands whose flag sets it, separated by spaces (``"serve load"``)
    flag: str = ""  #: the flag, when not ``--name-in-lower-case``
    metavar: str = ""  #: the flag's value in ``--help``
    shown: str = ""  #: the default as the documentation says it, when not the value itself

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return f"NSCN_{self.name}"

    @property
    def option(self) -> str:
        return self.flag or "--" + self.name.lower().replace("_", "-")

    @property
    def commands(self) -> tuple[str, ...]:
        return tuple(self.cli.split())

    @property
    def default_text(self) -> str:
        return self.shown or f"`{self.default}`"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "BASE",
        DEFAULT_BASE,
        "IRI base of everything the graph mints; data is rebased when loaded",
    ),
    Setting(
        "PUBLIC_URL",
        None,
        "public URL of the server, for absolute links",
        shown="the request's URL",
    ),
    Setting(
        "ROOT",
        str(ROOT),
        "folder holding `ontology/`, `data/` and `shapes/`",
        shown="the bundled sources",
    ),
    Setting(
        "DATA",
        None,
        "RDF files to use instead of the bundled data (in the environment: paths separated by "
        "the OS path separator)",
        list,
        cli="serve load",
        metavar="FILE",
        shown="`data/*.ttl` in ROOT",
    ),
    Setting(
        "DIST",
        "dist",
        "where `build` writes dumps and descriptions",
        cli="build",
        flag="--out",
        metavar="DIR",
    ),
    Setting(
        "RELEASES",
        None,
        "folder of the data's releases (`releases.json`, one folder per release)",
        cli="release build",
        metavar="DIR",
        shown="`releases/` in ROOT",
    ),
    Setting("WORKERS", 2, "WSGI worker processes", positive, cli="serve"),
    Setting("THREADS", 4, "threads per WSGI worker", positive, cli="serve"),
    Setting(
        "HEADER_TIMEOUT",
        10.0,
        "seconds a connection may take to send a request's head (and may stay idle) before a 408",
        float,
    ),
    Setting(
        "BODY_TIMEOUT",
        60.0,
        "seconds a request body may take to arrive, after its head, before a 408",
        float,
    ),
    Setting(
        "DRAIN_DELAY",
        0.0,
        "seconds a server told to stop (SIGTERM) goes on serving, `/health` answering 503 "
        "`draining`, before it refuses new connections (behind a load balancer: more than its "
        "health checks' interval times their fall count)",
        float,
    ),
    Setting(
        "DRAIN_TIMEOUT",
        20.0,
        "seconds the requests in progress then have to finish before the server stops",
        float,
    ),
    Setting(
        "WORKER",
        "buffered",
        "`serve`'s worker: `buffered` (requests are read whole before an app thread sees them) "
        "or `gthread` (gunicorn's threaded worker, for use behind a buffering proxy only)",
    ),
    Setting(
        "CONTROL_SOCKET",
        "",
        "path of gunicorn's control socket for `gunicornc` (empty: none; one path per server)",
    ),
    Setting(
        "ACCESS_LOG",
        "-",
        "where `serve` writes its access log: `-` standard output, `off` none, or a file",
    ),
    Setting(
        "STORE",
        "memory",
        "the store to serve and query: memory, oxigraph:DIR or sparql+URL (credentials for a "
        "remote store in NSCN_STORE_USER and NSCN_STORE_PASSWORD)",
        cli="serve query load",
        metavar="SPEC",
    ),
    Setting(
        "STORE_TIMEOUT",
        30.0,
        "seconds to wait for a remote SPARQL store before answering 504",
        float,
    ),
    Setting(
        "STORE_CONNECT_TIMEOUT",
        3.0,
        "seconds to wait for a remote SPARQL store to accept a connection (and to answer "
        "`ASK {}` when it is checked) before it counts as down",
        float,
    ),
    Setting(
        "STORE_CONCURRENCY",
        0,
        "calls to a remote SPARQL store at once per WSGI worker, past which a request needing "
        "it is a 503 at once (0: THREADS - 1, so one thread stays free for other requests)",
        int,
    ),
    Setting(
        "MEMORY_STORE_BUDGET",
        1024,
        "megabytes the embedded store (`memory`) may take in RAM, counted once for every "
        "process that reads it (master, web workers, query workers): within it the graph stays "
        "in memory (fastest); past it, it is written once to a read-only on-disk store that "
        "they all share (one copy, slower scans); 0: always on disk",
        int,
    ),
    Setting(
        "VALIDATE_MAX_BYTES",
        5_000_000,
        "largest document `/validate` accepts, in bytes (413 above)",
        int,
    ),
    Setting(
        "VALIDATE_MAX_TRIPLES",
        100_000,
        "most triples `/validate` checks in one document (413 above)",
        int,
    ),
    Setting(
        "VALIDATE_TIMEOUT",
        30.0,
        "seconds a `/validate` validation may run (503 with `Retry-After` after)",
        float,
    ),
    Setting(
        "VALIDATE_MEMORY_LIMIT",
        0,
        "megabytes a `/validate` process may use beyond its libraries (503 past it; 0: as for a "
        "query worker, half the machine's memory shared among all that may run at once)",
        int,
    ),
    Setting(
        "VALIDATE_CONCURRENCY",
        2,
        "validations one worker process runs at once (503 when busy)",
        int,
    ),
    Setting(
        "RECONCILE_MAX_QUERIES",
        200,
        "most queries in one `/reconcile` batch, and most things in one data extension (413 "
        "past it; the manifest's `batchSize`)",
        positive,
    ),
    Setting(
        "SPARQL_TIMEOUT",
        10.0,
        "seconds a SPARQL query may run; past it the query is stopped and answered 503 with "
        "`Retry-After`",
        float,
    ),
    Setting(
        "SPARQL_QUERY_WORKERS",
        0,
        "query worker processes per web worker (0: as many as THREADS)",
        int,
    ),
    Setting(
        "SPARQL_MEMORY_LIMIT",
        0,
        "megabytes a query worker may use beyond what it shares with its web worker (0: half "
        "the machine's memory shared among all query workers, between 256 and 4096)",
        int,
    ),
    Setting(
        "SPARQL_MAX_BODY",
        1_048_576,
        "largest `/sparql` request body in bytes (413 past it, before parsing)",
        int,
    ),
    Setting("SPARQL_MAX_QUERY", 100_000, "longest query in characters (413)", int),
    Setting(
        "SPARQL_MAX_RESULT",
        50_000_000,
        "largest serialised result in bytes (422: page with LIMIT/OFFSET or download a dump)",
        int,
    ),
    Setting(
        "TRUSTED_PROXIES",
        "",
        "addresses or networks of reverse proxies whose `X-Forwarded-For` names the client, "
        "separated by commas (empty: none, the peer's address is the client)",
    ),
    Setting(
        "FAIR_USE_QUERY_TIME",
        60.0,
        "seconds of answering time of `/sparql`, `/validate` and `/search` a client may use per "
        "FAIR_USE_WINDOW; past it 429 with `Retry-After` (0: no limit)",
        float,
    ),
    Setting("FAIR_USE_WINDOW", 60.0, "the window of FAIR_USE_QUERY_TIME, in seconds", float),
    Setting(
        "FAIR_USE_CONCURRENCY",
        4,
        "requests to `/sparql`, `/validate` and `/search` a client may have in progress at once "
        "(429 past it; 0: no limit)",
        int,
    ),
    Setting(
        "FAIR_USE_STATE",
        "",
        "SQLite file holding the clients' budgets, shared by a server's workers (empty: one per "
        "server in a temporary folder; servers that name one file share budgets)",
    ),
    Setting(
        "METRICS_ALLOW",
        "127.0.0.1, ::1",
        "addresses or networks that may read `/metrics`, separated by commas (empty: nobody)",
    ),
    Setting(
        "QUERY_LOG",
        "off",
        "where `serve` writes its query log (JSON lines: hash, duration, outcome): `-` standard "
        "output, `off` none, or a file",
    ),
    Setting(
        "QUERY_LOG_TEXT",
        False,
        "whether the query log holds each query's text (not only its hash)",
        flag,
    ),
    Setting("BROWSE_PAGE_SIZE", 50, "things per browse page (`/doc/{type}/`) by default", positive),
    Setting("BROWSE_MAX_PAGE_SIZE", 500, "most things a browse page lists (`limit=`)", positive),
)


def resolve(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then ``NSCN_*`` environment variables, then ``overrides``; an environment
    value of the wrong type is an :class:`~nscn_graph.errors.InputError` naming the variable."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            continue
        if setting.kind is list:
            config[setting.name] = raw.split(os.pathsep)
            continue
        try:
            config[setting.name] = setting.kind(raw)
        except ValueError as exc:
            raise InputError(f"{setting.env}={raw!r}: {_expected(setting, exc)}") from None
    config.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return config


def _expected(setting: Setting, exc: ValueError) -> str:
    if setting.kind in (int, float):
        return f"expected a {'whole ' if setting.kind is int else ''}number ({setting.help})"
    return str(exc)


def for_command(command: str) -> list[Setting]:
    """The settings that ``nscn-graph COMMAND`` takes as flags."""
    return [s for s in SETTINGS if command in s.commands]


def add_flags(parser: argparse.ArgumentParser, command: str) -> None:
    """A flag for each setting of ``command``, its help said once, in :data:`SETTINGS`."""
    for setting in for_command(command):

        def parse(text: str, setting: Setting = setting) -> Any:
            try:
                return setting.kind(text)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None

        text = f"{setting.help} (default: {setting.default_text}; environment {setting.env})"
        options: dict[str, Any] = {
            "dest": setting.name,
            "default": None,
            "help": text.replace("`", "").replace("%", "%%"),
        }
        if setting.metavar:
            options["metavar"] = setting.metavar
        if setting.kind is list:
            options.update(nargs="+", type=Path)
        elif setting.kind is not str:
            options["type"] = parse
        parser.add_argument(setting.option, **options)


def from_args(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The settings the flags of ``command`` gave (those not given are left out)."""
    given = {}
    for setting in for_command(command):
        value = getattr(args, setting.name, None)
        if value is None:
            continue
        given[setting.name] = [str(v) for v in value] if setting.kind is list else value
    return given


def markdown_table() -> str:
    """The README's settings table."""
    lines = [
        "| setting | environment | default | flag | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        flag = ", ".join(f"`{c} {s.option}`" for c in s.commands)
        lines.append(
            f"| `{s.name}` | `{s.env}` | {s.default_text} | {flag} | {s.help.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table(), end="")
