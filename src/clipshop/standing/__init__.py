"""Seller standing: performance metrics, the periodic review that escalates a shop's standing,
and the admin who sets it (docs/deadlines.md, "Seller performance")."""
