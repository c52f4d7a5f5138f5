"""The server's start page, health and error shape, in-process and over real HTTP."""

from __future__ import annotations

import requests

from nscn_graph.web import create_app


def test_landing_page_says_what_the_data_is(client):
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Nordic Smart City Network" in page
    assert "14 member" in page or ">14<" in page
    for city in ("Aarhus", "Reykjavík", "Tromsø", "Stockholm"):
        assert city in page
    assert 'href="/id/city/aarhus"' in page


def test_landing_page_counts_come_from_the_data(app, client):
    summary = app.extensions["nscn"].summary
    page = client.get("/").get_data(as_text=True)
    assert f"<td>{summary.triples}</td>" in page
    assert summary.triples > 1000


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["triples"] > 1000


def test_unknown_path_is_problem_json_for_machines(client):
    response = client.get("/no/such/thing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] and body["detail"]


def test_unknown_path_is_a_page_for_browsers(client):
    response = client.get(
        "/no/such/thing", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_request_text_is_not_reflected(client):
    response = client.get("/<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_a_server_bug_is_a_generic_500():
    app = create_app({"TESTING": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)


def test_settings_come_from_environment_then_caller(monkeypatch):
    monkeypatch.setenv("NSCN_PUBLIC_URL", "https://example.org/nscn/")
    assert create_app().config["PUBLIC_URL"] == "https://example.org/nscn/"
    app = create_app({"PUBLIC_URL": "https://data.example/"})
    assert app.config["PUBLIC_URL"] == "https://data.example/"


def test_live_server_over_http(live_server):
    page = requests.get(live_server + "/", timeout=10)
    assert page.status_code == 200
    assert "Nordic Smart City Network" in page.text
    assert page.headers["Server"] == "nscn-graph"  # no version of the server software
    health = requests.get(live_server + "/health", timeout=10).json()
    assert health["status"] == "ok"


def test_published_json_ld_context_expands_a_dump_term(client):
    response = client.get("/context.jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    context = response.get_json()["@context"]
    assert context["city"] == "https://w3id.org/nscn/id/city/"
    assert context["nscn"] == "https://w3id.org/nscn/ontology#"
