"""Waiting lists of sold-out offers, the spectator's side (the line itself: inventory.line)."""
