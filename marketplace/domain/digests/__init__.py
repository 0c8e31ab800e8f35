"""The staff digests: what a venue sold yesterday and has on tonight, the region's week."""
