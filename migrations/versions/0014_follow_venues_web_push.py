"""« Suivre ce lieu » (follows and what they told), Web Push subscriptions, notifications

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('pending', 'push', 'email')", name=op.f('ck_notifications_channel_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key'))
    )
    op.create_table('push_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('endpoint', sa.Text(), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=100), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("origin IN ('watch', 'follow', 'waitlist')", name=op.f('ck_push_subscriptions_origin_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscriptions_endpoint'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_email'), ['email'], unique=False)

    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unfollowed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_follows_venue_id_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_follows_token_hash'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index('ix_follows_active', ['confirmed_at', 'unfollowed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follows_email'), ['email'], unique=False)
        batch_op.create_index('ix_follows_email_venue', ['email', 'venue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follows_venue_id'), ['venue_id'], unique=False)

    op.create_table('follow_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('follow_id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('told', 'seen')", name=op.f('ck_follow_notices_reason_known')),
    sa.ForeignKeyConstraint(['follow_id'], ['follows.id'], name=op.f('fk_follow_notices_follow_id_follows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_follow_notices_release_id_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_notices')),
    sa.UniqueConstraint('follow_id', 'release_id', name=op.f('uq_follow_notices_follow_id_release_id'))
    )
    with op.batch_alter_table('follow_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_notices_release_id'), ['release_id'], unique=False)



def downgrade():
    with op.batch_alter_table('follow_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_notices_release_id'))

    op.drop_table('follow_notices')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_venue_id'))
        batch_op.drop_index('ix_follows_email_venue')
        batch_op.drop_index(batch_op.f('ix_follows_email'))
        batch_op.drop_index('ix_follows_active')

    op.drop_table('follows')
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_email'))

    op.drop_table('push_subscriptions')
    op.drop_table('notifications')
