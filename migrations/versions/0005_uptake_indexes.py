"""the agency's uptake: paid orders by day of payment, releases by day their sales opened

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# On PostgreSQL the dashboard's queries read these indexes alone (index-only scans).
PAID_COLUMNS = ['id', 'venue_id', 'release_id', 'quantity', 'total_cents', 'face_price_cents',
                'new_to_venue', 'buyer_birth_year', 'buyer_postcode', 'buyer_email']


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_paid_uptake', ['paid_at'], unique=False,
                              sqlite_where=sa.text("status = 'paid'"),
                              postgresql_where=sa.text("status = 'paid'"),
                              postgresql_include=PAID_COLUMNS)
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index('ix_releases_sales_open', ['sales_open_at'], unique=False,
                              postgresql_include=['quantity', 'venue_id', 'performance_id'])


def downgrade():
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index('ix_releases_sales_open')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_paid_uptake')
