"""Receipt hand-offs: the fresh access key leaves the session cookie

Revision ID: 3a7c2e9d41f0
Revises: 0002_staff
Create Date: 2026-12-01 02:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '3a7c2e9d41f0'
down_revision = '0002_staff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('receipt_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('sealed_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_receipt_handoffs_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_handoffs')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_receipt_handoffs_token_hash'))
    )
    with op.batch_alter_table('receipt_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_handoffs_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('receipt_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_handoffs_created_at'))
    op.drop_table('receipt_handoffs')
