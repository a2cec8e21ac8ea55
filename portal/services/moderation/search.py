"""Finding comments by words in their text, in every language, Japanese included.

Japanese has no spaces and many of its words have two characters (市長, 窓口, 公園), so the
search matches substrings, not words. Each database gets an index for the common case and a
separate, correct path for terms shorter than three characters:

- SQLite: an FTS5 table with the trigram tokenizer (`comments_fts`, kept in step with
  `comments` by triggers, see migration 0003_search). SQLite 3.40 returns nothing for a trigram
  MATCH shorter than three characters, and a LIKE through the FTS table silently returns
  nothing too, so short terms are looked up with `instr()` on the comments table itself, where
  the queue's other conditions and its (received_at, id) order bound the scan.
- PostgreSQL: a pg_trgm GIN index on `comments.body` serves ILIKE for terms of 3+ characters.
  For a two-character term pg_trgm extracts no trigram and the index would match every row, so
  two-character terms use a second GIN index on the set of the text's character bigrams
  (`portal_bigrams(body)`, migration 0003_search), and one-character terms `strpos()`.

A query of several words separated by spaces finds comments containing every word. Japanese
translations written by moderators are searched as well (all long words in the text, or all
in the translation).
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    any_,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, array

from portal.models import Comment
from portal.models.moderation import CommentTranslation

# Shorter terms cannot use a trigram index on either database.
TRIGRAM = 3
MAX_TERMS = 8
MAX_TERM_LENGTH = 100

# Objects the migrations create outside the models (virtual tables, expression indexes):
# autogenerate and the models-match-migrations test leave them alone.
SEARCH_TABLE_PREFIX = "comments_fts"
SEARCH_INDEXES = {
    "ix_comments_body_trgm",
    "ix_comments_body_bigrams",
    "ix_comment_translations_text_trgm",
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: skip the search index objects that no model declares."""
    if type_ == "table" and name and name.startswith(SEARCH_TABLE_PREFIX):
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)


def terms_of(query: str) -> list[str]:
    """The words of a search query, split on spaces (the ideographic space too), deduplicated.

    Terms are matched as typed: comments are stored as residents wrote them (full-width digits
    included), so normalising only the query would miss them."""
    terms: list[str] = []
    for word in (query or "").split():
        word = word[:MAX_TERM_LENGTH]
        if word and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def _fts_phrase(term: str) -> str:
    # An FTS5 string: double quotes inside are doubled, so no query syntax can be injected.
    return '"' + term.replace('"', '""') + '"'


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _id_in_array(ids: Select) -> ColumnElement[bool]:
    """PostgreSQL: `id = ANY(ARRAY(subquery))`. The subquery runs once, through its indexes,
    and the ids are fetched by primary key; `id IN (subquery)` let the planner hash-join the
    matches against a scan of every comment."""
    return Comment.id == any_(func.array(ids.scalar_subquery()))


def _translations_with(*conditions) -> ColumnElement[bool]:
    translations = CommentTranslation.__table__
    return Comment.id.in_(select(translations.c.comment_id).where(*conditions))


def _long_terms_condition(terms: list[str], dialect: str) -> ColumnElement[bool]:
    """Every term (3+ characters) in the text, through the trigram index; or every term in the
    Japanese translation."""
    text_column = CommentTranslation.__table__.c.text
    if dialect == "postgresql":
        patterns = [_like_pattern(term) for term in terms]
        # A UNION of two index scans: an OR across the two tables would scan every row.
        matching = (
            select(Comment.id)
            .where(*(Comment.body.ilike(p, escape="\\") for p in patterns))
            .union(
                select(CommentTranslation.__table__.c.comment_id).where(
                    *(text_column.ilike(p, escape="\\") for p in patterns)
                )
            )
        )
        return _id_in_array(matching)
    if dialect == "sqlite":
        # One MATCH for all terms: FTS5 reads "a" "b" as a AND b.
        phrase = " ".join(_fts_phrase(term) for term in terms)
        fts = (
            select(literal_column("rowid"))
            .select_from(text("comments_fts"))
            .where(text("comments_fts MATCH :phrase").bindparams(phrase=phrase))
        )
        return or_(
            Comment.id.in_(fts),
            _translations_with(*(text_column.like(_like_pattern(t), escape="\\") for t in terms)),
        )
    return and_(*(Comment.body.ilike(_like_pattern(t), escape="\\") for t in terms))


def _contains(column, term: str, dialect: str) -> ColumnElement[bool]:
    """`column` contains `term`, without any trigram index (for 1-2 character terms).

    Japanese and Chinese have no letter case: a plain substring search (instr, strpos) is
    then exact and the cheapest scan there is. Cased terms ignore case as the index does.
    """
    uncased = term.lower() == term.upper()
    if dialect == "postgresql":
        # strpos() cannot use the pg_trgm index, which would match every row for 2 characters.
        if uncased:
            return func.strpos(column, term) > 0
        return func.strpos(func.lower(column), term.lower()) > 0
    if dialect == "sqlite":
        # Never through the FTS table: SQLite 3.40 answers nothing there for short patterns.
        if uncased:
            return func.instr(column, term) > 0
        return column.like(_like_pattern(term), escape="\\")
    return column.ilike(_like_pattern(term), escape="\\")


def _short_term_condition(term: str, dialect: str) -> ColumnElement[bool]:
    if dialect not in ("postgresql", "sqlite"):
        return _contains(Comment.body, term, dialect)
    translations = CommentTranslation.__table__
    if dialect == "postgresql" and len(term) == 2:
        # Through the bigram index, as a UNION with the translations (an OR across the two
        # tables would make the planner scan every comment). strpos() rechecks exactly.
        bigram = cast(array([term.lower()]), ARRAY(Text))
        matching = (
            select(Comment.id)
            .where(
                func.portal_bigrams(Comment.body).op("@>")(bigram),
                _contains(Comment.body, term, dialect),
            )
            .union(
                select(translations.c.comment_id).where(
                    _contains(translations.c.text, term, dialect)
                )
            )
        )
        return Comment.id.in_(matching)
    return or_(
        _contains(Comment.body, term, dialect),
        _translations_with(_contains(translations.c.text, term, dialect)),
    )


def text_condition(query: str, dialect: str) -> ColumnElement[bool] | None:
    """A WHERE condition on `Comment` for comments whose text (or Japanese translation)
    contains every word of `query`; None when the query has no words."""
    terms = terms_of(query)
    if not terms:
        return None
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    conditions = [_short_term_condition(term, dialect) for term in terms if len(term) < TRIGRAM]
    if long_terms:
        conditions.insert(0, _long_terms_condition(long_terms, dialect))
    return and_(*conditions)
