"""waiting lists: one entry per e-mail and sold-out offer, served when seats come back

Revision ID: 0017
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'waitlist_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('hold_id', sa.String(length=32), nullable=True),
        sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claim_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_waitlist_entries_quantity_positive')),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'claimed', 'expired', 'left')",
            name=op.f('ck_waitlist_entries_status_known')),
        sa.ForeignKeyConstraint(['release_id'], ['releases.id'],
                                name=op.f('fk_waitlist_entries_release_id_releases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
        sa.UniqueConstraint('release_id', 'email', name='uq_waitlist_entries_release_email'),
    )
    op.create_index('ix_waitlist_entries_line', 'waitlist_entries',
                    ['release_id', 'status', 'joined_at', 'id'])
    op.create_index('ix_waitlist_entries_hold', 'waitlist_entries', ['hold_id'])
    op.create_index('ix_waitlist_entries_email', 'waitlist_entries', ['email'])


def downgrade():
    op.drop_index('ix_waitlist_entries_email', table_name='waitlist_entries')
    op.drop_index('ix_waitlist_entries_hold', table_name='waitlist_entries')
    op.drop_index('ix_waitlist_entries_line', table_name='waitlist_entries')
    op.drop_table('waitlist_entries')
