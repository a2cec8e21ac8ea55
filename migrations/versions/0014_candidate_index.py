"""candidate_bands: the MinHash-LSH band index the arrival job finds near-copies through

Revision ID: 0014_candidate_index
Revises: 0013_chapters
Create Date: 2026-12-06 05:00:00

Filled as comments arrive and by `portal moderation regroup` for the comments already stored.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_candidate_index"
down_revision = "0013_chapters"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "candidate_bands",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_candidate_bands_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_candidate_bands_measure_id_measures")
        ),
        sa.PrimaryKeyConstraint(
            "measure_id", "hash", "band", "comment_id", name=op.f("pk_candidate_bands")
        ),
    )
    op.create_index(
        op.f("ix_candidate_bands_comment_id"), "candidate_bands", ["comment_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_candidate_bands_comment_id"), table_name="candidate_bands")
    op.drop_table("candidate_bands")
