"""Staff sessions kept on the server, passkeys and their challenges

A staff login becomes a row of staff_sessions (the cookie holds only its token), which replaces
the account-wide session_version: every session opened before this upgrade ends, and staff log
in again once. Passkeys (WebAuthn) come beside the authenticator app, with their single-use
challenges.

Revision ID: 0009_staff_sessions_passkeys
Revises: 0008_audit_key
Create Date: 2026-12-06 01:35:00

"""
from alembic import op
import sqlalchemy as sa

import portal.database  # noqa: F401  (column types)


# revision identifiers, used by Alembic.
revision = '0009_staff_sessions_passkeys'
down_revision = '0008_audit_key'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_passkeys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('credential_id', sa.String(length=1400), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.BigInteger(), nullable=False),
    sa.Column('transports', sa.String(length=200), nullable=False),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', portal.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_passkeys_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_passkeys')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_staff_passkeys_credential_id'))
    )
    with op.batch_alter_table('staff_passkeys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_passkeys_user_id'), ['user_id'], unique=False)

    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('second_factor', sa.String(length=20), nullable=True),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=120), nullable=True),
    sa.Column('ended_at', portal.database.UTCDateTime(), nullable=True),
    sa.Column('ended_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_sessions_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('staff_webauthn_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=12), nullable=False),
    sa.Column('challenge', sa.String(length=100), nullable=False),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['staff_sessions.id'], name=op.f('fk_staff_webauthn_challenges_session_id_staff_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_webauthn_challenges')),
    sa.UniqueConstraint('challenge', name=op.f('uq_staff_webauthn_challenges_challenge'))
    )
    with op.batch_alter_table('staff_webauthn_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_webauthn_challenges_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('passkey_user_handle', sa.String(length=100), nullable=True))
        batch_op.drop_column('session_version')



def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.drop_column('passkey_user_handle')

    with op.batch_alter_table('staff_webauthn_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_webauthn_challenges_session_id'))

    op.drop_table('staff_webauthn_challenges')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))

    op.drop_table('staff_sessions')
    with op.batch_alter_table('staff_passkeys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_passkeys_user_id'))

    op.drop_table('staff_passkeys')
