"""The public blueprints: thin views over the domain, registered by the app factory."""
