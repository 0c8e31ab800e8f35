"""contacts: a folded search text for the portal's search; the delivery log's index

Revision ID: 0003
Revises: 0002
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _folded(text):
    # A copy of marketplace.domain.contacts.models.folded as it was: a migration never changes.
    decomposed = unicodedata.normalize('NFKD', text or '')
    return ''.join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text_for(name, email, postcode):
    return ' '.join(_folded(part).strip() for part in (name, email, postcode) if part)[:600]


def upgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=600), server_default='',
                                      nullable=False))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_venue_created',
                              ['venue_id', 'created_at', 'id'], unique=False)
    contacts = sa.table('contacts', sa.column('id', sa.Integer), sa.column('name', sa.String),
                        sa.column('email', sa.String), sa.column('postcode', sa.String),
                        sa.column('search_text', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(contacts.c.id, contacts.c.name, contacts.c.email,
                                        contacts.c.postcode)).all()
    if rows:
        connection.execute(
            contacts.update().where(contacts.c.id == sa.bindparam('contact_id'))
            .values(search_text=sa.bindparam('text')),
            [{'contact_id': row.id, 'text': search_text_for(row.name, row.email, row.postcode)}
             for row in rows])


def downgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_venue_created')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('search_text')
