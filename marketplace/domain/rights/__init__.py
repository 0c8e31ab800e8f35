"""A spectator's rights over what is held about them: seeing it, withdrawing consent,
erasing it, across every venue (above contacts, orders, watches and feedback)."""
