"""The ``nscn-graph`` command line. Exit codes are a contract (as pySHACL's): 0 success or
conforms, 1 the data violates the shapes, 2 unreadable input or another error."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from nscn_graph import __version__, paths
from nscn_graph.errors import InputError, NscnError, ValidationFailed

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2

EPILOG = {
    "validate": """examples:
  nscn-graph validate                      # the bundled data/*.ttl
  nscn-graph validate data/cities.ttl      # an edited file, checked with the rest of data/
  nscn-graph validate --alone new.ttl      # a file on its own
  nscn-graph validate --format json        # the report as JSON

exit status: 0 conforms, 1 violations (the report names file, subject, path, message),
2 unreadable or unparseable input (file:line:column: what is wrong)""",
    "build": """examples:
  nscn-graph build --out dist
  # validates, then writes dist/dumps/nscn-graph-RELEASE.{ttl,nt.gz,jsonld} (RELEASE: the
  # data's release it equals, or "unreleased"; and every earlier release's dumps),
  # dist/dumps/SHA256SUMS, dist/void.ttl (VoID) and dist/catalog.ttl (DCAT-AP 3)
  nscn-graph build --store-dir dist/store
  # ... and a persistent on-disk store: nscn-graph serve --store oxigraph:dist/store""",
    "release": """examples:
  nscn-graph release --notes "Tromsø's population for 2024; two new living labs"
  nscn-graph release --major --notes "cases moved to projects and programmes"

Validates the data, then freezes it as the next release (1.0, then 1.1, ...; --major: 2.0) in
releases/: its statements (releases/VERSION/nscn-graph-VERSION.nq), what changed since the
release before (releases/VERSION/changes.rdfp, an RDF Patch), and its line in
releases/releases.json (number, date, notes, counts, the checksums of its dumps). Commit the
folder: the server then publishes /dumps/nscn-graph-VERSION.* for ever. Refused when nothing
changed since the last release.""",
    "query": """examples:
  nscn-graph query 'SELECT ?city ?label WHERE { ?city a nscn:SmartCity ; rdfs:label ?label }'
  nscn-graph query @queries/labs.rq --format csv
  nscn-graph query @queries/cases-per-theme.rq --format table
  nscn-graph query 'CONSTRUCT WHERE { city:oslo ?p ?o }' --format turtle

  nscn-graph query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' --store oxigraph:dist/store
  nscn-graph query 'ASK { city:oslo ?p ?o }' \\
    --store 'sparql+http://127.0.0.1:7878/query?graph=https://w3id.org/nscn/graph'

The project's prefixes (nscn:, city:, lab:, case:, schema:, skos:, dcterms: ...) are
predeclared. Example queries are in the repository's queries/ folder (the examples above run
from the repository's folder).

STORE_HELP""",
    "serve": """examples:
  nscn-graph serve                              # http://127.0.0.1:8080/
  nscn-graph serve --port 9000 --workers 4
  nscn-graph serve --data big.nt other.ttl      # serve other RDF files
  nscn-graph serve --store oxigraph:dist/store  # a persistent store (nscn-graph build --store-dir)
  NSCN_STORE_USER=dba NSCN_STORE_PASSWORD=secret nscn-graph serve \\
    --store 'sparql+http://127.0.0.1:8890/sparql?graph=https://w3id.org/nscn/graph'

STORE_HELP""",
    "load": """examples:
  nscn-graph load --store oxigraph:dist/store
  nscn-graph load --store 'sparql+http://127.0.0.1:7878/query?update=http://127.0.0.1:7878/update&gsp=http://127.0.0.1:7878/store&graph=https://w3id.org/nscn/graph'
  NSCN_STORE_USER=dba NSCN_STORE_PASSWORD=secret nscn-graph load --store 'sparql+http://127.0.0.1:8890/sparql?gsp=http://127.0.0.1:8890/sparql-graph-crud-auth&graph=https://w3id.org/nscn/graph'

Validates the data first (nothing is written if it violates the shapes), then replaces the
content of the named graph (graph=, default https://w3id.org/nscn/graph) with it: through the
SPARQL 1.1 Graph Store HTTP Protocol (gsp=, one PUT) if given, else SPARQL 1.1 Update (update=:
DROP SILENT GRAPH, then INSERT DATA). Loading again replaces, never duplicates.

STORE_HELP""",
}


