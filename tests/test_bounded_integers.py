"""Numbers in addresses, query strings and forms: a huge or odd one is a 404 or 422, never a 500.

Finding 5 of issue 17: twenty nines in an id or a page number reached the database, where
SQLite raises OverflowError (PostgreSQL's integer columns stop at 2**31-1). The crawl below
takes every rule of the application with an ``<int:...>`` part, and every integer the staff
screens read from a query string or a form, and sends each of them huge values, logged in with
each role. It runs on SQLite and, with DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from conftest import comment_receipt, csrf_token_from, set_period

from portal.converters import MAX_INT, parse_int

# Past PostgreSQL's integer, past SQLite's 64 bits, too many digits, a digit int() takes but
# the database never sees ("²" passes str.isdigit(), "١٢" passes int()).
HUGE = ["2147483648", "99999999999999999999", "9" * 40, "1" + "0" * 5000]
ODD = ["²", "١٢", " 12", "1_2", "-1", "1e3"]
ROLES = [("admin",), ("moderator",), ("committee",), ("admin", "moderator", "committee")]

_PART = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


@pytest.fixture
def staff_world(app, client, submit, open_measure):
    """A comment to act on, and measure 1-(1)'s results published (so its pages exist)."""
    receipt, _key = comment_receipt(submit, open_measure)
    set_period(app, "2-(1)", timedelta(days=-60), timedelta(days=-30), timedelta(days=-1))
    return {"receipt": receipt, "code": "1-(1)", "slug": "1-1", "lang_code": "ja", "tag": "ja"}


def _address(rule, number: str, world: dict) -> str:
    """The rule's path with `number` in every int part and a real value in every other part."""

    def fill(match):
        converter, arguments, name = match.groups()
        if converter == "int":
            return number
        if converter == "any":
            return arguments.split(",")[0].strip()
        return world.get(name, "x")

    return _PART.sub(fill, rule.rule)


def _int_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]


def test_every_int_part_of_an_address_is_bounded(app):
    rules = _int_rules(app)
    # The fourteen staff addresses of the finding (and any added since).
    assert len(rules) >= 14
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in rules:
            method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            world = {"receipt": "PC-2026-000001", "code": "1-(1)"}
            assert adapter.match(_address(rule, str(MAX_INT), world), method)[0] == rule.endpoint
            for number in HUGE + ["١٢"]:
                with pytest.raises(Exception, match="404"):
                    adapter.match(_address(rule, number, world), method)


@pytest.mark.parametrize("roles", ROLES, ids="+".join)
def test_huge_ids_in_staff_addresses_are_not_found(client, login_as, staff_world, roles):
    login_as(*roles)
    token = csrf_token_from(client.get("/staff/account/password").text)
    answers = {}
    for rule in _int_rules(client.application):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for number in HUGE:
                path = _address(rule, number, staff_world)
                data = {"csrf_token": token} if method == "POST" else None
                answers[(method, path[:90])] = client.open(path, method=method, data=data).status
    assert {status for status in answers.values()} == {"404 NOT FOUND"}, answers


def _page_key(comment_id: str) -> str:
    """A moderation queue page key (`?after=`) naming `comment_id`."""
    return base64.urlsafe_b64encode(f"1767225600.000000:{comment_id}".encode()).decode()


def _query_string_reads(world: dict, number: str) -> list[str]:
    """Every staff (and public) page that reads an integer from its query string."""
    return [
        f"/staff/committee/measures/1-1?page={number}",
        f"/staff/committee/measures/{number}-1",
        f"/staff/committee/comments?area={number}",
        f"/staff/committee/comments?measure=1-{number}",
        f"/staff/committee/export/csv?area={number}",
        f"/staff/committee/areas/1?page={number}",
        f"/staff/committee/comments?measure=1-(1)&page={number}",
        f"/staff/committee/comments?measure=1-(1)&state=received&by=group&value={number}",
        f"/staff/admin/audit?before={number}",
        f"/staff/moderation/?group={number}",
        f"/staff/moderation/?after={_page_key(number)}",
        f"/ja/measures/2-1/results?page={number}",
        f"/ja/measures/2-1/results/comments?page={number}",
    ]


@pytest.mark.parametrize("roles", ROLES, ids="+".join)
def test_huge_numbers_in_query_strings_never_fail(client, login_as, staff_world, roles):
    login_as(*roles)
    failed = {}
    for number in HUGE + ODD:
        for path in _query_string_reads(staff_world, number):
            status = client.get(path).status_code
            if status >= 500:
                failed[path[:90]] = status
    assert failed == {}


def _form_reads(world: dict, number: str) -> list[tuple[str, dict]]:
    """Every staff form field that carries an integer: ids, versions, saved wording, offsets."""
    comment = f"/staff/moderation/comments/{world['receipt']}"
    return [
        ("/staff/moderation/", {"ids": number, "decision": "hold"}),
        ("/staff/moderation/", {"ids": [number, "1"], "decision": "approve"}),
        (f"{comment}/decide", {"decision": "approve", "version": number}),
        (f"{comment}/decide", {"decision": "hold", "version": "1", "hold_template": number}),
        (f"{comment}/reject", {"reason": "off_topic", "version": "1", "template": number}),
        (f"{comment}/response", {"response": "", "version": "1", "template": number}),
        (f"{comment}/redactions", {"field": "body", "kind": "phone", "span": f"{number}:4:x"}),
        (f"{comment}/redactions", {"field": "body", "kind": "phone", "span": f"0:{number}:x"}),
        (f"{comment}/redactions", {"field": "body", "kind": "phone", "start": "0", "end": number}),
        (f"{comment}/redactions", {"field": "body", "kind": "phone", "start": number, "end": "1"}),
    ]


@pytest.mark.parametrize("roles", [("moderator",), ("admin", "moderator", "committee")])
def test_huge_numbers_in_staff_forms_never_fail(client, login_as, staff_world, roles):
    login_as(*roles)
    token = csrf_token_from(client.get("/staff/account/password").text)
    failed = {}
    for number in HUGE + ODD:
        for path, data in _form_reads(staff_world, number):
            status = client.post(path, data={**data, "csrf_token": token}).status_code
            if status >= 500:
                failed[(path, str(data)[:80])] = status
    assert failed == {}


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("0", 0),
        ("2147483647", MAX_INT),
        ("0000000042", 42),
        ("2147483648", None),
        ("99999999999", None),
        ("²", None),
        ("١٢", None),
        (" 12", None),
        ("1_2", None),
        ("-1", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_int_takes_only_short_ascii_numbers(value, number):
    assert parse_int(value) == number
