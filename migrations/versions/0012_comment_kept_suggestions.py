"""comments: the body's suggestions a moderator confirmed are not personal data

Revision ID: 0012_comment_kept_suggestions
Revises: 0011_notices
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_comment_kept_suggestions'
down_revision = '0011_notices'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kept_suggestions', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('kept_suggestions')
