"""E-mail notices in a real browser and a real mail server: a resident opts in on a phone in
Portuguese, the results are published, the message arrives in Portuguese, its link opens the
resident's row, and both ways of leaving work (the mail client's one-click POST, and the link
with its button)."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from mailserver import smtp_server, text_of
from test_notices import approve_answer_and_publish
from werkzeug.serving import make_server

from e2e.portal_server import BROWSER_ARGS, CHROMIUM, require_chromium
from portal.extensions import db
from portal.models.notices import NoticeSubscription

ADDRESS = "joana.silva@example.com.br"
COMMENT = "Gostaria de atendimento em português no balcão da prefeitura, por favor."


@pytest.fixture
def mail():
    with smtp_server() as server:
        yield server


@pytest.fixture
def app_config(mail):
    _inbox, port = mail
    return {
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": port,
        "PORTAL_SMTP_STARTTLS": False,
        # as on a server without Redis: a thread of the web process sends
        "PORTAL_MAIL_SENDING": "thread",
        "PORTAL_SUBMIT_LIMIT": "1000 per minute",
    }


@pytest.fixture
def served(app, open_measure):
    """The portal on a free local port; messages link to that address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join()


def _subscriptions(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(NoticeSubscription.kind)))


def test_resident_opts_in_on_a_phone_in_portuguese_and_is_told(app, served, mail, make_staff):
    require_chromium()
    from playwright.sync_api import sync_playwright

    inbox, _port = mail
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            extra_http_headers={"Accept-Language": "pt-BR,pt;q=0.9"},
        )
        phone = context.new_page()
        phone.goto(served + "/pt-BR/measures/1-1")
        phone.fill("textarea[name=body]", COMMENT)
        phone.check("input[name=respondent_type][value=lives]")
        phone.fill("input[name=email]", ADDRESS)
        notices = phone.locator("fieldset.notices")
        assert "Avisos por e-mail" in notices.inner_text()
        phone.check("input[name=notify_results]")
        phone.check("input[name=notify_consultations]")
        phone.check("input[name=consent]")
        # nothing on the form runs off a phone's screen
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.click("form.comment-form button[type=submit]")
        phone.wait_for_url(re.compile(r".*/receipts/new$"))
        number = phone.locator(".receipt-number").inner_text()

        # the double opt-in message for new consultations comes at once, in Portuguese
        [confirmation] = inbox.wait_for(1)
        assert confirmation["Subject"] == "Confirme: e-mails sobre novas consultas"
        assert _subscriptions(app) == ["consultations", "results"]

        approve_answer_and_publish(app, make_staff)
        messages = inbox.wait_for(2)
        assert len(messages) == 2
        results = messages[1]
        assert results["To"] == ADDRESS
        assert results["Subject"].startswith("Resultados publicados: 1-(1)")
        text = text_of(results)
        assert f"Seu comentário (protocolo {number}) está na linha 1 dos resultados" in text
        assert COMMENT not in results.as_string()

        # the message's link opens the resident's row on the phone
        row_link = next(link for link in re.findall(r"https?://\S+", text) if "#row-" in link)
        phone.goto(row_link)
        row = phone.locator("#row-1")
        assert row.is_visible()
        assert phone.evaluate("document.querySelector(':target').id") == "row-1"
        assert phone.locator("html").get_attribute("lang") == "pt-BR"

        # the mail client's one-click button (RFC 8058): a POST with no form token
        one_click = re.sub(r"\s+", "", results["List-Unsubscribe"]).strip("<>")
        answer = context.request.post(one_click, form={"List-Unsubscribe": "One-Click"})
        assert answer.status == 200
        assert _subscriptions(app) == ["consultations"]

        # the link in the other message: a page with a button (a link checker ends nothing)
        leave = next(
            link
            for link in re.findall(r"https?://\S+", text_of(confirmation))
            if "/notices/unsubscribe/" in link
        )
        phone.goto(leave)
        assert _subscriptions(app) == ["consultations"]
        phone.click("main button.primary")
        assert "Você não receberá mais e-mails" in phone.locator("h1").inner_text()
        assert _subscriptions(app) == []
        browser.close()
