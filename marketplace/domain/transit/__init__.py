"""Public transport timetables (GTFS feeds) and the questions they answer: how to get home
after the show. Plain Python, built only on the catalog's geography."""
