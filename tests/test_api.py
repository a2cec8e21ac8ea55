"""The read API: what it returns equals what residents read on the results pages, from the same
serialiser as the open data; cursors, ETags, CORS, the rate limit; the OpenAPI 3.1 document is
generated from the code and schemathesis finds nothing wrong with the API against it."""

from __future__ import annotations

import html
import json
import re

import pytest
from api_conformance import PHONE, publish_sample_results, run_schemathesis, served

from portal.services.disclosure import PUBLIC_ANNEX_FIELDS, PUBLIC_RESULT_ROW_FIELDS


@pytest.fixture
def published(app):
    """1-(1)'s and chapter II's results published (a withheld phone number, a campaign of
    three, a rejection)."""
    publish_sample_results(app)
    publish_sample_results(app, "II")
    return "/api/v1/consultations/1-1/results"


def _all_items(client, url: str) -> list[dict]:
    items = []
    while url:
        page = client.get(url).get_json()
        items += page["items"]
        url = page["links"]["next"]
    return items


def test_openapi_document_is_generated_from_the_code(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/v1/consultations",
        "/api/v1/consultations/{slug}",
        "/api/v1/consultations/{slug}/results",
        "/api/v1/consultations/{slug}/results/rows",
        "/api/v1/consultations/{slug}/results/comments",
    }
    schemas = document["components"]["schemas"]
    # the open data's allow-lists are the schemas' fields, exactly
    assert set(schemas["ResultRow"]["properties"]) == set(PUBLIC_RESULT_ROW_FIELDS)
    assert set(schemas["PublishedComment"]["properties"]) == set(PUBLIC_ANNEX_FIELDS)
    assert schemas["ResultRow"]["properties"]["reposted_from"]["type"] == ["string", "null"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "GET /api/v1/consultations/{slug}/results/rows" in html.unescape(page.text)
    # names in the descriptions read as code, not as Markdown's backticks
    assert "<code>next_cursor</code>" in page.text
    assert "`" not in page.text


def test_consultations_are_paged_by_stable_cursors(client):
    first = client.get("/api/v1/consultations?limit=10&lang=pt-BR").get_json()
    # the general chapters first, then the measures in the outline's order
    codes = ["I", "II", "III", "1-(1)", "1-(2)", "1-(3)"]
    assert [item["code"] for item in first["items"]][:6] == codes
    assert first["items"][3]["language"] == "pt-BR"
    assert first["items"][3]["links"]["page"] == "http://localhost/pt-BR/measures/1-1"
    everything = _all_items(client, "/api/v1/consultations?limit=10")
    assert len(everything) == 35
    assert len({item["code"] for item in everything}) == 35
    # the same cursor gives the same page
    again = client.get(first["links"]["next"]).get_json()
    assert again == client.get(first["links"]["next"]).get_json()
    assert client.get("/api/v1/consultations?cursor=bm9wZQ").status_code == 400
    assert client.get("/api/v1/consultations?limit=500").status_code == 422


def test_results_are_404_until_published(client):
    assert client.get("/api/v1/consultations/1-1").get_json()["results_published_at"] is None
    missing = client.get("/api/v1/consultations/1-1/results")
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "The results of this consultation are not published."
    assert client.get("/api/v1/consultations/1-1/results/rows").status_code == 404
    assert client.get("/api/v1/consultations/9-9").status_code == 404


def test_api_rows_are_what_the_results_page_shows(client, published):
    results = client.get(published).get_json()
    assert results["figures"] == {
        "people": 6,
        "comments": 6,
        "published": 5,
        "not_published": 1,
        "not_published_by_reason": [{"reason": "commercial", "count": 1}],
        "partly_withheld": 1,
        "items": 6,  # 5 published, 1 not published: every opinion received
        "by_category": [
            {"category": "reflected", "items": 1},
            {"category": "for_reference", "items": 1},
            {"category": "not_reflected", "items": 3},
        ],
        "by_part": [{"part": "measure:1-(1)", "items": 5}],
    }
    rows = _all_items(client, results["links"]["rows"] + "?limit=1")
    page = client.get("/ja/measures/1-1/results").text
    shown = re.findall(
        r'<tr id="row-(\d+)">.*?<div class="opinion"[^>]*>(.*?)</div>', page, flags=re.S
    )
    assert [(row["number"], row["summary"]) for row in rows] == [
        (int(number), html.unescape(summary)) for number, summary in shown
    ]
    assert [row["count"] for row in rows] == [1, 1, 3]
    # the open-data file and the API are one serialiser
    open_data = json.loads(client.get("/ja/measures/1-1/results.json").data)
    assert [{k: r[k] for k in PUBLIC_RESULT_ROW_FIELDS} for r in open_data["rows"]] == rows
    comments = _all_items(client, results["links"]["comments"] + "?limit=2")
    assert comments == open_data["comments"]
    assert len(comments) == 5
    assert all(PHONE not in json.dumps(item, ensure_ascii=False) for item in rows + comments)


def test_etag_gives_304_and_every_origin_may_read(client, published):
    first = client.get(published, headers={"Origin": "https://data.example"})
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    etag = first.headers["ETag"]
    again = client.get(published, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    preflight = client.options(
        "/api/v1/consultations",
        headers={"Origin": "https://data.example", "Access-Control-Request-Method": "GET"},
    )
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert client.post("/api/v1/consultations").status_code == 405


def test_api_is_rate_limited_in_json(app, client):
    app.config["PORTAL_API_LIMIT"] = "3 per minute"
    statuses = [client.get("/api/v1/consultations/1-1").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/consultations/1-1")
    assert limited.get_json()["code"] == 429
    assert limited.headers["Retry-After"]


def test_unknown_api_paths_answer_in_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


def test_api_conforms_to_its_openapi_document(app, published, tmp_path):
    """schemathesis: every operation, positive and negative examples, all checks."""
    app.config["PORTAL_API_LIMIT"] = "100000 per minute"
    with served(app) as url:
        result = run_schemathesis(url, max_examples=10, workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No issues found" in result.stdout
    assert "5/5" in result.stdout  # every operation was tested
