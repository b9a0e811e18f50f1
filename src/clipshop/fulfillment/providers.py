"""Shipping providers: who may carry an order, and how their tracking numbers look.

A provider is allowed for a delivery option (the order's shipping service); platform
shipping needs a provider whose carrier adapter can sell labels. Tracking numbers of the
simulated carriers carry a check digit (Luhn over the digits), so typos are caught."""

from __future__ import annotations

import re
from dataclasses import dataclass

from clipshop.fulfillment.errors import InvalidTrackingNumber, ProviderNotAllowed


@dataclass(frozen=True)
class Provider:
    code: str
    name: str
    services: frozenset[str]
    sells_labels: bool
    simulated: bool
    prefix: str = ""  # simulated numbers: prefix + 10 digits + check digit

    def validate(self, tracking_number: str) -> str:
        number = tracking_number.strip().upper()
        if self.simulated:
            pattern = rf"^{self.prefix}(\d{{11}})$"
            match = re.match(pattern, number)
            if match is None or not luhn_valid(match.group(1)):
                raise InvalidTrackingNumber(
                    f"{self.name} tracking numbers are {self.prefix} + 11 digits with a valid "
                    f"check digit (e.g. {self.prefix}{with_check_digit('1234567890')})"
                )
        elif not re.match(r"^[A-Z0-9-]{6,40}$", number):
            raise InvalidTrackingNumber("tracking numbers are 6-40 letters, digits or dashes")
        return number


def luhn_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return (10 - total % 10) % 10


def with_check_digit(digits: str) -> str:
    return digits + str(luhn_digit(digits))


def luhn_valid(number: str) -> bool:
    return luhn_digit(number[:-1]) == int(number[-1])


PROVIDERS: dict[str, Provider] = {
    p.code: p
    for p in (
        Provider(
            "SIMEX",
            "Simulated Express",
            frozenset({"STANDARD", "EXPRESS"}),
            sells_labels=True,
            simulated=True,
            prefix="SX",
        ),
        Provider(
            "SIMPOST",
            "Simulated Post",
            frozenset({"STANDARD"}),
            sells_labels=True,
            simulated=True,
            prefix="SP",
        ),
        Provider(
            "OTHER",
            "Other carrier (no tracking feed)",
            frozenset({"STANDARD"}),
            sells_labels=False,
            simulated=False,
        ),
    )
}


def provider_for(code: str, service: str, *, platform: bool) -> Provider:
    provider = PROVIDERS.get(code)
    if provider is None:
        raise ProviderNotAllowed(
            f"unknown shipping provider {code!r}; use one of " + ", ".join(sorted(PROVIDERS))
        )
    if service not in provider.services:
        raise ProviderNotAllowed(f"{provider.name} does not carry {service} orders")
    if platform and not provider.sells_labels:
        raise ProviderNotAllowed(f"{provider.name} cannot be used with platform shipping")
    return provider


def allowed_providers(service: str) -> list[Provider]:
    return [p for p in PROVIDERS.values() if service in p.services]
