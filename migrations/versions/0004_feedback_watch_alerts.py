"""after-show feedback on the buyer's contact; the offers each watch has told about

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_feedback_rating_range')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_feedback_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_feedback_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_feedback_venue_id_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('order_id', name=op.f('uq_feedback_order_id'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_venue_id'), ['venue_id'], unique=False)

    op.create_table('watch_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('watch_id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('alerted', 'seen')", name=op.f('ck_watch_alerts_reason_known')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_watch_alerts_release_id_releases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['watch_id'], ['watches.id'], name=op.f('fk_watch_alerts_watch_id_watches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_alerts')),
    sa.UniqueConstraint('watch_id', 'release_id', name=op.f('uq_watch_alerts_watch_id_release_id'))
    )
    with op.batch_alter_table('watch_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_alerts_release_id'), ['release_id'], unique=False)


def downgrade():
    with op.batch_alter_table('watch_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_alerts_release_id'))
    op.drop_table('watch_alerts')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_venue_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_contact_id'))
    op.drop_table('feedback')
