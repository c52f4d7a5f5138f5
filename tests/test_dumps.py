"""``/dumps/``: the built files with RFC 9110 validators, ``HEAD`` and conditional requests,
in-process and over real HTTP."""

from __future__ import annotations

import gzip
import hashlib
import shutil

import pyoxigraph as ox
import pytest
import rdflib
import requests

from nscn_graph.publish.build import read_manifest

#: file suffix -> (Content-Type, rdflib parser of the (decompressed) body)
TYPES = {
    "ttl": ("text/turtle; charset=utf-8", "turtle"),
    "nt.gz": ("application/gzip", "nt"),
    "jsonld": ("application/ld+json; charset=utf-8", "json-ld"),
    "trig": ("application/trig; charset=utf-8", "trig"),
    "nq.gz": ("application/gzip", "nquads"),
}


def _get(client, path: str, **kw):
    """GET, reading and closing the streamed file (as a WSGI server does)."""
    return client.get(path, buffered=True, **kw)


def _head(client, path: str, **kw):
    return client.head(path, buffered=True, **kw)


def _name(dist, suffix: str) -> str:
    return next(d["file"] for d in read_manifest(dist)["dumps"] if d["file"].endswith(suffix))


@pytest.mark.parametrize("suffix", list(TYPES))
def test_dump_headers(client, dist, suffix):
    name = _name(dist, suffix)
    response = _get(client, f"/dumps/{name}")
    body = response.get_data()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == TYPES[suffix][0]
    assert int(response.headers["Content-Length"]) == len(body)
    assert response.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert "Content-Encoding" not in response.headers
    if suffix.endswith(".gz"):
        body = gzip.decompress(body)
    if suffix in ("trig", "nq.gz"):  # a dataset: its union is the merged graph
        fmt = ox.RdfFormat.TRIG if suffix == "trig" else ox.RdfFormat.N_QUADS
        assert len({q.triple for q in ox.parse(body, format=fmt)}) > 1000
        return
    assert len(rdflib.Graph().parse(data=body, format=TYPES[suffix][1])) > 1000


@pytest.mark.parametrize("suffix", list(TYPES))
def test_head_has_the_headers_and_no_body(client, dist, suffix):
    name = _name(dist, suffix)
    get = _get(client, f"/dumps/{name}")
    head = _head(client, f"/dumps/{name}")
    assert head.status_code == 200 and head.get_data() == b""
    for header in ("Content-Type", "Content-Length", "ETag", "Last-Modified"):
        assert head.headers[header] == get.headers[header]


