"""Carts, quotes (the price waterfall), shipping options, tax, and placing orders."""
