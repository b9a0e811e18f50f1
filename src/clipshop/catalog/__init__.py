"""Shops, warehouses, products, SKUs and inventory (stock levels and the movement ledger)."""
