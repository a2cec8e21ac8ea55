"""measures: the outline's general chapters (kind "chapter", no priority area); comments: the
part of the text the resident proposed as their comment's subject

Revision ID: 0013_chapters
Revises: 0012_comment_kept_suggestions
Create Date: 2026-12-06 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_chapters'
down_revision = '0012_comment_kept_suggestions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=10), server_default='measure', nullable=False)
        )
        batch_op.alter_column('area_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_part', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('proposed_part')
    # Chapters have no area: the column can be required again only once they are gone, and
    # a chapter that received comments is not dropped silently.
    connection = op.get_bind()
    commented = connection.scalar(sa.text(
        "SELECT count(*) FROM comments JOIN measures ON measures.id = comments.measure_id"
        " WHERE measures.kind = 'chapter'"
    ))
    if commented:
        raise RuntimeError(f"{commented} comments concern general chapters: export them first")
    op.execute(
        "DELETE FROM measure_texts"
        " WHERE measure_id IN (SELECT id FROM measures WHERE kind = 'chapter')"
    )
    op.execute("DELETE FROM measures WHERE kind = 'chapter'")
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.alter_column('area_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('kind')
