"""opinion items (意見) and the rows of the results (同趣旨), their reposts and translations

Revision ID: 0013_items
Revises: 0012_comment_kept_suggestions
Create Date: 2026-12-06 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.database  # noqa: F401  (column types)


# revision identifiers, used by Alembic.
revision = '0013_items'
down_revision = '0012_comment_kept_suggestions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'result_rows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('measure_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('part', sa.String(length=60), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('category', sa.String(length=30), nullable=True),
        sa.Column('text_ja', sa.Text(), nullable=True),
        sa.Column('written_by_id', sa.Integer(), nullable=True),
        sa.Column('written_at', portal.database.UTCDateTime(), nullable=True),
        sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
        sa.Column('updated_at', portal.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_result_rows_measure_id_measures')),
        sa.ForeignKeyConstraint(['written_by_id'], ['staff_users.id'], name=op.f('fk_result_rows_written_by_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_result_rows')),
    )
    with op.batch_alter_table('result_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_rows_measure_id'), ['measure_id'], unique=False)

    op.create_table(
        'opinion_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('spans', sa.JSON(), nullable=False),
        sa.Column('part', sa.String(length=60), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('row_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
        sa.Column('updated_at', portal.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_opinion_items_comment_id_comments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['row_id'], ['result_rows.id'], name=op.f('fk_opinion_items_row_id_result_rows'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_opinion_items_created_by_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_items')),
        sa.UniqueConstraint('comment_id', 'position', name=op.f('uq_opinion_items_comment_id')),
    )
    with op.batch_alter_table('opinion_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_items_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opinion_items_row_id'), ['row_id'], unique=False)

    op.create_table(
        'item_reposts',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['opinion_items.id'], name=op.f('fk_item_reposts_item_id_opinion_items'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['row_id'], ['result_rows.id'], name=op.f('fk_item_reposts_row_id_result_rows'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_item_reposts_created_by_id_staff_users')),
        sa.PrimaryKeyConstraint('item_id', 'row_id', name=op.f('pk_item_reposts')),
    )

    op.create_table(
        'result_row_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('response', sa.Text(), nullable=True),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('translated_by_id', sa.Integer(), nullable=True),
        sa.Column('translated_at', portal.database.UTCDateTime(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', portal.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['row_id'], ['result_rows.id'], name=op.f('fk_result_row_translations_row_id_result_rows'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['translated_by_id'], ['staff_users.id'], name=op.f('fk_result_row_translations_translated_by_id_staff_users')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['staff_users.id'], name=op.f('fk_result_row_translations_reviewed_by_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_result_row_translations')),
        sa.UniqueConstraint('row_id', 'locale', name=op.f('uq_result_row_translations_row_id')),
    )


def downgrade():
    op.drop_table('result_row_translations')
    op.drop_table('item_reposts')
    with op.batch_alter_table('opinion_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_items_row_id'))
        batch_op.drop_index(batch_op.f('ix_opinion_items_comment_id'))
    op.drop_table('opinion_items')
    with op.batch_alter_table('result_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_rows_measure_id'))
    op.drop_table('result_rows')
