"""Validation of data against the project's SHACL shapes (W3C SHACL, Core only), with pySHACL.

The report names, for each result, the file an editor has to open, the focus node, the path, the
message and the severity, and can be printed for people or as JSON for programs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import RDF, SH
from rdflib.paths import Path as RdflibPath

from nscn_graph import paths as project_paths
from nscn_graph.graph.load import LoadedGraph
from nscn_graph.namespaces import PREFIXES

_NAMES = rdflib.namespace.NamespaceManager(rdflib.Graph(), bind_namespaces="none")
for _prefix, _iri in PREFIXES.items():
    _NAMES.bind(_prefix, _iri)
_NAMES.bind("nscnsh", "https://w3id.org/nscn/shapes#")
_NAMES.bind("sh", str(SH))


@dataclass(frozen=True)
class Result:
    """One SHACL validation result, located in the files it concerns."""

    files: tuple[str, ...]
    focus: str
    path: str | None
    message: str
    severity: str
    shape: str | None
    value: str | None
    component: str

    def __str__(self) -> str:
        where = ", ".join(self.files) or "(no file)"
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return (
            f"{where}: {self.focus}{path}: {self.message}{value} "
            f"[{self.severity}, {self.shape or self.component}]"
        )


@dataclass
class Report:
    """The outcome of a validation: ``conforms`` and the results, most severe first."""

    conforms: bool
    results: list[Result] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    triples: int = 0
    graph: rdflib.Graph | None = field(default=None, repr=False)

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    def to_text(self) -> str:
        if self.conforms:
            return f"Conforms: {self.triples} triples in {len(self.files)} file(s), no violations."
        lines = [str(r) for r in self.results]
        lines.append(
            f"Does not conform: {len(self.violations)} violation(s), "
            f"{len(self.results)} result(s) in all, {self.triples} triples checked."
        )
        return "\n".join(lines)

    def to_json(self) -> str:
        body = {
            "conforms": self.conforms,
            "triples": self.triples,
            "files": self.files,
            "results": [asdict(r) for r in self.results],
        }
        return json.dumps(body, indent=2, ensure_ascii=False)


@lru_cache(maxsize=4)
def shapes_graph(path: Path | None = None) -> rdflib.Graph:
    """The SHACL shapes (parsed once)."""
    return rdflib.Graph().parse(path or project_paths.shapes_file(), format="turtle")


def validate_loaded(loaded: LoadedGraph, *, shapes: Path | None = None) -> Report:
    data = loaded.to_rdflib()
    conforms, report_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(shapes),
        inference="none",
        advanced=False,
        allow_warnings=True,
        abort_on_first=False,
    )
    results = [
        _result(report_graph, node, loaded, data)
        for node in report_graph.subjects(RDF.type, SH.ValidationResult)
    ]
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    results.sort(key=lambda r: (order.get(r.severity, 3), r.files, r.focus, r.path or ""))
    return Report(
        conforms=bool(conforms),
        results=results,
        files=[str(f) for f in loaded.files],
        triples=len(data),
        graph=report_graph,
    )


def _result(report: rdflib.Graph, node, loaded: LoadedGraph, data: rdflib.Graph) -> Result:
    focus = report.value(node, SH.focusNode)
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    severity = report.value(node, SH.resultSeverity)
    shape = report.value(node, SH.sourceShape)
    messages = [str(m) for m in report.objects(node, SH.resultMessage)]
    return Result(
        files=tuple(_files_for(focus, value, loaded, data)),
        focus=_show_focus(focus, data),
        path=_show_path(report, path) if path is not None else None,
        message="; ".join(messages) or "constraint not met",
        severity=str(severity).rpartition("#")[2] if severity else "Violation",
        shape=_show(shape) if isinstance(shape, rdflib.URIRef) else None,
        value=_show(value) if value is not None else None,
        component=_show(report.value(node, SH.sourceConstraintComponent)),
    )


def _files_for(focus, value, loaded: LoadedGraph, data: rdflib.Graph) -> list[str]:
    """The files that describe the focus node; for a literal or a thing no file describes
    (a shared identifier, a dangling link), the files of the subjects that mention it."""
    files = set(loaded.files_of(str(focus))) if not isinstance(focus, rdflib.Literal) else set()
    if not files:
        for term in (focus, value):
            if term is None:
                continue
            for subject in data.subjects(None, term):
                files.update(loaded.files_of(str(subject)))
    return sorted(files)


def _show_focus(focus, data: rdflib.Graph) -> str:
    """The focus node; a literal (a shared identifier) with the subjects that hold it."""
    if not isinstance(focus, rdflib.Literal):
        return _show(focus)
    holders = sorted(_show(s) for s in set(data.subjects(None, focus)))
    return f"{_show(focus)} (on {', '.join(holders)})" if holders else _show(focus)


def _show(term) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        return _NAMES.normalizeUri(term)
    return term.n3()


def _show_path(report: rdflib.Graph, path) -> str:
    if isinstance(path, rdflib.URIRef):
        return _show(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _show(inverse)
    return str(path) if isinstance(path, RdflibPath) else path.n3()
