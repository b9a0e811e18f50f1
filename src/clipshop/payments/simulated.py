"""The built-in simulated gateway: test cards and wallets with documented behaviours.

It keeps its own books in ``sim_gateway_operations`` through its own short transactions,
like a separate system would, so calls made while a request's transaction is open must not
happen (they never do: gateway calls happen between units of work).

Test cards (any future expiry, any 3-digit CVC), see docs/payments.md:

=====================  ===============================================
4242 4242 4242 4242    succeeds (Visa)
5555 5555 5555 4444    succeeds (Mastercard)
4000 0000 0000 0002    card_declined
4000 0000 0000 9995    insufficient_funds
4000 0000 0000 0069    expired_card
4000 0000 0000 3220    bank_verification_failed
4000 0000 0000 0119    timeout: no answer, nothing charged
4000 0000 0000 0259    answer lost: charged, but the caller gets a timeout
=====================  ===============================================

Wallets: ``clippay`` succeeds; ``clippay_sync_fail`` fails with wallet_sync_failed.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select

from clipshop.core.clock import utcnow
from clipshop.core.db import Database, insert_ignore
from clipshop.core.errors import InvalidInput
from clipshop.models import SimGatewayOperation
from clipshop.payments.gateway import GatewayResult, GatewayTimeout, TokenizedMethod

CARDS: dict[str, tuple[str, str]] = {  # number -> (brand, scenario)
    "4242424242424242": ("visa", "ok"),
    "5555555555554444": ("mastercard", "ok"),
    "4000000000000002": ("visa", "card_declined"),
    "4000000000009995": ("visa", "insufficient_funds"),
    "4000000000000069": ("visa", "expired_card"),
    "4000000000003220": ("visa", "bank_verification_failed"),
    "4000000000000119": ("visa", "timeout"),
    "4000000000000259": ("visa", "answer_lost"),
}
WALLETS = {"clippay": "ok", "clippay_sync_fail": "wallet_sync_failed"}
MESSAGES = {
    "card_declined": "The card was declined by the issuer.",
    "insufficient_funds": "The card has insufficient funds.",
    "expired_card": "The card has expired.",
    "bank_verification_failed": "The bank could not verify the payment (3-D Secure failed).",
    "wallet_sync_failed": "The wallet could not be synchronised; try again or another method.",
}


class InvalidCard(InvalidInput):
    code = "invalid_card"


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
    )
    return total % 10 == 0


def _scenario(token: str) -> str:
    """``tok_<scenario>_<hex>``; the scenario itself may contain underscores."""
    prefix, _, rest = token.partition("_")
    scenario, _, suffix = rest.rpartition("_")
    return scenario if prefix == "tok" and scenario and suffix else "invalid_token"


def tokenize_card(number: str, exp_month: int, exp_year: int, cvc: str) -> TokenizedMethod:
    number = number.replace(" ", "").replace("-", "")
    if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_ok(number):
        raise InvalidCard("the card number is not valid")
    this_month = utcnow().date().replace(day=1)
    if not (1 <= exp_month <= 12) or date(exp_year, exp_month, 1) < this_month:
        raise InvalidCard("the card's expiry date is in the past or invalid")
    if not (cvc.isdigit() and len(cvc) in (3, 4)):
        raise InvalidCard("the CVC must be 3 or 4 digits")
    brand, scenario = CARDS.get(number, ("card", "ok"))
    token = f"tok_{scenario}_{secrets.token_hex(8)}"
    return TokenizedMethod("CARD", token, brand, number[-4:], exp_month, exp_year)


def tokenize_wallet(wallet: str) -> TokenizedMethod:
    if wallet not in WALLETS:
        raise InvalidCard(f"unknown wallet; use one of {', '.join(WALLETS)}")
    return TokenizedMethod(
        "WALLET", f"tok_{WALLETS[wallet]}_{secrets.token_hex(8)}", "clippay", "0000"
    )


class SimulatedGateway:
    def __init__(self, db: Database) -> None:
        self.db = db

    def tokenize_card(
        self, number: str, exp_month: int, exp_year: int, cvc: str
    ) -> TokenizedMethod:
        return tokenize_card(number, exp_month, exp_year, cvc)

    def tokenize_wallet(self, wallet: str) -> TokenizedMethod:
        return tokenize_wallet(wallet)

    # -- money movements -----------------------------------------------------------------

    @staticmethod
    def _result(reference: str, failure: str | None) -> GatewayResult:
        """What a booked operation answers: its reference when it succeeded."""
        ok = failure is None
        return GatewayResult(ok, reference if ok else None, failure, MESSAGES.get(failure or ""))

    def _stored(self, key: str) -> GatewayResult | None:
        with self.db.unit_of_work(write=False) as session:
            row = session.get(SimGatewayOperation, key)
            return None if row is None else self._result(row.reference, row.failure_code)

    def _book(
        self,
        key: str,
        operation: str,
        token: str | None,
        amount: int,
        currency: str,
        failure: str | None,
    ) -> tuple[GatewayResult, bool]:
        """Book the operation once per key, in one statement; (result, True) if this call
        booked it, (what was booked before, False) on a repeat of the key."""
        reference = f"sim_{operation}_{secrets.token_hex(8)}"
        row: dict[str, object] = {"idempotency_key": key, "operation": operation}
        row["reference"] = reference
        row |= {"token": token, "amount": amount, "currency": currency}
        row |= {"succeeded": failure is None, "failure_code": failure}
        with self.db.unit_of_work() as session:
            table = SimGatewayOperation.__table__
            if insert_ignore(session, table, row, ["idempotency_key"], commit=True):
                return self._result(reference, failure), True
            booked = session.get_one(SimGatewayOperation, key)
            return self._result(booked.reference, booked.failure_code), False

    def authorize(
        self, token: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        scenario = _scenario(token)
        if scenario == "timeout":  # never reached the bank: nothing is booked
            raise GatewayTimeout("the gateway did not answer in time")
        failure = None if scenario in ("ok", "answer_lost") else scenario
        result, first = self._book(idempotency_key, "AUTHORIZE", token, amount, currency, failure)
        if scenario == "answer_lost" and first:
            raise GatewayTimeout("the gateway did not answer in time")
        return result

    def _follow_up(
        self, operation: str, reference: str, amount: int, currency: str, key: str
    ) -> GatewayResult:
        if not reference.startswith("sim_"):
            return self._stored(key) or GatewayResult(
                False, None, "unknown_reference", "no such payment"
            )
        return self._book(key, operation, None, amount, currency, None)[0]

    def capture(
        self, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._follow_up("CAPTURE", reference, amount, currency, idempotency_key)

    def void(self, reference: str, idempotency_key: str) -> GatewayResult:
        return self._follow_up("VOID", reference, 0, "XXX", idempotency_key)

    def refund(
        self, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._follow_up("REFUND", reference, amount, currency, idempotency_key)

    def lookup(self, idempotency_key: str) -> GatewayResult | None:
        return self._stored(idempotency_key)

    def charged_total(self) -> int:
        """Sandbox/test helper: net money the gateway has taken (captures minus refunds)."""
        with self.db.unit_of_work(write=False) as session:
            rows = session.scalars(
                select(SimGatewayOperation).where(SimGatewayOperation.succeeded)
            ).all()
            sign = {"CAPTURE": 1, "REFUND": -1}
            return sum(sign.get(r.operation, 0) * r.amount for r in rows)
