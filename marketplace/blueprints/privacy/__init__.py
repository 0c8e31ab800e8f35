"""A spectator's data: what happens to it, and their access, consent and erasure pages."""
