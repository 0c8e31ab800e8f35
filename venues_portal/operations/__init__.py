"""The portal's writes and reads that marketplace's services do not already offer.

Plain functions of (session, venue, acting user, values, now): no Flask in here. Each
one checks the actor's right itself, owns its transaction and raises domain errors.
"""
