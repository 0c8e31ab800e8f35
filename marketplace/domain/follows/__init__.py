"""« Suivre ce lieu »: a spectator follows a venue and hears, at most once a day, when it
puts seats on sale."""
