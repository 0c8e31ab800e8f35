"""the "Mes données" links: an opaque token (hashed) stands for the address, until it expires

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_data_links_token_hash'))
    )
    with op.batch_alter_table('data_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_links_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_links_expires_at'), ['expires_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('data_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_links_expires_at'))
        batch_op.drop_index(batch_op.f('ix_data_links_email'))
    op.drop_table('data_links')
