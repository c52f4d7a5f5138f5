"""The one SPARQL lexer: tokens as the grammar's terminals, and positions."""

from __future__ import annotations

import pytest

from nscn_graph.sparql.lexer import check_bounds, position, tokens


def kinds(query: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokens(query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?s ex:p 'a' .", [("var", "?s"), ("pname", "ex:p"), ("string", "'a'"), ("punct", ".")]),
        ("<http://e/a(b)> # {", [("iri", "<http://e/a(b)>"), ("comment", "# {")]),
        ('"a\\"{" @en-GB', [("string", '"a\\"{"'), ("lang", "@en-GB")]),
        ("ex:a\\#b", [("pname", "ex:a\\#b")]),
        ("'x'^^xsd:int", [("string", "'x'"), ("datatype", "^^"), ("pname", "xsd:int")]),
        (
            "?a<=?b&&!?c",
            [("var", "?a"), ("op", "<="), ("var", "?b"), ("op", "&&"), ("op", "!"), ("var", "?c")],
        ),
        (
            "FROM NAMED _:b1 1.5e3",
            [("word", "FROM"), ("word", "NAMED"), ("bnode", "_:b1"), ("number", "1.5e3")],
        ),
        ("'''a\n'b'''", [("string", "'''a\n'b'''")]),
    ],
    ids=[
        "triple",
        "iri-comment",
        "escaped-string-lang",
        "escaped-name",
        "datatype",
        "operators",
        "words-bnode-number",
        "long-string",
    ],
)
def test_tokens(query, expected):
    assert kinds(query) == expected


def test_tokens_keep_their_offsets():
    query = "SELECT ?x\nWHERE { ?x ?p 'o' }"
    for token in tokens(query):
        assert query[token.start : token.end] == token.text


def test_position_is_one_based_line_and_column():
    query = "ASK {\n  ?s ?p ?o }"
    assert position(query, 0) == (1, 1)
    assert position(query, query.index("?s")) == (2, 3)


def test_bounds_return_the_tokens():
    assert [t.text for t in check_bounds("ASK { }")] == ["ASK", "{", "}"]
