"""Submission tokens (no double comments)

Revision ID: 0006_submission_tokens
Revises: 0003_search
Create Date: 2026-12-01 02:30:00

"""
from alembic import op
import sqlalchemy as sa

import portal.database  # noqa: F401  (column types)


# revision identifiers, used by Alembic.
revision = '0006_submission_tokens'
down_revision = '0003_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submission_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('sealed_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_submission_tokens_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_submission_tokens')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_submission_tokens_comment_id'))
    )
    with op.batch_alter_table('submission_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_tokens_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('submission_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_tokens_created_at'))
    op.drop_table('submission_tokens')
