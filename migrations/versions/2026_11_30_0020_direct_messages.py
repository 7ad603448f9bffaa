"""Direct messages: conversations, their members, swallowed messages; a message's room is
a tribe or a conversation.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tribes.db

revision: str = '0020'
down_revision: str | Sequence[str] | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Create the conversation tables and let messages belong to a conversation."""
    op.create_table(
        'conversations',
        sa.Column('members_key', sa.String(length=200), nullable=False),
        sa.Column('created_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', ID, nullable=True),
        sa.Column('id', ID, autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_conversations_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
        sa.UniqueConstraint('members_key', name=op.f('uq_conversations_members_key')),
    )
    op.create_table(
        'conversation_members',
        sa.Column('conversation_id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('last_read_id', ID, nullable=False),
        sa.Column('last_activity_id', ID, nullable=False),
        sa.Column('hidden_until_id', ID, nullable=False),
        sa.Column('left_at', tribes.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('joined_at', tribes.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_conversation_members_conversation_id_conversations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', 'user_id', name=op.f('pk_conversation_members')),
    )
    op.create_index('ix_conversation_members_user_id_last_activity_id', 'conversation_members',
                    ['user_id', 'last_activity_id', 'conversation_id'])
    with op.batch_alter_table('messages') as batch:
        batch.alter_column('tribe_id', existing_type=ID, nullable=True)
        batch.add_column(sa.Column('conversation_id', ID, nullable=True))
        batch.create_foreign_key(op.f('fk_messages_conversation_id_conversations'), 'conversations',
                                 ['conversation_id'], ['id'], ondelete='CASCADE')
        batch.create_unique_constraint(op.f('uq_messages_author_id_conversation_id_client_id'),
                                       ['author_id', 'conversation_id', 'client_id'])
        batch.create_check_constraint('one_room', '(tribe_id IS NULL) <> (conversation_id IS NULL)')
        batch.create_index('ix_messages_conversation_id_id', ['conversation_id', 'id'])
    op.create_table(
        'hidden_messages',
        sa.Column('message_id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_hidden_messages_message_id_messages'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_hidden_messages_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_id', 'user_id', name=op.f('pk_hidden_messages')),
    )


def downgrade() -> None:
    """Drop direct messages (and every direct message)."""
    op.drop_table('hidden_messages')
    op.execute('DELETE FROM messages WHERE conversation_id IS NOT NULL')
    with op.batch_alter_table('messages') as batch:
        batch.drop_index('ix_messages_conversation_id_id')
        batch.drop_constraint('one_room', type_='check')
        batch.drop_constraint(op.f('uq_messages_author_id_conversation_id_client_id'), type_='unique')
        batch.drop_constraint(op.f('fk_messages_conversation_id_conversations'), type_='foreignkey')
        batch.drop_column('conversation_id')
        batch.alter_column('tribe_id', existing_type=ID, nullable=False)
    op.drop_index('ix_conversation_members_user_id_last_activity_id', table_name='conversation_members')
    op.drop_table('conversation_members')
    op.drop_table('conversations')
