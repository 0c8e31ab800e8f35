"""The demo region: real Région Sud venues, a week of shows, a few weeks of past sales.

`seed.seed_demo` writes it (idempotently, by natural keys); `plan` says what it holds on a
given day; `sales` invents the purchases made before today; `data/venues.csv` is the list
of venues shipped with the app.
"""
