"""The scheduled jobs: one dedicated process runs them (`flask --app wsgi scheduler`)."""
