"""Pricing: the price waterfall of a checkout (``quotes.py``), tax (``tax.py``), shipping rates
(``shipping.py``) and the address they are quoted for (``schemas.py``); used by checkout to
place orders and by orders to reprice an edit or an address change."""
