"""Seller promotions: product discounts, live-only prices, flash deals, shop coupons, bundles,
free-shipping thresholds (docs/promotions.md). Below pricing: the quote waterfall reads them."""
