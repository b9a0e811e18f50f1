"""After-sales: cancellation requests, returns, refunds, replacements, disputes, buyer
protection (DOMAIN.md "After-sales"; statuses as the reference API's return_refund module)."""
