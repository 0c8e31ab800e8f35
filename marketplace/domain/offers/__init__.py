"""What is on sale: offers (open releases with seats left), as the storefront and the
API read them. Above inventory, which builds on the catalogue."""
