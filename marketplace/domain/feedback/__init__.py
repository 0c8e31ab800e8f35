"""After-show feedback: a rating and a comment, kept on the buyer's contact at the venue."""
