"""The smallest Flask app that does what the resident's comment flow does: the stack's ceiling.

A page with a Flask-WTF form and its CSRF token; a POST that validates one field, inserts one
row with SQLAlchemy Core and redirects (303) to a receipt page, which reads the row back.
`bench/load.py` runs it under the same gunicorn settings as the portal, with the same clients,
alternated with the portal in the same run, and prints the portal's rate as a ratio of this
one's. It answers on the portal's URLs (`/<lang>/`, `/<lang>/measures/<slug>`) and marks the
receipt number and access key as the portal does, so the same simulated resident drives both.

    DATABASE_URL=postgresql://... gunicorn --preload --workers 2 --chdir bench minimal_app:app

DATABASE_URL as for the portal (SQLite file when unset); the table `minimal_comments` is
created when missing.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, abort, redirect, render_template_string, session, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

SLUGS = ("1-1", "1-2", "2-1", "3-2", "4-1", "5-3")
_SLUG = re.compile(r"[0-9]{1,2}-[0-9]{1,2}")

metadata = sa.MetaData()
comments = sa.Table(
    "minimal_comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{{ slug }}</title>
</head><body><h1>施策 {{ slug }}</h1>
<form method="post" class="comment-form">{{ form.csrf_token }}
<label>{{ form.body.label }} {{ form.body(rows=8) }}</label>
{% for error in form.body.errors %}<p class="error">{{ error }}</p>{% endfor %}
<button type="submit">送信</button></form></body></html>"""
HOME = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>施策</title></head>
<body><ul>{% for slug in slugs %}<li><a href="/ja/measures/{{ slug }}">{{ slug }}</a></li>
{% endfor %}</ul></body></html>"""
RECEIPT = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>受付</title>
</head><body><h1>受け付けました</h1><dl>
<dt>受付番号</dt><dd class="receipt-number">M-{{ row.id }}</dd>
<dt>アクセスキー</dt><dd class="access-key">{{ key }}</dd>
<dt>受付日時</dt><dd>{{ row.created_at }}</dd><dt>施策</dt><dd>{{ row.slug }}</dd></dl>
<p>{{ row.body }}</p></body></html>"""


class CommentForm(FlaskForm):
    """One field, validated."""

    body = TextAreaField("ご意見", validators=[DataRequired(), Length(max=2000)])


def _engine_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_app() -> Flask:
    """The app, its engine and its table."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    CSRFProtect(app)
    url = _engine_url(os.environ.get("DATABASE_URL") or "sqlite:///minimal.sqlite3")
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    if engine.dialect.name == "sqlite":  # as the portal does: WAL, readers beside the writer
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    engine.dispose()  # gunicorn --preload forks: no connection crosses into the workers

    @app.get("/<lang>/")
    def home(lang: str):
        return render_template_string(HOME, slugs=SLUGS)

    @app.route("/<lang>/measures/<slug>", methods=["GET", "POST"])
    def measure(lang: str, slug: str):
        if not _SLUG.fullmatch(slug):
            abort(404)
        form = CommentForm()
        if form.validate_on_submit():
            with engine.begin() as connection:
                new_id = connection.execute(
                    comments.insert()
                    .values(slug=slug, body=form.body.data, created_at=datetime.now(UTC))
                    .returning(comments.c.id)
                ).scalar_one()
            session["receipt"] = new_id
            return redirect(url_for("receipt"), code=303)
        return render_template_string(PAGE, form=form, slug=slug), 422 if form.errors else 200

    @app.get("/receipt")
    def receipt():
        with engine.connect() as connection:
            row = connection.execute(
                sa.select(comments).where(comments.c.id == session.get("receipt", 0))
            ).first()
        if row is None:
            abort(404)
        return render_template_string(RECEIPT, row=row, key=secrets.token_hex(6))

    return app


app = create_app()
