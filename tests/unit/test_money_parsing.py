"""Hypothesis fuzzes the money parsers: any string either parses to the exact value or raises the
documented ``AmountError``, never anything else; only ASCII digits are digits. The expected
values come from ``fractions.Fraction`` (exact), not from the parser's own arithmetic."""

from __future__ import annotations

import re
from fractions import Fraction
from math import floor

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from clipshop.core.money import (
    EXPONENTS,
    MAX_MAJOR,
    MAX_TEXT,
    AmountError,
    Money,
    check_cap,
    max_major,
    max_minor,
)
from clipshop.core.settings import get_settings

GRAMMAR = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)
INT64 = 2**63 - 1
currencies = st.sampled_from(sorted(EXPONENTS))
# Strings near the grammar (signs, points, ASCII and other Unicode digits, exponents, spaces)
# and anything at all.
near = st.text(
    alphabet=st.sampled_from("0123456789+-.eE _\u0661\u0665\uff11\uff12\u0966\u00b2\u2070 \t\n"),
    max_size=MAX_TEXT + 5,
)
decimals = st.from_regex(r"\A[+-]?[0-9]{1,22}(\.[0-9]{0,6}[0-9])?\Z")
texts = st.one_of(st.text(max_size=60), near, decimals)


def value_of(text: str) -> Fraction | None:
    """The exact value of a string in the documented grammar, or None."""
    if len(text) > MAX_TEXT or GRAMMAR.fullmatch(text) is None:
        return None
    return Fraction(text)


def half_up(value: Fraction) -> int:
    """Round half away from zero."""
    magnitude = floor(abs(value) + Fraction(1, 2))
    return -magnitude if value < 0 else magnitude


@given(texts, currencies)
@example("\uff11\uff12", "USD")  # full-width 12
@example("\u0661\u0662", "USD")  # Arabic-Indic 12
@example("1.\u0665", "USD")  # 1.5 with an Arabic-Indic 5
@example("1e3", "USD")
@example(" 12", "USD")
@example("1_000", "USD")
@example("9223372036854775807", "JPY")
@example("9223372036854775808", "JPY")
def test_parse_gives_the_exact_rounded_value_or_amount_error(text: str, currency: str) -> None:
    value = value_of(text)
    scale = 10 ** EXPONENTS[currency]
    try:
        money = Money.parse(text, currency)
    except AmountError:
        assert value is None or abs(half_up(value * scale)) > INT64
        return
    assert value is not None, f"{text!r} should have been refused"
    assert money == Money(half_up(value * scale), currency)


@given(texts, currencies)
@example("\uff11\uff12", "USD")
@example("1.\u0665", "KWD")
@example("9.990", "USD")
@example("100.0", "JPY")
def test_parse_exact_gives_the_exact_value_or_amount_error(text: str, currency: str) -> None:
    value = value_of(text)
    scale = 10 ** EXPONENTS[currency]
    try:
        money = Money.parse_exact(text, currency)
    except AmountError:
        decimals = len(text.partition(".")[2])
        assert value is None or decimals > EXPONENTS[currency] or abs(value * scale) > INT64, text
        return
    assert value is not None, f"{text!r} should have been refused"
    assert len(text.partition(".")[2]) <= EXPONENTS[currency]
    assert money == Money(int(value * scale), currency)


@given(st.integers(min_value=-INT64, max_value=INT64), currencies)
def test_every_amount_round_trips_through_its_decimal_string(amount: int, currency: str) -> None:
    text = Money(amount, currency).to_decimal_string()
    assert Money.parse_exact(text, currency) == Money(amount, currency)
    assert Money.parse(text, currency) == Money(amount, currency)


@given(currencies, st.integers(min_value=-1, max_value=1))
def test_check_cap_at_and_around_the_maximum(currency: str, offset: int) -> None:
    cap = max_minor(currency)
    assert cap == max_major(currency) * 10 ** EXPONENTS[currency]
    if offset <= 0:
        assert check_cap(cap + offset, currency) == cap + offset
        assert check_cap(-(cap + offset), currency) == -(cap + offset)
    else:
        with pytest.raises(AmountError, match="platform maximum"):
            check_cap(cap + offset, currency, "fee")


def test_the_built_in_maximum_per_currency() -> None:
    assert max_minor("USD") == 100_000_000  # 1,000,000.00
    assert max_minor("KWD") == 1_000_000_000  # 1,000,000.000
    assert max_minor("JPY") == MAX_MAJOR["JPY"] == 100_000_000
    assert max_minor("IDR") == 10_000_000_000 * 100


def test_the_maximum_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPSHOP_MONEY_MAX_MAJOR", '{"USD": 500, "*": 7}')
    get_settings.cache_clear()
    try:
        assert max_minor("USD") == 50_000
        assert max_minor("EUR") == 700  # no built-in entry: "*"
        assert max_minor("JPY") == MAX_MAJOR["JPY"]  # the built-in entry stays
        with pytest.raises(AmountError, match=r"500\.00 USD"):
            check_cap(50_001, "USD", "price")
        monkeypatch.setenv("CLIPSHOP_MONEY_MAX_MAJOR", '{"XXX": 1}')
        get_settings.cache_clear()
        with pytest.raises(ValueError, match="unknown currencies"):
            get_settings()
    finally:
        monkeypatch.delenv("CLIPSHOP_MONEY_MAX_MAJOR")
        get_settings.cache_clear()
