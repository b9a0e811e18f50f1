"""Demo data so a newcomer sees something: shops, stock, users and their API tokens."""
