"""Where the server finds its files, and the start-up check that they are all there."""

from __future__ import annotations

import pytest

from nscn_graph import paths
from nscn_graph.errors import IncompleteInstallation
from nscn_graph.web import create_app


def test_a_checkout_serves_the_repositorys_own_folders():
    assert paths.ROOT == paths.CHECKOUT
    assert paths.ontology_file().is_file() and paths.shapes_file().is_file()
    assert paths.missing_assets() == []


def test_missing_front_end_assets_stop_start_up_and_say_how_to_get_them(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "VENDOR", tmp_path)
    with pytest.raises(IncompleteInstallation) as raised:
        create_app({"TESTING": True})
    message = str(raised.value)
    for expected in ("yasgui/yasgui.min.js", "world-atlas/countries-50m.json", "npm ci", "make"):
        assert expected in message


def test_one_missing_asset_is_named_alone(monkeypatch, tmp_path):
    for target in ("yasgui/yasgui.min.js", "yasgui/yasgui.min.css"):
        (tmp_path / target).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / target).write_text("x")
    monkeypatch.setattr(paths, "VENDOR", tmp_path)
    (missing,) = paths.missing_assets()
    assert "world-atlas" in missing and "yasgui" not in missing


def test_serve_refuses_a_root_without_the_sources(cli, tmp_path):
    (tmp_path / "data").mkdir()
    result = cli("serve", "--port", "1", env={"NSCN_ROOT": str(tmp_path)})
    assert result.code == 2
    assert str(tmp_path / "ontology" / "nscn.ttl") in result.err
    assert str(tmp_path / "shapes" / "nscn-shapes.ttl") in result.err
    assert "NSCN_ROOT" in result.err and "Traceback" not in result.err


def test_other_data_needs_no_bundled_data_folder(tmp_path):
    for source in (paths.ontology_file(), paths.shapes_file()):
        target = tmp_path / source.parent.name / source.name
        target.parent.mkdir()
        target.write_bytes(source.read_bytes())
    with pytest.raises(IncompleteInstallation, match="data"):
        paths.require_complete(tmp_path)
    paths.require_complete(tmp_path, data=["other.ttl"])
