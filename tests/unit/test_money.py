"""Money: minor units plus a currency; parsing, formatting, allocation and percentages."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clipshop.core.money import CurrencyError, Money, allocate, exponent

EXAMPLE_CURRENCIES = ["JPY", "USD", "KWD"]  # 0, 2 and 3 decimals
amounts = st.integers(min_value=-(10**15), max_value=10**15)
weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20)
currencies = st.sampled_from(EXAMPLE_CURRENCIES)


def test_exponents_of_the_example_currencies() -> None:
    assert [exponent(c) for c in EXAMPLE_CURRENCIES] == [0, 2, 3]
    with pytest.raises(CurrencyError):
        exponent("XXX")
    with pytest.raises(CurrencyError):
        Money(1, "usd")


def test_amount_must_be_an_int() -> None:
    for bad in (1.0, Decimal(1), "1", True):
        with pytest.raises(TypeError):
            Money(bad, "USD")  # type: ignore[arg-type]


# --- allocation ---------------------------------------------------------------------------


@given(amounts, weights)
def test_allocate_sums_exactly(amount: int, ws: list[int]) -> None:
    shares = allocate(amount, ws)
    assert len(shares) == len(ws)
    assert sum(shares) == amount


@given(amounts, st.integers(min_value=1, max_value=50))
def test_equal_weights_give_shares_within_one_unit(amount: int, parts: int) -> None:
    shares = allocate(amount, [7] * parts)
    assert max(shares) - min(shares) <= 1
    # the larger shares come first (ties go to the earliest)
    assert shares == sorted(shares, key=abs, reverse=True)


@given(st.integers(min_value=0, max_value=10**15), weights)
def test_shares_are_within_one_unit_of_the_exact_proportion(amount: int, ws: list[int]) -> None:
    total = sum(ws)
    shares = allocate(amount, ws)
    for share, weight in zip(shares, ws, strict=True):
        exact = Fraction(amount * weight, total) if total else Fraction(amount, len(ws))
        assert floor(exact) <= share <= floor(exact) + 1
        if total and weight == 0:
            assert share == 0


@given(amounts, weights)
def test_negative_amounts_mirror_positive_ones(amount: int, ws: list[int]) -> None:
    assert allocate(-amount, ws) == [-share for share in allocate(amount, ws)]


def test_allocate_examples() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(5, [1, 2]) == [2, 3]  # remainders 2/3 vs 1/3: the first gets the unit
    assert allocate(10, [0, 0]) == [5, 5]  # zero total weight splits evenly
    assert allocate(1, [0, 0, 0]) == [1, 0, 0]
    assert allocate(0, [3, 4]) == [0, 0]
    assert allocate(7, [0, 1]) == [0, 7]


def test_allocate_refuses_bad_weights() -> None:
    with pytest.raises(ValueError):
        allocate(10, [])
    with pytest.raises(ValueError):
        allocate(10, [1, -1])


def test_money_allocate_keeps_the_currency() -> None:
    assert Money(1001, "KWD").allocate([1, 1]) == [Money(501, "KWD"), Money(500, "KWD")]


# --- parsing and formatting ----------------------------------------------------------------


@given(amounts, currencies)
def test_decimal_string_round_trips(amount: int, currency: str) -> None:
    money = Money(amount, currency)
    text = money.to_decimal_string()
    assert Money.parse_exact(text, currency) == money
    assert Money.parse(text, currency) == money
    decimals = exponent(currency)
    assert len(text.partition(".")[2]) == decimals  # always exactly the currency's decimals
    assert Decimal(text) == Decimal(amount).scaleb(-decimals)


def test_to_decimal_string_examples() -> None:
    assert Money(1234, "JPY").to_decimal_string() == "1234"
    assert Money(-1234, "JPY").to_decimal_string() == "-1234"
    assert Money(5, "USD").to_decimal_string() == "0.05"
    assert Money(-5, "USD").to_decimal_string() == "-0.05"
    assert Money(-1234, "KWD").to_decimal_string() == "-1.234"
    assert Money(1000, "KWD").to_decimal_string() == "1.000"
    assert str(Money(1999, "USD")) == "19.99 USD"


def test_parse_rounds_half_up_away_from_zero() -> None:
    assert Money.parse("0.005", "USD") == Money(1, "USD")
    assert Money.parse("0.00499", "USD") == Money(0, "USD")
    assert Money.parse("-0.005", "USD") == Money(-1, "USD")
    assert Money.parse("2.5", "JPY") == Money(3, "JPY")
    assert Money.parse("-2.5", "JPY") == Money(-3, "JPY")
    assert Money.parse("1.0005", "KWD") == Money(1001, "KWD")
    assert Money.parse("12", "USD") == Money(1200, "USD")


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6), currencies)
def test_parse_is_symmetric_around_zero(value: Decimal, currency: str) -> None:
    assert Money.parse(str(-value), currency) == -Money.parse(str(value), currency)


def test_parse_exact_accepts_up_to_the_currency_decimals() -> None:
    assert Money.parse_exact("19.99", "USD") == Money(1999, "USD")
    assert Money.parse_exact("19.9", "USD") == Money(1990, "USD")
    assert Money.parse_exact("1500", "JPY") == Money(1500, "JPY")
    assert Money.parse_exact("1.234", "KWD") == Money(1234, "KWD")
    assert Money.parse_exact("-0.01", "USD") == Money(-1, "USD")


@pytest.mark.parametrize(
    ("text", "currency"),
    [("1.5", "JPY"), ("1.0", "JPY"), ("19.999", "USD"), ("0.001", "USD"), ("1.2345", "KWD")],
)
def test_parse_exact_refuses_too_many_decimals(text: str, currency: str) -> None:
    with pytest.raises(ValueError, match="decimal places"):
        Money.parse_exact(text, currency)


@pytest.mark.parametrize("text", ["", "abc", "1,00", "NaN", "Infinity", "-inf", "1.2.3"])
def test_parse_refuses_what_is_not_a_finite_number(text: str) -> None:
    with pytest.raises(ValueError):
        Money.parse(text, "USD")
    with pytest.raises(ValueError):
        Money.parse_exact(text, "USD")


def test_parse_refuses_an_unknown_currency() -> None:
    with pytest.raises(CurrencyError):
        Money.parse("1", "XXX")
    with pytest.raises(CurrencyError):
        Money.parse_exact("1", "XXX")


@pytest.mark.parametrize("text", ["1e30", "1e1000", "-1e40"])
def test_parse_of_huge_amounts_raises_value_error(text: str) -> None:
    # Beyond Decimal's 28-digit precision: a ValueError like any other bad amount
    # (not decimal.InvalidOperation, which callers catching ValueError would miss).
    with pytest.raises(ValueError):
        Money.parse(text, "USD")


# --- arithmetic ----------------------------------------------------------------------------


def test_arithmetic_within_one_currency() -> None:
    assert Money(150, "USD") + Money(250, "USD") == Money(400, "USD")
    assert Money(150, "USD") - Money(250, "USD") == Money(-100, "USD")
    assert -Money(150, "USD") == Money(-150, "USD")
    assert Money(150, "USD").times(3) == Money(450, "USD")
    assert Money.zero("JPY") == Money(0, "JPY")


def test_mixing_currencies_raises() -> None:
    with pytest.raises(CurrencyError, match="cannot mix USD and EUR"):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(CurrencyError):
        Money(1, "USD") - Money(1, "JPY")
    assert Money(1, "USD") != Money(1, "EUR")


# --- percentages ---------------------------------------------------------------------------


def test_percent_examples() -> None:
    assert Money(1, "USD").percent(Decimal(50)) == Money(1, "USD")  # 0.5 rounds up
    assert Money(1, "USD").percent(Decimal("49.99")) == Money(0, "USD")
    assert Money(-1, "USD").percent(Decimal(50)) == Money(-1, "USD")  # away from zero
    assert Money(1000, "USD").percent(Decimal("8.25")) == Money(83, "USD")  # 82.5 -> 83
    assert Money(999, "JPY").percent(Decimal(10)) == Money(100, "JPY")  # 99.9 -> 100
    assert Money(12345, "KWD").percent(Decimal(0)) == Money(0, "KWD")


@given(
    amounts,
    st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False),
    currencies,
)
def test_percent_rounds_half_up_once(amount: int, rate: Decimal, currency: str) -> None:
    exact = Fraction(amount) * Fraction(rate) / 100
    sign = -1 if exact < 0 else 1
    expected = sign * floor(abs(exact) + Fraction(1, 2))
    assert Money(amount, currency).percent(rate) == Money(expected, currency)
