"""E-mail notices on a real SMTP server (aiosmtpd): residents who asked are told when results are
published and when consultations open, in their language, and leave with one click."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import KEY, RECEIPT, csrf_token_from, set_period
from mailserver import free_port, html_of, smtp_server, text_of

from portal.database import utcnow
from portal.extensions import db
from portal.models import Comment, Measure, StaffUser
from portal.models.moderation import CityResponse
from portal.models.notices import MailDelivery, NoticeSubscription
from portal.services.moderation.decisions import decide
from portal.services.notices import outbox
from portal.services.results import publication

ADDRESS = "ana.souza@example.com.br"
COMMENT_PT = "Por favor, informações em português no balcão da prefeitura."
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def mail():
    """The test's own SMTP server: (inbox, port)."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def app_config(mail):
    _inbox, port = mail
    return {
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": port,
        "PORTAL_SMTP_STARTTLS": False,
        "PORTAL_MAIL_SENDING": "inline",
        "PORTAL_MAIL_FROM": "iken@city.isesaki.example",
        "PORTAL_BASE_URL": "http://localhost",
    }


def comment_with_notices(client, path: str, **fields) -> tuple[str, str]:
    """Send a comment through the real form, ticking the notice boxes given in `fields`."""
    page = client.get(path).text
    data = {
        "body": COMMENT_PT,
        "language": "pt-BR",
        "respondent_type": "lives",
        "consent": "y",
        "email": ADDRESS,
        "csrf_token": csrf_token_from(page),
        "submission_token": re.search(
            r'name="submission_token" type="hidden" value="([^"]+)"', page
        )[1],
        **fields,
    }
    receipt = client.post(path, data=data, follow_redirects=True)
    assert receipt.status_code == 200, receipt.text
    return RECEIPT.search(receipt.text)[0], KEY.search(receipt.text)[0]


def approve_answer_and_publish(app, make_staff, code: str = "1-(1)") -> None:
    """Close the period, approve every comment with a response, publish (as the admin screen
    does: the service, then one commit)."""
    set_period(app, code, timedelta(days=-40), timedelta(days=-1))
    moderator = make_staff("moderator")
    admin = make_staff("admin")
    with app.app_context():
        now = utcnow()
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == code))
        actor = db.session.get(StaffUser, moderator["id"])
        for comment in db.session.scalars(
            sa.select(Comment).where(Comment.measure_id == measure.id)
        ):
            decide(comment, "approve", actor=actor, ip=None, now=now)
            db.session.add(
                CityResponse(
                    comment_id=comment.id, category="for_reference", text_ja="参考にします。"
                )
            )
        db.session.commit()
        publication.publish(
            measure, actor=db.session.get(StaffUser, admin["id"]), ip=None, now=utcnow()
        )
        db.session.commit()


def test_the_form_offers_notices_only_with_a_mail_server(app, client, open_measure):
    page = client.get("/pt-BR/measures/1-1").text
    assert 'name="notify_results"' in page
    assert 'name="notify_consultations"' in page
    app.config["PORTAL_SMTP_HOST"] = ""
    from portal.services.resident.pages import page_cache

    page_cache(app).clear()
    assert 'name="notify_results"' not in client.get("/pt-BR/measures/1-1").text


