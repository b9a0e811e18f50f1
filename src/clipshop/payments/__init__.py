"""Payment gateway protocol, the simulated gateway, saved methods, attempts and the ledger."""
