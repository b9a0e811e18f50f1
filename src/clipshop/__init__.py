"""clipshop: the order side of a social-commerce marketplace."""

__version__ = "0.1.0"