def test_a_notice_needs_an_address(client, open_measure):
    page = client.get("/en/measures/1-1").text
    response = client.post(
        "/en/measures/1-1",
        data={
            "body": "A view",
            "language": "en",
            "respondent_type": "lives",
            "consent": "y",
            "notify_results": "y",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 422
    assert "Please enter your e-mail address to receive notices." in response.text


def test_resident_is_told_in_portuguese_when_results_are_published_and_leaves_in_one_click(
    app, client, mail, make_staff, open_measure
):
    inbox, _port = mail
    number, key = comment_with_notices(client, "/pt-BR/measures/1-1", notify_results="y")
    assert inbox.messages == []  # nothing is sent before the results exist
    approve_answer_and_publish(app, make_staff)
    [message] = inbox.wait_for(1)
    assert message["To"] == ADDRESS
    assert message["From"] == "iken@city.isesaki.example"
    assert message["Content-Language"] == "pt-BR"
    assert message["Subject"].startswith("Resultados publicados: 1-(1)")
    text, html = text_of(message), html_of(message)
    assert "Prefeitura de Isesaki publicou os resultados" in text
    assert number in text
    assert "linha 1" in text
    # never the access key, never the comment's words
    for part in (text, html, message.as_string()):
        assert key not in part
        assert COMMENT_PT not in part
        assert "balcão da prefeitura" not in part
    row_link = "http://localhost/pt-BR/measures/1-1/results#row-1"
    assert row_link in text
    assert f'href="{row_link}"' in html
    assert 'lang="pt-BR"' in html
    # the link opens the row
    assert 'id="row-1"' in client.get(row_link.removeprefix("http://localhost")).text

    # RFC 8058 one-click: the client posts "List-Unsubscribe=One-Click", no form token
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(.+)>", re.sub(r"\s+", "", message["List-Unsubscribe"]))[1]
    assert unsubscribe in text
    path = unsubscribe.removeprefix("http://localhost")
    assert client.get(path).status_code == 200  # a link checker's visit ends nothing
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeSubscription)) == 1
    left = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert left.status_code == 200
    assert "não receberá mais" in left.text
    with app.app_context():
        assert db.session.scalars(sa.select(NoticeSubscription)).all() == []
        # the record of what went out stays, pointing at nobody, without a body
        [delivery] = db.session.scalars(sa.select(MailDelivery)).all()
        assert (delivery.kind, delivery.status, delivery.locale) == ("results", "sent", "pt-BR")
        assert delivery.subscription_id is None
        assert delivery.sent_at is not None
        assert delivery.message_id == message["Message-ID"]
    # leaving twice reads the same
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_a_dead_mail_server_never_blocks_publication(app, client, make_staff, open_measure, mail):
    inbox, port = mail
    comment_with_notices(client, "/pt-BR/measures/1-1", notify_results="y")
    app.config["PORTAL_SMTP_PORT"] = free_port()  # nobody listens there
    approve_answer_and_publish(app, make_staff)
    assert client.get("/pt-BR/measures/1-1/results").status_code == 200
    with app.app_context():
        [delivery] = db.session.scalars(sa.select(MailDelivery)).all()
        assert delivery.status == "pending"
        assert delivery.attempts == 1
        assert "server unavailable" in delivery.error
        assert delivery.next_attempt_at > utcnow()
        # the server is back and the retry is due: `portal mail send` (cron) delivers it
        delivery.next_attempt_at = utcnow()
        db.session.commit()
    app.config["PORTAL_SMTP_PORT"] = port
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert len(inbox.wait_for(1)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(MailDelivery.status)) == "sent"


