"""Packages, shipping providers and carriers, tracking events, labels, and order progress."""
