"""Shared kernel: settings, database, ids, clock, money, errors, pagination."""
