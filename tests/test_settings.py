"""Settings are declared once (``nscn_graph/settings.py``) and that one table is what the README
documents, what the CLI's ``--help`` says, which flags set what, and what the factory reads."""

from __future__ import annotations

import pytest

from nscn_graph import cli, settings
from nscn_graph.errors import InputError
from nscn_graph.paths import ROOT
from nscn_graph.settings import SETTINGS

BEGIN = "<!-- settings table:"
END = "<!-- end of settings table -->"


def readme_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(BEGIN)
    start = text.index("\n", start) + 1
    return text[start : text.index(END)]


def test_readme_settings_table_is_the_settings_table():
    """Paste the output of ``python -m nscn_graph.settings`` into the README when this fails."""
    assert readme_table() == settings.markdown_table()


def test_readme_table_has_a_row_per_setting():
    rows = [line for line in readme_table().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [s.name for s in SETTINGS]
    assert len({s.name for s in SETTINGS}) == len(SETTINGS)


def help_of(command: str, capsys) -> str:
    with pytest.raises(SystemExit):
        cli.parser().parse_args([command, "--help"])
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("name", "command"),
    [(s.name, c) for s in SETTINGS for c in s.commands],
    ids=lambda v: str(v),
)
def test_each_flag_says_the_settings_help_default_and_environment(name, command, capsys):
    setting = next(s for s in SETTINGS if s.name == name)
    shown = help_of(command, capsys)
    assert setting.option in shown
    assert " ".join(setting.help.replace("`", "").split()) in shown
    assert f"environment {setting.env}" in shown


def test_commands_take_exactly_the_flags_the_table_gives_them():
    assert {s.name for s in settings.for_command("serve")} >= {"WORKERS", "THREADS", "STORE"}
    assert [s.option for s in settings.for_command("build")] == ["--out", "--releases"]
    assert [s.option for s in settings.for_command("release")] == ["--releases"]
    assert [s.option for s in settings.for_command("query")] == ["--store"]


def test_flags_become_settings_for_the_factory():
    args = cli.parser().parse_args(
        ["serve", "--workers", "3", "--data", "a.ttl", "b.ttl", "--store", "oxigraph:x"]
    )
    given = settings.from_args(args, "serve")
    assert given == {"DATA": ["a.ttl", "b.ttl"], "WORKERS": 3, "STORE": "oxigraph:x"}
    assert settings.resolve(given, environ={"NSCN_WORKERS": "5"})["WORKERS"] == 3
    args = cli.parser().parse_args(["serve"])
    assert settings.from_args(args, "serve") == {}
    assert settings.resolve({}, environ={"NSCN_WORKERS": "5"})["WORKERS"] == 5


def test_a_bad_flag_value_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.parser().parse_args(["serve", "--threads", "0"])
    assert stopped.value.code == 2
    assert "'0' is not a whole number of at least 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NSCN_SPARQL_TIMEOUT", "2.5", 2.5),
        ("NSCN_VALIDATE_MAX_BYTES", "10", 10),
        ("NSCN_WORKERS", "4", 4),
        ("NSCN_STORE", "oxigraph:dist/store", "oxigraph:dist/store"),
        ("NSCN_DATA", "a.ttl", ["a.ttl"]),
    ],
)
def test_environment_values_are_read_with_the_settings_type(variable, value, expected):
    name = variable.removeprefix("NSCN_")
    assert settings.resolve(environ={variable: value})[name] == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [("NSCN_SPARQL_TIMEOUT", "soon"), ("NSCN_WORKERS", "0"), ("NSCN_SPARQL_MAX_BODY", "1MB")],
)
def test_a_bad_environment_value_names_the_variable(variable, value):
    with pytest.raises(InputError) as error:
        settings.resolve(environ={variable: value})
    assert variable in str(error.value) and repr(value) in str(error.value)


def test_the_factory_reads_every_setting():
    from nscn_graph.web import create_app

    app = create_app({"TESTING": True, "SPARQL_TIMEOUT": 3.0})
    for setting in SETTINGS:
        assert setting.name in app.config
    assert app.config["SPARQL_TIMEOUT"] == 3.0


def test_build_writes_where_the_dist_setting_says(cli, tmp_path):
    """``build`` without ``--out`` writes to ``NSCN_DIST``: the flag and the variable are one
    setting."""
    result = cli("build", env={"NSCN_DIST": str(tmp_path / "from-env")})
    assert result.code == 0, result.err
    assert (tmp_path / "from-env" / "void.ttl").is_file()
    assert f"wrote {tmp_path / 'from-env'}" in result.out
