"""Users, roles, shop membership, API tokens and the caller's identity (``Principal``)."""
