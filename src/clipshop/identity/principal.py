"""Who is calling, what their role may do, and which shops' objects they can see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from clipshop.core.errors import NotFound, PermissionDenied


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    CREATOR = "creator"


class Permission(StrEnum):
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    SHOP_CREATE = "shop:create"
    SHOP_VERIFY = "shop:verify"
    USERS_ADMIN = "users:admin"
    TOKENS_OWN = "tokens:own"
    CHECKOUT = "checkout"
    ORDERS_READ = "orders:read"
    ORDERS_REVIEW = "orders:review"
    SANDBOX = "sandbox"
    FULFILL = "fulfillment:write"
    AFTERSALES_DECIDE = "aftersales:decide"  # a shop answers cancel/return/refund requests
    DISPUTES_DECIDE = "disputes:decide"  # the platform arbitrates and cancels as operator
    WEBHOOKS_MANAGE = "webhooks:manage"  # a shop's webhook subscriptions and their secrets
    # a creator hosts lives and videos, keeps a showcase, answers invitations, reads earnings
    AFFILIATE_SELL = "affiliate:sell"


_STAFF = {
    Permission.CATALOG_READ,
    Permission.TOKENS_OWN,
    Permission.ORDERS_READ,
    Permission.ORDERS_REVIEW,
    Permission.DISPUTES_DECIDE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.BUYER: frozenset({Permission.TOKENS_OWN, Permission.CHECKOUT, Permission.ORDERS_READ}),
    Role.SELLER: frozenset(
        {
            Permission.CATALOG_READ,
            Permission.CATALOG_WRITE,
            Permission.SHOP_CREATE,
            Permission.TOKENS_OWN,
            Permission.ORDERS_READ,
            Permission.SANDBOX,
            Permission.FULFILL,
            Permission.AFTERSALES_DECIDE,
            Permission.WEBHOOKS_MANAGE,
        }
    ),
    Role.AGENT: frozenset(_STAFF),
    Role.SUPERVISOR: frozenset(_STAFF),
    Role.ADMIN: frozenset(Permission),
    Role.CREATOR: frozenset({Permission.TOKENS_OWN, Permission.AFFILIATE_SELL}),
}

# Roles that see every shop's objects (read access is still limited by permissions).
PLATFORM_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    role: Role
    shop_ids: frozenset[int] = frozenset()
    owned_shop_ids: frozenset[int] = frozenset()

    def has(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.has(permission):
            raise PermissionDenied(f"role {self.role.value} may not {permission.value}")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def sees_shop(self, shop_id: int) -> bool:
        return self.role in PLATFORM_ROLES or shop_id in self.shop_ids

    def check_shop(self, shop_id: int, what: str = "shop") -> None:
        """Objects of a shop the caller cannot see are reported as missing (404), not 403."""
        if not self.sees_shop(shop_id):
            raise NotFound(f"{what} not found")

    def visible_shop_ids(self) -> frozenset[int] | None:
        """``None`` means every shop."""
        return None if self.role in PLATFORM_ROLES else self.shop_ids
