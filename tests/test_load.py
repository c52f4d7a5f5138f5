"""Loading: every format parses, bad RDF is a typed error with file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from nscn_graph import formats
from nscn_graph.errors import InputError, RdfSyntaxError
from nscn_graph.graph.load import load, load_in_context, parse_bytes

BROKEN = [
    pytest.param(
        "bad.ttl", '@prefix a: <http://a/> .\na:b a:c "x" .\na:b a:d a:e a:f .\n', 3, id="turtle"
    ),
    pytest.param(
        "bad.nt",
        '<http://a/b> <http://a/c> "x" .\n<http://a/b> <http://a/c> .\n',
        2,
        id="n-triples",
    ),
    pytest.param("bad.jsonld", '{"@id": "http://a/b",\n "http://a/c": [}', 2, id="json-ld"),
    pytest.param(
        "bad.rdf",
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/'
        '1999/02/22-rdf-syntax-ns#">\n<rdf:Description>\n</rdf:RDF>\n',
        4,
        id="rdf-xml",
    ),
]


@pytest.mark.parametrize(("name", "text", "line"), BROKEN)
def test_syntax_error_names_file_line_and_column(tmp_path: Path, name, text, line):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(RdfSyntaxError) as caught:
        load([path])
    error = caught.value
    assert error.file == str(path)
    assert error.line == line
    assert error.column is not None and error.column >= 1
    assert str(error).startswith(f"{path}:{line}:{error.column}: ")


def test_missing_file_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="no such file") as caught:
        load([tmp_path / "nope.ttl"])
    assert caught.value.file == str(tmp_path / "nope.ttl")


def test_unknown_suffix_is_an_input_error(tmp_path: Path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    with pytest.raises(InputError, match="unknown RDF file type"):
        load([path])


def test_subjects_remember_their_file(bundled):
    aarhus = "https://w3id.org/nscn/id/city/aarhus"
    assert [Path(f).name for f in bundled.files_of(aarhus)] == ["cities.trig"]


def test_rebasing_moves_every_minted_iri(tmp_path: Path, bundled):
    base = "http://localhost:8080/"
    rebased = load(bundled.files, base=base)
    assert len(rebased) == len(bundled)
    iris = {t.subject.value for t in rebased.triples()}
    assert base + "id/city/aarhus" in iris
    assert not any(i.startswith("https://w3id.org/nscn/") for i in iris)


def test_edited_copy_replaces_its_original(tmp_path: Path, bundled):
    cities = next(f for f in bundled.files if f.name == "cities.trig")
    copy = tmp_path / "my-cities.trig"
    copy.write_text(cities.read_text().replace('"Aarhus"@en', '"Aarhus (edited)"@en'))
    loaded = load_in_context([copy], bundled.files)
    labels = {
        (t.object.value, t.object.language)
        for t in loaded.triples()
        if t.subject.value == "https://w3id.org/nscn/id/city/aarhus"
        and t.predicate.value.endswith("#label")
    }
    assert ("Aarhus (edited)", "en") in labels and ("Aarhus", "en") not in labels
    assert len(loaded) == len(bundled)


def _entity_document(entities: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{entities}]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        f"{body}\n</rdf:RDF>\n"
    ).encode()


def billion_laughs(in_attribute: bool = False) -> bytes:
    """An RDF/XML document of under 2 kB whose entities expand to gigabytes."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    if in_attribute:
        body = '<rdf:Description rdf:about="http://a/&lol9;"/>'
    else:
        body = '<rdf:Description rdf:about="http://a/b"><rdfs:label>&lol9;</rdfs:label></rdf:Description>'
    return _entity_document(entities, body)


@pytest.mark.parametrize("in_attribute", [False, True], ids=["text", "attribute"])
def test_rdfxml_entity_bomb_is_refused_before_parsing(in_attribute):
    # pyoxigraph alone expands this label to 3 GB (9 GB of memory, 20 s).
    with pytest.raises(RdfSyntaxError, match="entities expand") as caught:
        parse_bytes(billion_laughs(in_attribute), formats.RDFXML, name="bomb.rdf")
    assert caught.value.file == "bomb.rdf"


def test_rdfxml_entities_for_namespaces_still_parse():
    data = _entity_document(
        '<!ENTITY nscn "https://w3id.org/nscn/id/">',
        '<rdf:Description rdf:about="&nscn;city/x"><rdfs:label>x</rdfs:label></rdf:Description>',
    )
    (triple,) = parse_bytes(data, formats.RDFXML)
    assert triple.subject.value == "https://w3id.org/nscn/id/city/x"


def deeply_nested_jsonld(depth: int = 20_000) -> bytes:
    """JSON-LD that crashed the process (SIGSEGV in pyoxigraph's parser) before it was refused."""
    return (
        '{"@id": "http://a/s", "http://a/p": ' + '{"http://a/p": ' * depth + "1" + "}" * depth + "}"
    ).encode()


def test_deeply_nested_jsonld_is_refused_before_parsing():
    with pytest.raises(RdfSyntaxError, match="too deeply") as caught:
        parse_bytes(deeply_nested_jsonld(), formats.JSONLD, name="deep.jsonld")
    assert caught.value.file == "deep.jsonld"


def test_ordinary_jsonld_nesting_still_parses():
    assert len(parse_bytes(deeply_nested_jsonld(50), formats.JSONLD)) == 51
