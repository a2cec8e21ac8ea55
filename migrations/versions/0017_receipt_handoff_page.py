"""Receipt hand-offs carry the receipt number, the measure's code, slug and title

Revision ID: 0017_receipt_handoff_page
Revises: 0016_saved_text_category
Create Date: 2026-12-06 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_receipt_handoff_page'
down_revision = "0016_saved_text_category"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('receipt_handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('measure_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('measure_slug', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('measure_title', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('receipt_handoffs', schema=None) as batch_op:
        batch_op.drop_column('measure_title')
        batch_op.drop_column('measure_slug')
        batch_op.drop_column('measure_code')
        batch_op.drop_column('receipt_number')
