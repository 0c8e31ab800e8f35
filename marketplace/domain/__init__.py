"""The domain: plain Python, no Flask. Each package builds only on those below it
(the layers are listed in pyproject.toml's import-linter contracts)."""
