"""holds: keyed hashes of the client that asked, for the cap on seats held at once

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_network_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('client_browser_key', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_holds_client_network', ['client_network_key', 'status'],
                              unique=False)
        batch_op.create_index('ix_holds_client_browser', ['client_browser_key', 'status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.drop_index('ix_holds_client_browser')
        batch_op.drop_index('ix_holds_client_network')
        batch_op.drop_column('client_browser_key')
        batch_op.drop_column('client_network_key')
