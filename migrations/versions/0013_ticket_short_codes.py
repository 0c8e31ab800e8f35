"""a short code on every ticket, typed at the door when the QR code will not scan

Revision ID: 0013
Revises: 0011

Tickets sold before this revision get theirs here. The generator is copied, frozen, from
marketplace/domain/orders/short_codes.py so that this revision stays what it was.
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BATCH = 1000


def _new_short_code():
    while True:
        data = "".join(secrets.choice(ALPHABET) for _ in range(8))
        value = 0
        for symbol in data:
            value = value * 32 + ALPHABET.index(symbol)
        if value % 37 < 32:  # letters and digits only: never Crockford's *~$=U
            return data + ALPHABET[value % 37]


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_code', sa.String(length=12), nullable=True))

    connection = op.get_bind()
    tickets = sa.table('tickets', sa.column('id', sa.Integer),
                       sa.column('short_code', sa.String))
    ids = [row.id for row in connection.execute(
        sa.select(tickets.c.id).where(tickets.c.short_code.is_(None)).order_by(tickets.c.id))]
    drawn = set()
    for start in range(0, len(ids), BATCH):
        rows = []
        for ticket_id in ids[start:start + BATCH]:
            while (code := _new_short_code()) in drawn:
                pass
            drawn.add(code)
            rows.append({'ticket_id': ticket_id, 'code': code})
        connection.execute(
            tickets.update().where(tickets.c.id == sa.bindparam('ticket_id'))
            .values(short_code=sa.bindparam('code')), rows)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('short_code', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_tickets_short_code'), ['short_code'])


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_tickets_short_code'), type_='unique')
        batch_op.drop_column('short_code')