def parser() -> argparse.ArgumentParser:
    from nscn_graph.settings import add_flags
    from nscn_graph.sparql.query import FORMAT_NAMES, TABLE
    from nscn_graph.stores import SPEC_HELP

    top = argparse.ArgumentParser(
        prog="nscn-graph",
        description="Validate, build, query and serve the Nordic Smart City Network graph.",
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help,
            description=help,
            epilog=EPILOG[name].replace("STORE_HELP", SPEC_HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    p = command("validate", "Validate the bundled data, or the given files, against the shapes.")
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="RDF files (.ttl .nt .jsonld .rdf); default: the bundled data/*.ttl",
    )
    p.add_argument(
        "--alone",
        action="store_true",
        help="validate the files on their own, not with the rest of the bundled data",
    )
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="report format (default: text)"
    )

    # flags that set a setting (--out, --store, --workers ...) come from the settings table
    p = command("build", "Validate, then write the dumps and the dataset descriptions.")
    add_flags(p, "build")
    p.add_argument(
        "--store-dir",
        type=Path,
        metavar="DIR",
        help="also write a persistent on-disk store there (serve it with --store oxigraph:DIR)",
    )

    p = command("release", "Freeze the data as a new release, recording what changed.")
    p.add_argument("--notes", required=True, help="what changed in this release, in words")
    p.add_argument("--major", action="store_true", help="a major release (2.0 after 1.4)")
    p.add_argument(
        "--number", metavar="MAJOR.MINOR", help="the release's number (default: the next one)"
    )
    add_flags(p, "release")

    p = command("query", "Run a SPARQL query on the embedded store or another store.")
    p.add_argument("query", metavar="SPARQL|@FILE", help="a query, or @ and a file holding one")
    p.add_argument(
        "--format",
        choices=FORMAT_NAMES,
        default=TABLE,
        help="result format: table (the default: a text table for people, Turtle for "
        "CONSTRUCT/DESCRIBE); json, xml, csv, tsv for SELECT/ASK; turtle, json-ld, n-triples, "
        "rdf-xml for CONSTRUCT/DESCRIBE",
    )
    add_flags(p, "query")

    p = command("serve", "Run the HTTP server (production WSGI server, gunicorn).")
    p.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8080, help="port (default: 8080)")
    add_flags(p, "serve")

    p = command("load", "Validate, then push the graph into a store (replacing what it held).")
    add_flags(p, "load")
    return top