@pytest.mark.parametrize(
    "conditions",
    [
        pytest.param(lambda r: {"If-None-Match": r.headers["ETag"]}, id="if-none-match"),
        pytest.param(lambda r: {"If-None-Match": f'"x", {r.headers["ETag"]}'}, id="etag-in-list"),
        pytest.param(lambda r: {"If-None-Match": "*"}, id="if-none-match-star"),
        pytest.param(lambda r: {"If-Modified-Since": r.headers["Last-Modified"]}, id="ims"),
    ],
)
def test_conditional_get_is_304_without_body(client, dist, conditions):
    path = f"/dumps/{_name(dist, 'ttl')}"
    first = _get(client, path)
    again = _get(client, path, headers=conditions(first))
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_changed_validators_get_the_file(client, dist):
    path = f"/dumps/{_name(dist, 'ttl')}"
    response = _get(
        client,
        path,
        headers={"If-None-Match": '"other"', "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
    )
    assert response.status_code == 200 and len(response.get_data()) > 1000


def test_if_none_match_wins_over_if_modified_since(client, dist):
    """RFC 9110 §13.2.2: If-Modified-Since is ignored when If-None-Match is present."""
    path = f"/dumps/{_name(dist, 'ttl')}"
    first = _get(client, path)
    response = _get(
        client,
        path,
        headers={"If-None-Match": '"other"', "If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/nope.ttl",
        "/dumps/../void.ttl",
        "/dumps/..%2Fvoid.ttl",
        "/dumps/%2E%2E%2Fcatalog.ttl",
        "/dumps/%2Fetc%2Fpasswd",
        "/dumps/manifest.json%00",
    ],
)
def test_only_manifest_files_are_served(client, path):
    response = _get(client, path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_checksums_file(client, dist):
    response = _get(client, "/dumps/SHA256SUMS")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    for entry in read_manifest(dist)["dumps"]:
        assert f"{entry['sha256']}  {entry['file']}" in response.get_data(as_text=True)


def test_listing_for_programs_and_browsers(client, dist):
    listing = _get(client, "/dumps/", headers={"Accept": "application/json"}).get_json()
    assert {d["file"] for d in listing["dumps"]} == {
        d["file"] for d in read_manifest(dist)["dumps"]
    }
    for entry in listing["dumps"]:
        assert _head(client, entry["url"].replace("http://localhost", "")).status_code == 200
    page = _get(client, "/dumps/", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    assert "SHA256SUMS" in page.get_data(as_text=True)


def test_dumps_over_http(live_server, dist):
    url = f"{live_server}/dumps/{_name(dist, 'nt.gz')}"
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/gzip"
    assert int(response.headers["Content-Length"]) == len(response.content)
    graph = rdflib.Graph().parse(data=gzip.decompress(response.content), format="nt")
    assert len(graph) == read_manifest(dist)["triples"]
    again = requests.get(url, headers={"If-None-Match": response.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    since = requests.get(
        url, headers={"If-Modified-Since": response.headers["Last-Modified"]}, timeout=10
    )
    assert since.status_code == 304
    head = requests.head(url, timeout=10)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(response.content))


def test_a_fresh_dist_is_built_at_start_up(tmp_path):
    from nscn_graph.web import create_app

    dist = tmp_path / "fresh"
    app = create_app({"TESTING": True, "DIST": str(dist)})
    assert (dist / "dumps" / "manifest.json").is_file()
    assert (dist / "void.ttl").is_file() and (dist / "catalog.ttl").is_file()
    name = _name(dist, "ttl")
    assert _get(app.test_client(), f"/dumps/{name}").status_code == 200


def test_served_data_other_than_the_build_is_rebuilt(tmp_path, dist):
    """A DIST built from other data is not served as if it held this graph."""
    from nscn_graph import paths
    from nscn_graph.web import create_app

    other = tmp_path / "other"
    shutil.copytree(dist, other)
    files = [str(p) for p in paths.data_files() if p.name != "themes.trig"]
    app = create_app({"TESTING": True, "DIST": str(other), "DATA": files})
    manifest = app.extensions["nscn_dist"].manifest
    assert manifest["triples"] == len(app.extensions["nscn"].store)
    assert manifest["triples"] < read_manifest(dist)["triples"]


def test_a_read_only_dist_falls_back_to_a_temporary_folder(tmp_path, monkeypatch):
    from nscn_graph.publish import build
    from nscn_graph.web import create_app, dumps

    real = build.ensure_built
    calls = []

    def refuse_first(graph, out, **kw):
        calls.append(out)
        if len(calls) == 1:
            raise PermissionError("read-only")
        return real(graph, out, **kw)

    monkeypatch.setattr(dumps, "ensure_built", refuse_first)
    app = create_app({"TESTING": True, "DIST": str(tmp_path / "ro")})
    assert app.extensions["nscn_dist"].root.parent.parent == calls[1]
    shutil.rmtree(calls[1])


def test_listing_links_use_the_public_url():
    from nscn_graph.web import create_app

    client = create_app({"TESTING": True, "PUBLIC_URL": "https://data.example/nscn/"}).test_client()
    listing = client.get("/dumps/", headers={"Accept": "application/json"}).get_json()
    assert listing["checksums"] == "https://data.example/nscn/dumps/SHA256SUMS"
    assert all(d["url"].startswith("https://data.example/nscn/dumps/") for d in listing["dumps"])


def test_range_request_gets_part_of_a_dump(client, dist):
    path = f"/dumps/{_name(dist, 'ttl')}"
    whole = _get(client, path).get_data()
    part = _get(client, path, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.get_data() == whole[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(whole)}"


def test_a_store_unreadable_at_start_up_is_built_on_first_use(tmp_path, monkeypatch):
    from nscn_graph.errors import StoreUnavailable
    from nscn_graph.publish import build
    from nscn_graph.web import create_app, dumps

    real = build.ensure_built
    calls = []

    def down_at_first(graph, out, **kw):
        calls.append(out)
        if len(calls) == 1:
            raise StoreUnavailable("the store is down")
        return real(graph, out, **kw)

    monkeypatch.setattr(dumps, "ensure_built", down_at_first)
    client = create_app({"TESTING": True, "DIST": str(tmp_path / "later")}).test_client()
    assert client.get("/catalog").status_code == 200
    assert _get(client, "/dumps/SHA256SUMS").status_code == 200
    assert len(calls) == 2


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_an_unknown_dump_name_is_not_echoed(client, accept):
    response = _get(client, "/dumps/%3Cb%3Eowned%3C%2Fb%3E.ttl", headers={"Accept": accept})
    assert response.status_code == 404
    assert b"owned" not in response.data


@pytest.mark.parametrize("header", ["chars=0-99", "bytes=5-1", "bytes=0-1,5-9", "bytes=x-y"])
def test_a_range_the_server_cannot_serve_is_ignored(client, dist, header):
    # RFC 9110 §14.2: an unknown range unit MUST be ignored; werkzeug answered 416.
    path = f"/dumps/{_name(dist, 'ttl')}"
    whole = _get(client, path).get_data()
    response = _get(client, path, headers={"Range": header})
    assert response.status_code == 200
    assert response.get_data() == whole


def test_a_byte_range_past_the_end_is_416(client, dist):
    path = f"/dumps/{_name(dist, 'ttl')}"
    response = _get(client, path, headers={"Range": "bytes=999999999-", "Accept": "*/*"})
    assert response.status_code == 416
    assert response.mimetype == "application/problem+json"


# --- integrity: keyed builds, verified files -------------------------------------------------


def _app(tmp_path, **config):
    from nscn_graph.web import create_app

    return create_app({"TESTING": True, "DIST": str(tmp_path / "shared"), **config})


def _fewer_files():
    from nscn_graph import paths

    return [str(p) for p in paths.data_files() if p.name != "themes.trig"]


def test_two_servers_sharing_a_dist_each_serve_their_own_build(tmp_path):
    """Servers of other data sharing one DIST never overwrite each other's files nor serve
    the other's dump under their own checksum."""
    whole = _app(tmp_path)
    fewer = _app(tmp_path, DATA=_fewer_files())
    again = _app(tmp_path)  # the first build is found again, untouched
    builds = {app.extensions["nscn_dist"].root for app in (whole, fewer, again)}
    assert len(builds) == 2
    for app in (whole, fewer, again):
        client = app.test_client()
        name = _name_of(app, "nt.gz")
        response = _get(client, f"/dumps/{name}")
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == response.headers["ETag"].strip('"')
        triples = gzip.decompress(response.data).decode().count(" .\n")
        assert triples == len(app.extensions["nscn"].store)
    assert len(fewer.extensions["nscn"].store) < len(whole.extensions["nscn"].store)


def _name_of(app, suffix: str) -> str:
    return next(f for f in app.extensions["nscn_dist"].files if f.endswith(suffix))


def test_start_up_does_not_rebuild_a_matching_build(tmp_path):
    first = _app(tmp_path).extensions["nscn_dist"]
    written = {f.name: f.path.stat().st_mtime_ns for f in first.files.values()}
    second = _app(tmp_path).extensions["nscn_dist"]
    assert second.root == first.root
    assert {f.name: f.path.stat().st_mtime_ns for f in second.files.values()} == written


def test_a_dump_deleted_while_serving_is_404(tmp_path):
    app = _app(tmp_path)
    client = app.test_client()
    name = _name_of(app, "ttl")
    assert _get(client, f"/dumps/{name}").status_code == 200
    app.extensions["nscn_dist"].files[name].path.unlink()
    response = _get(client, f"/dumps/{name}", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert "changed or vanished" in response.get_json()["detail"]


def test_a_dump_changed_under_the_server_is_never_served_as_its_own(tmp_path):
    """Another process rewrote the file (in place, or by replacing it): a 404, never the other
    bytes under this build's ETag."""
    app = _app(tmp_path)
    client = app.test_client()
    name = _name_of(app, "ttl")
    path = app.extensions["nscn_dist"].files[name].path
    original = path.read_bytes()
    path.write_bytes(original.replace(b"Aarhus", b"Aarhux"))  # in place, same size
    assert _get(client, f"/dumps/{name}").status_code == 404
    replacement = path.with_name("other")
    replacement.write_bytes(original)
    replacement.replace(path)  # the same bytes, but not the verified file
    assert _get(client, f"/dumps/{name}").status_code == 404


def test_a_build_whose_file_changed_is_built_again_at_start_up(tmp_path):
    first = _app(tmp_path).extensions["nscn_dist"]
    name = next(iter(first.files))
    first.files[name].path.write_bytes(b"not the dump\n")
    second = _app(tmp_path)
    response = _get(second.test_client(), f"/dumps/{name}")
    assert response.status_code == 200 and response.data != b"not the dump\n"


def test_a_build_that_fails_leaves_nothing_behind(tmp_path, monkeypatch):
    from nscn_graph.publish import build
    from nscn_graph.stores.memory import EmbeddedStore

    def broken(*args, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(build.void, "statistics", broken)
    out = tmp_path / "dist"
    with pytest.raises(OSError, match="disk full"):
        build.write_dumps(EmbeddedStore.from_files(_paths()), out, files=_paths())
    assert list((out / "builds").iterdir()) == []
    assert not (out / "dumps").exists()


def _paths():
    from nscn_graph import paths

    return paths.data_files()


def test_a_suffix_range_longer_than_the_file_is_the_whole_file(client, dist):
    """RFC 9110 §14.1.2: a suffix longer than the representation selects all of it (206)."""
    path = f"/dumps/{_name(dist, 'ttl')}"
    whole = _get(client, path).get_data()
    response = _get(client, path, headers={"Range": f"bytes=-{len(whole) * 10}"})
    assert response.status_code == 206
    assert response.get_data() == whole
    assert response.headers["Content-Range"] == f"bytes 0-{len(whole) - 1}/{len(whole)}"
    tail = _get(client, path, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.get_data() == whole[-10:]


def test_a_fallback_dist_is_removed_when_the_server_exits(tmp_path):
    import subprocess
    import sys

    blocker = tmp_path / "a-file"
    blocker.write_text("DIST cannot be a folder under a file\n")
    script = (
        "from nscn_graph.web import create_app\n"
        f"app = create_app({{'TESTING': True, 'DIST': {str(blocker / 'dist')!r}}})\n"
        "print(app.extensions['nscn_dist'].root)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    from pathlib import Path

    root = Path(done.stdout.strip())
    assert root.name and "nscn-dist-" in str(root)
    assert not root.exists() and not root.parent.parent.exists()
