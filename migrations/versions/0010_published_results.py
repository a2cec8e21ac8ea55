"""Published results as stored snapshots (one row per version), and the personal-data
suggestions a moderator kept visible in a translation

Revision ID: 0010_published_results
Revises: 0009_staff_sessions_passkeys
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.database


# revision identifiers, used by Alembic.
revision = '0010_published_results'
down_revision = '0009_staff_sessions_passkeys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('published_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('format', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('published_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('correction_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['correction_id'], ['results_corrections.id'], name=op.f('fk_published_results_correction_id_results_corrections')),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_published_results_measure_id_measures')),
    sa.ForeignKeyConstraint(['published_by_id'], ['staff_users.id'], name=op.f('fk_published_results_published_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_results')),
    sa.UniqueConstraint('measure_id', 'version', name=op.f('uq_published_results_measure_id'))
    )
    with op.batch_alter_table('published_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_results_measure_id'), ['measure_id'], unique=False)

    with op.batch_alter_table('comment_translations') as batch_op:
        batch_op.add_column(sa.Column('kept_suggestions', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('published_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_results_measure_id'))
    op.drop_table('published_results')
    with op.batch_alter_table('comment_translations') as batch_op:
        batch_op.drop_column('kept_suggestions')