def _port(text: str) -> int:
    """A TCP port number (0-65535), for argparse."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return port


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ValidationFailed as exc:
        if exc.report is not None:
            print(exc.report.to_text(), file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_VIOLATIONS
    except NscnError as exc:
        if getattr(args, "format", None) == "json" and args.command == "validate":
            print(json.dumps({"conforms": None, "error": _problem(exc)}, ensure_ascii=False))
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


def _problem(error: NscnError) -> dict[str, object]:
    """An error as JSON for ``--format json``: its title, message, and where (file, line,
    column) as far as known."""
    body: dict[str, object] = {"title": error.title, "detail": error.detail}
    for key in ("file", "line", "column"):
        value = getattr(error, key)
        if value is not None:
            body[key] = value
    return body


def _root() -> Path:
    """The folder with ontology/, data/ and shapes/ (setting ROOT, env NSCN_ROOT)."""
    from nscn_graph.settings import resolve

    return Path(resolve()["ROOT"])


def cmd_validate(args: argparse.Namespace) -> int:
    from nscn_graph.graph.load import load, load_in_context
    from nscn_graph.graph.validate import validate_loaded

    root = _root()
    bundled = paths.data_files(root)
    if not args.files:
        loaded = load(bundled)
    elif args.alone:
        loaded = load(args.files)
    else:
        loaded = load_in_context(args.files, bundled)
    report = validate_loaded(loaded, shapes=paths.shapes_file(root))
    print(report.to_json() if args.format == "json" else report.to_text())
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


def cmd_build(args: argparse.Namespace) -> int:
    from nscn_graph.publish.build import CATALOG_FILE, CHECKSUMS, VOID_FILE, build
    from nscn_graph.settings import from_args, resolve

    root = _root()
    config = resolve(from_args(args, "build"))
    out = Path(config["DIST"])
    try:
        report, dumps = build(
            paths.data_files(root),
            out,
            shapes=paths.shapes_file(root),
            links=config["PUBLIC_URL"],
            store_dir=args.store_dir,
            base=config["BASE"],
            releases=Path(config["RELEASES"]) if config["RELEASES"] else paths.releases_dir(root),
        )
    except OSError as exc:
        where = exc.filename if exc.filename is not None else out
        raise NscnError(f"cannot write the build: {exc.strerror or exc}", file=str(where)) from None
    print(report.to_text())
    for dump in dumps:
        print(f"wrote {dump.path} ({dump.size} bytes)")
    for name in (f"dumps/{CHECKSUMS}", VOID_FILE, CATALOG_FILE):
        print(f"wrote {out / name}")
    if args.store_dir:
        print(
            f"wrote the persistent store {args.store_dir} (serve --store oxigraph:{args.store_dir})"
        )
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    from nscn_graph.graph.load import load
    from nscn_graph.publish.build import release_checksums
    from nscn_graph.publish.release import make_release
    from nscn_graph.settings import from_args, resolve

    config = resolve(from_args(args, "release"))
    root = Path(config["ROOT"])
    folder = Path(config["RELEASES"]) if config["RELEASES"] else paths.releases_dir(root)
    loaded = load(paths.data_files(root))  # under the default base: releases are portable
    _validated(loaded, root)
    try:
        made = make_release(
            loaded.store.quads_for_pattern(None, None, None, None),
            folder,
            notes=args.notes,
            version=args.number,
            major=args.major,
            dump_checksums=release_checksums,
        )
    except OSError as exc:
        where = exc.filename if exc.filename is not None else folder
        raise NscnError(
            f"cannot write the release: {exc.strerror or exc}", file=str(where)
        ) from None
    print(f"release {made.version} ({made.issued}): {made.statements} statements", end="")
    if made.previous is not None:
        print(f", {made.added} added and {made.removed} removed since {made.previous}", end="")
    print(f"\nwrote {made.snapshot}")
    if made.changes is not None:
        print(f"wrote {made.changes}")
    print(f"wrote {folder / 'releases.json'}; commit {folder} to publish the release")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from nscn_graph.settings import from_args, resolve
    from nscn_graph.sparql import guard
    from nscn_graph.sparql.query import write_result
    from nscn_graph.stores import open_store

    text = args.query
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"cannot read the query file: {exc.strerror}", file=str(path)
            ) from None
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the query file is not UTF-8 text (byte {exc.start})", file=str(path)
            ) from None
    guard.check(text)  # what the server refuses, refused with the same message, before loading
    config = resolve(from_args(args, "query"))
    store = open_store(
        config["STORE"],
        files=paths.data_files(Path(config["ROOT"])),
        base=config["BASE"],
        timeout=config["STORE_TIMEOUT"],
    )
    guard.check(text, functions=store.capabilities.functions)  # what this store evaluates
    result = store.query(text, base_iri=config["BASE"])
    output = write_result(result, args.format)
    if not output.endswith(b"\n"):
        output += b"\n"  # a shell prompt after the output starts on its own line
    sys.stdout.buffer.write(output)
    sys.stdout.flush()
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from nscn_graph.settings import from_args
    from nscn_graph.web.wsgi import serve  # the library never imports the server at module level

    serve(host=args.host, port=args.port, overrides=from_args(args, "serve"))
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    from nscn_graph.graph.load import load
    from nscn_graph.settings import from_args, resolve
    from nscn_graph.stores import capabilities_of, load_into

    given = from_args(args, "load")
    config = resolve(given)
    if not capabilities_of(config["STORE"], base=config["BASE"]).loadable:
        raise InputError("say which store to load into: --store SPEC (see --help)")
    root = Path(config["ROOT"])
    files = [Path(f) for f in config["DATA"]] if config["DATA"] else paths.data_files(root)
    loaded = load(files, base=config["BASE"])
    _validated(loaded, root)
    done = load_into(config["STORE"], loaded.dataset(), base=config["BASE"])
    print(done)
    from nscn_graph.search import ensure_index
    from nscn_graph.stores import open_store

    store = open_store(config["STORE"], base=config["BASE"], timeout=config["STORE_TIMEOUT"])
    if store.capabilities.immutable:  # a server over this store then reads the index
        index = ensure_index(store, Path(config["DIST"]), base=config["BASE"])
        print(f"search index: {index.path}")
    return EXIT_OK


def _validated(loaded, root: Path) -> None:
    from nscn_graph.graph.validate import validate_loaded

    report = validate_loaded(loaded, shapes=paths.shapes_file(root))
    if not report.conforms:
        error = ValidationFailed(f"{len(report.violations)} violation(s): nothing was loaded")
        error.report = report
        raise error


COMMANDS = {
    "validate": cmd_validate,
    "build": cmd_build,
    "release": cmd_release,
    "query": cmd_query,
    "serve": cmd_serve,
    "load": cmd_load,
}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
