"""The payment gateway protocol. Every call carries an idempotency key derived from our own
row id (attempt, transaction), so a retry after a crash or a timeout can never charge twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class GatewayTimeout(Exception):
    """No answer: the operation may or may not have happened. Reconcile by idempotency key."""


@dataclass(frozen=True)
class GatewayResult:
    ok: bool
    reference: str | None = None
    failure_code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class TokenizedMethod:
    kind: str  # CARD or WALLET
    token: str
    brand: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None


class PaymentGateway(Protocol):
    def tokenize_card(
        self, number: str, exp_month: int, exp_year: int, cvc: str
    ) -> TokenizedMethod: ...

    def tokenize_wallet(self, wallet: str) -> TokenizedMethod: ...

    def authorize(
        self, token: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def capture(
        self, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def void(self, reference: str, idempotency_key: str) -> GatewayResult: ...

    def refund(
        self, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def lookup(self, idempotency_key: str) -> GatewayResult | None:
        """The result of an earlier call with this key, or None if the gateway never saw it."""
        ...
