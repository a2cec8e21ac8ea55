"""What a message says, in its reader's language: subject, plain text and HTML, with the links
a resident needs (the results row, the confirmation, leaving) and never an access key or the
text of a comment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask, g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.i18n import BY_TAG, DEFAULT
from portal.models import Measure
from portal.models.notices import DeliveryKind, NoticeSubscription
from portal.services.sanitize import strip_marks

ONE_CLICK = "List-Unsubscribe=One-Click"


@contextmanager
def reader_context(app: Flask, locale: str) -> Iterator[None]:
    """A request context on the portal's public address in the reader's locale, so that
    templates, dates and links come out as on the reader's pages."""
    with app.test_request_context("/", base_url=app.config["PORTAL_BASE_URL"]):
        g.portal_locale = BY_TAG.get(locale, DEFAULT)
        yield


def results_row_link(measure: Measure, row: int | None) -> str:
    """The absolute address of a results row (of the results page without a row)."""
    from portal.public.routes.results import ROWS_PAGE_SIZE

    if row is None:
        return url_for("public.results", slug=measure.slug, _external=True)
    page = (row - 1) // ROWS_PAGE_SIZE + 1
    return url_for(
        "public.results",
        slug=measure.slug,
        page=page if page > 1 else None,
        _anchor=f"row-{row}",
        _external=True,
    )


def unsubscribe_link(subscription: NoticeSubscription) -> str:
    """The address that ends a subscription (one click from the mail client, or a page)."""
    return url_for("public.unsubscribe", token=subscription.token, _external=True)


_RUBY_MARK = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")


def plain_title(markup: str, locale: str) -> str:
    """A content title as plain text; easy Japanese keeps its readings in parentheses (a
    message has no ruby)."""
    if locale == "ja-x-easy":
        markup = _RUBY_MARK.sub(r"\1(\2)", markup)
    return strip_marks(markup)


def compose(
    kind: str,
    subscription: NoticeSubscription,
    sender: str,
    context: dict,
) -> EmailMessage:
    """The message of `kind` for `subscription`, in its locale (call inside `reader_context`)."""
    unsubscribe = unsubscribe_link(subscription)
    locale = subscription.locale
    values = {**context, "unsubscribe_url": unsubscribe, "kind": kind}
    if kind == DeliveryKind.RESULTS:
        measure = context["measure"]
        values["title"] = plain_title(measure.title_in(locale), locale)
        values["results_url"] = results_row_link(measure, context["row"])
        values["lookup_url"] = url_for("public.lookup_receipt", _external=True)
        subject = _(
            "Results published: %(code)s %(title)s",
            code=measure.code,
            title=values["title"],
        )
    elif kind == DeliveryKind.OPENED:
        values["opened"] = [
            {
                "code": m.code,
                "title": plain_title(m.title_in(locale), locale),
                "closes_at": m.closes_at,
                "url": url_for("public.measure", slug=m.slug, _external=True),
            }
            for m in context["measures"]
        ]
        subject = ngettext(
            "Public comment: %(num)s new consultation is open",
            "Public comment: %(num)s new consultations are open",
            len(context["measures"]),
        )
    else:
        subject = _("Please confirm: e-mails about new consultations")
        values["confirm_url"] = url_for(
            "public.confirm_notices", token=subscription.token, _external=True
        )
    values["subject"] = subject
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = subscription.email
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    # RFC 8058: the mail client's own "unsubscribe" button posts to this address.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = ONE_CLICK
    message.set_content(render_template(f"mail/{kind}.txt", **values))
    message.add_alternative(render_template(f"mail/{kind}.html", **values), subtype="html")
    # After the content: set_content() drops every Content-* header set before it.
    message["Content-Language"] = subscription.locale
    return message
