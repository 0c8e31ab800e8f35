"""Completing, refunding and cancelling a purchase: the steps that move an order, its seats,
the buyer's place in the venue's contact base and the e-mails together, in one transaction."""
