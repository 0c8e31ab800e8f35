"""public transport timetables (GTFS feeds): stops, routes, trips, their stops and service days

Revision ID: 0019
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None



def upgrade():
    op.create_table(
        'transit_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('timezone', sa.String(length=60), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('stops_count', sa.Integer(), nullable=False),
        sa.Column('routes_count', sa.Integer(), nullable=False),
        sa.Column('trips_count', sa.Integer(), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_feeds')),
        sa.UniqueConstraint('name', name=op.f('uq_transit_feeds_name')),
    )
    op.create_table(
        'transit_stops',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lng', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['feed_id'], ['transit_feeds.id'], ondelete='CASCADE',
                                name=op.f('fk_transit_stops_feed_id_transit_feeds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_stops')),
    )
    op.create_index('ix_transit_stops_lat_lng', 'transit_stops', ['lat', 'lng'])
    op.create_index(op.f('ix_transit_stops_feed_id'), 'transit_stops', ['feed_id'])
    op.create_table(
        'transit_routes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=100), nullable=False),
        sa.Column('short_name', sa.String(length=60), nullable=False),
        sa.Column('long_name', sa.String(length=200), nullable=False),
        sa.Column('route_type', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['feed_id'], ['transit_feeds.id'], ondelete='CASCADE',
                                name=op.f('fk_transit_routes_feed_id_transit_feeds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_routes')),
    )
    op.create_index(op.f('ix_transit_routes_feed_id'), 'transit_routes', ['feed_id'])
    op.create_table(
        'transit_trips',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        sa.Column('route_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=100), nullable=False),
        sa.Column('service', sa.String(length=100), nullable=False),
        sa.Column('headsign', sa.String(length=200), nullable=False),
        sa.Column('direction', sa.Integer(), nullable=True),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['feed_id'], ['transit_feeds.id'], ondelete='CASCADE',
                                name=op.f('fk_transit_trips_feed_id_transit_feeds')),
        sa.ForeignKeyConstraint(['route_id'], ['transit_routes.id'], ondelete='CASCADE',
                                name=op.f('fk_transit_trips_route_id_transit_routes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_trips')),
    )
    op.create_index(op.f('ix_transit_trips_feed_id'), 'transit_trips', ['feed_id'])
    op.create_table(
        'transit_trip_stops',
        sa.Column('trip_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        sa.Column('stop_id', sa.Integer(), nullable=False),
        sa.Column('arrival_s', sa.Integer(), nullable=False),
        sa.Column('departure_s', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['feed_id'], ['transit_feeds.id'], ondelete='CASCADE',
                                name=op.f('fk_transit_trip_stops_feed_id_transit_feeds')),
        sa.ForeignKeyConstraint(['stop_id'], ['transit_stops.id'], ondelete='CASCADE',
                                name=op.f('fk_transit_trip_stops_stop_id_transit_stops')),
        sa.ForeignKeyConstraint(['trip_id'], ['transit_trips.id'], ondelete='CASCADE',
                                name=op.f('fk_transit_trip_stops_trip_id_transit_trips')),
        sa.PrimaryKeyConstraint('trip_id', 'seq', name=op.f('pk_transit_trip_stops')),
    )
    op.create_index('ix_transit_trip_stops_stop_departure', 'transit_trip_stops',
                    ['stop_id', 'departure_s'])
    op.create_index(op.f('ix_transit_trip_stops_feed_id'), 'transit_trip_stops', ['feed_id'])
    op.create_table(
        'transit_service_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        sa.Column('service', sa.String(length=100), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['feed_id'], ['transit_feeds.id'], ondelete='CASCADE',
                                name=op.f('fk_transit_service_days_feed_id_transit_feeds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_service_days')),
        sa.UniqueConstraint('feed_id', 'service', 'day',
                            name=op.f('uq_transit_service_days_feed_id_service_day')),
    )


def downgrade():
    op.drop_table('transit_service_days')
    op.drop_index(op.f('ix_transit_trip_stops_feed_id'), table_name='transit_trip_stops')
    op.drop_index('ix_transit_trip_stops_stop_departure', table_name='transit_trip_stops')
    op.drop_table('transit_trip_stops')
    op.drop_index(op.f('ix_transit_trips_feed_id'), table_name='transit_trips')
    op.drop_table('transit_trips')
    op.drop_index(op.f('ix_transit_routes_feed_id'), table_name='transit_routes')
    op.drop_table('transit_routes')
    op.drop_index(op.f('ix_transit_stops_feed_id'), table_name='transit_stops')
    op.drop_index('ix_transit_stops_lat_lng', table_name='transit_stops')
    op.drop_table('transit_stops')
    op.drop_table('transit_feeds')
