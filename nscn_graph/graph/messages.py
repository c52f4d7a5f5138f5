"""What a validation report says beside the shapes' own messages: what the offending value
*is* (an IRI, a literal, a blank node, and what the data knows of it), and where in a file a
subject or a prefix is written, so that an editor can go to the line.

A shape's ``sh:message`` says what is expected; it cannot know what was found. These sentences
say it, from the SHACL result's constraint component and value and from the data, for every
shape alike (no sentence names a particular shape).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, SH

KINDS = {rdflib.URIRef: "IRI", rdflib.Literal: "literal", rdflib.BNode: "blank node"}

#: sh:nodeKind values, as words.
NODE_KINDS = {
    SH.IRI: "an IRI",
    SH.Literal: "a literal",
    SH.BlankNode: "a blank node",
    SH.BlankNodeOrIRI: "an IRI or a blank node",
    SH.BlankNodeOrLiteral: "a blank node or a literal",
    SH.IRIOrLiteral: "an IRI or a literal",
}


def kind_of(term) -> str | None:
    """``"IRI"``, ``"literal"`` or ``"blank node"`` (``None`` for no value)."""
    for cls, name in KINDS.items():
        if isinstance(term, cls):
            return name
    return None


def namespace_of(iri: str) -> str:
    """The IRI up to its last ``/`` or ``#`` (what a prefix usually stands for)."""
    cut = max(iri.rfind("/"), iri.rfind("#"))
    return iri[: cut + 1] if cut >= 0 else iri


def found(
    component,
    value,
    constraint: Callable[[rdflib.URIRef], object],
    data: rdflib.Graph,
    show: Callable[[object], str],
) -> str | None:
    """A sentence on what ``value`` is, for a result of ``component`` (``None`` when the
    shape's message says all there is). ``constraint(p)`` is the source shape's value for
    ``sh:p`` (the class or node kind it asks for)."""
    kind = kind_of(value)
    if kind is None:
        return None
    shown = show(value) if kind != "blank node" else "the value"
    name = str(component).rpartition("#")[2]
    if name == "ClassConstraintComponent":
        expected = constraint(SH["class"])
        wanted = f"an {show(expected)}" if expected is not None else "the class the shape names"
        if kind == "IRI":
            if (value, None, None) not in data:
                return (
                    f"{shown} is an IRI that nothing in the data describes "
                    "(is it, or its prefix's IRI, mistyped?)"
                )
            types = sorted(show(t) for t in data.objects(value, RDF.type))
            said = f"typed {', '.join(types)}" if types else "with no rdf:type"
            return f"{shown} is described in the data, {said}, but not as {wanted}"
        return f"{shown} is a {kind}, not the IRI of {wanted}"
    if name == "NodeKindConstraintComponent":
        expected = NODE_KINDS.get(constraint(SH.nodeKind), "another kind of value")
        article = "an" if kind == "IRI" else "a"
        return f"{shown} is {article} {kind}, where {expected} is expected"
    if name == "DatatypeConstraintComponent":
        expected = constraint(SH.datatype)
        wanted = show(expected) if expected is not None else "the shape's datatype"
        if kind != "literal":
            return f"{shown} is {'an' if kind == 'IRI' else 'a'} {kind}, not a literal of {wanted}"
        if value.language:
            return f"{shown} is a literal in language @{value.language}, not of {wanted}"
        datatype = value.datatype or rdflib.XSD.string
        return f"{shown} is a literal of {show(datatype)}, not of {wanted}"
    return None


_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)


class Lines:
    """Where terms are written in the files: the first line a subject starts (Turtle,
    N-Triples) or is named on (any format), and the line a prefix is declared on."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._lines = {name: text.splitlines() for name, text in texts.items()}
        self._depths = {name: _block_depths(text) for name, text in texts.items()}
        self._prefixes: dict[str, list[tuple[str, str, int]]] = {}
        for name, lines in self._lines.items():
            declared = []
            for number, line in enumerate(lines, start=1):
                match = _PREFIX.match(line)
                if match:
                    declared.append((match[1], match[2], number))
            self._prefixes[name] = declared

    @classmethod
    def of_files(cls, names: Iterable[str]) -> Lines:
        """The files among ``names`` that can be read as UTF-8 text."""
        texts = {}
        for name in names:
            try:
                texts[name] = Path(name).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        return cls(texts)

    def _spellings(self, name: str, iri: str) -> list[str]:
        spellings = [f"<{iri}>"]
        for prefix, namespace, _ in self._prefixes.get(name, ()):
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and re.fullmatch(r"[\w.-]*", local):
                spellings.append(f"{prefix}:{local}")
        spellings.append(f'"{iri}"')  # JSON-LD "@id", RDF/XML rdf:about
        return spellings

    def subject(self, name: str, term, *, outside_graphs: bool = False) -> int | None:
        """The first line of file ``name`` that starts with ``term`` (an IRI), else the first
        that names it; ``None`` if it is not found (a blank node, a file not read). With
        ``outside_graphs``, only lines outside every graph block of a TriG file count."""
        lines = self._lines.get(name)
        if lines is None or not isinstance(term, rdflib.URIRef):
            return None
        spellings = self._spellings(name, str(term))
        depths = self._depths.get(name, [])
        anywhere = None
        for number, line in enumerate(lines, start=1):
            if outside_graphs and number <= len(depths) and depths[number - 1] > 0:
                continue
            text = line.lstrip()
            for spelling in spellings:
                after = text[len(spelling) : len(spelling) + 1]
                if text.startswith(spelling) and (after == "" or after.isspace()):
                    return number
                if anywhere is None and _names(line, spelling):
                    anywhere = number
        return anywhere

    def graph(self, name: str, iri: str) -> int | None:
        """The line of file ``name`` (TriG) where the block of the graph ``iri`` opens
        (``record:x {`` or ``GRAPH record:x {``), ``None`` if it is not found."""
        lines = self._lines.get(name)
        if lines is None:
            return None
        depths = self._depths.get(name, [])
        spellings = self._spellings(name, iri)
        for number, line in enumerate(lines, start=1):
            if number <= len(depths) and depths[number - 1] > 0:
                continue
            text = line.strip()
            if text[:5].upper() == "GRAPH":
                text = text[5:].lstrip()
            for spelling in spellings:
                if text.startswith(spelling) and text[len(spelling) :].lstrip().startswith("{"):
                    return number
        return None

    def prefix(self, namespace: str) -> tuple[str, str, int] | None:
        """``(file, prefix, line)`` where a prefix for ``namespace`` is declared."""
        for name, declared in self._prefixes.items():
            for prefix, iri, number in declared:
                if iri == namespace:
                    return name, prefix, number
        return None


#: What can hide a brace: long and short strings, IRIs, comments; then braces and line ends.
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\s]*>|#[^\n]*|[{}]|\n"
)


def _block_depths(text: str) -> list[int]:
    """For each line of a TriG (or Turtle) text, how many graph blocks ``{ ... }`` are open
    where it starts; strings, IRIs and comments are skipped."""
    depths, depth = [0], 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        else:
            for _ in range(token.count("\n")):
                depths.append(depth)
    return depths


def _names(line: str, spelling: str) -> bool:
    """``spelling`` occurs in ``line`` as a whole term."""
    at = line.find(spelling)
    while at >= 0:
        before = line[at - 1] if at > 0 else " "
        after = line[at + len(spelling)] if at + len(spelling) < len(line) else " "
        if not re.match(r"[\w:-]", before) and not re.match(r"[\w:-]", after):
            return True
        at = line.find(spelling, at + 1)
    return False
