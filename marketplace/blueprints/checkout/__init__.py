"""The public buying path in HTML: checkout, the demo payment page, the buyer's tickets."""