def test_a_refusing_server_is_retried_then_given_up(app, client, make_staff, open_measure, mail):
    inbox, _port = mail
    comment_with_notices(client, "/en/measures/1-1", notify_results="y")
    inbox.refuse_with = "451 4.3.0 try again later"
    approve_answer_and_publish(app, make_staff)
    with app.app_context():
        delivery = db.session.scalars(sa.select(MailDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        inbox.refuse_with = "550 5.1.1 no such user"
        delivery.next_attempt_at = utcnow()
        db.session.commit()
        outbox.send_until_done(app)
        db.session.refresh(delivery)
        assert (delivery.status, delivery.attempts) == ("failed", 2)
        assert "550" in delivery.error
    assert inbox.messages == []


def test_new_consultations_are_double_opt_in(app, client, mail):
    inbox, _port = mail
    page = client.get("/vi/notices").text
    response = client.post(
        "/vi/notices", data={"email": ADDRESS, "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 200
    [confirmation] = inbox.wait_for(1)
    assert confirmation["Content-Language"] == "vi"
    confirm_link = next(
        link for link in LINK.findall(text_of(confirmation)) if "/notices/confirm/" in link
    )
    # asking again the same day sends nothing more, and says the same
    page = client.get("/vi/notices").text
    again = client.post("/vi/notices", data={"email": ADDRESS, "csrf_token": csrf_token_from(page)})
    assert again.text == response.text or again.status_code == 200
    assert len(inbox.messages) == 1
    # nothing but the confirmation goes out before the owner confirms
    set_period(app, "2-(1)", timedelta(minutes=-1), timedelta(days=30))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    assert len(inbox.messages) == 1
    path = confirm_link.removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200
    confirmed = client.post(path, data={"csrf_token": csrf_token_from(page.text)})
    assert confirmed.status_code == 200
    # a consultation that opens after the confirmation is announced, once
    set_period(app, "3-(1)", timedelta(minutes=1), timedelta(days=31))
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "3-(1)"))
        measure.opens_at = utcnow() + timedelta(seconds=1)
        db.session.commit()
    import time

    time.sleep(1.1)
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    messages = inbox.wait_for(2)
    assert len(messages) == 2
    opened = messages[1]
    assert opened["Content-Language"] == "vi"
    assert "http://localhost/vi/measures/3-1" in text_of(opened)
    # 2-(1) opened before the resident confirmed: they have seen it already
    assert "/vi/measures/2-1" not in text_of(opened)


def test_per_minute_cap_holds_back_the_rest(app, client, mail):
    inbox, _port = mail
    app.config["PORTAL_MAIL_PER_MINUTE"] = 3
    with app.app_context():
        now = utcnow()
        for number in range(7):
            db.session.add(
                NoticeSubscription(
                    kind="consultations",
                    email=f"resident{number}@example.jp",
                    locale="en",
                    token=f"token-{number:02d}-abcdefghijklmnopqrst",
                    confirmed_at=now - timedelta(days=1),
                    created_at=now - timedelta(days=1),
                )
            )
        db.session.commit()
    set_period(app, "4-(1)", timedelta(minutes=-1), timedelta(days=30))
    with app.app_context():
        outbox.announce_openings(utcnow())
        db.session.commit()
        batch = outbox.deliver_batch(app)
        assert batch.sent == 3
        assert batch.due == 4
        again = outbox.deliver_batch(app)
        assert again.sent == 0
        assert 55 < again.wait <= 60
    assert len(inbox.messages) == 3


def test_subscriptions_die_with_the_contact_details(app, client, mail, open_measure, runner):
    comment_with_notices(client, "/en/measures/1-1", notify_results="y")
    set_period(app, "1-(1)", timedelta(days=-500), timedelta(days=-400))
    result = runner.invoke(args=["purge-contacts", "--older-than", "365"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(sa.select(NoticeSubscription)).all() == []


def test_mail_test_command_sends_through_the_configured_server(app, mail, runner):
    inbox, _port = mail
    result = runner.invoke(args=["mail", "test", "clerk@city.isesaki.example"])
    assert result.exit_code == 0, result.output
    [message] = inbox.wait_for(1)
    assert message["To"] == "clerk@city.isesaki.example"
    assert "127.0.0.1" in result.output


def test_mail_test_command_says_what_is_wrong(app, runner):
    app.config["PORTAL_SMTP_PORT"] = free_port()
    result = runner.invoke(args=["mail", "test", "clerk@city.isesaki.example"])
    assert result.exit_code != 0
    assert "ConnectionRefusedError" in result.output


def test_receipt_page_offers_notices_until_the_results_are_out(app, client, open_measure, mail):
    inbox, _port = mail
    number, key = comment_with_notices(client, "/en/measures/1-1")
    form = client.get("/en/receipts").text
    status = client.post(
        "/en/receipts",
        data={"receipt_number": number, "access_key": key, "csrf_token": csrf_token_from(form)},
    ).text
    assert "receipt-notices-form" in status
    response = client.post(
        "/en/receipts/notices",
        data={
            "receipt_number": number,
            "access_key": key,
            "email": "later@example.jp",
            "notify_results": "y",
            "csrf_token": csrf_token_from(status),
        },
    )
    assert response.status_code == 200
    assert "We will send you an e-mail as you asked." in response.text
    wrong_key = client.post(
        "/en/receipts/notices",
        data={
            "receipt_number": number,
            "access_key": "AAAA-AAAA-AAAA",
            "email": "thief@example.jp",
            "notify_results": "y",
            "csrf_token": csrf_token_from(status),
        },
    )
    assert wrong_key.status_code == 404
    with app.app_context():
        emails = db.session.scalars(sa.select(NoticeSubscription.email)).all()
    assert emails == ["later@example.jp"]
    assert inbox.messages == []
