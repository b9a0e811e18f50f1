"""Time-ordered 64-bit ids: monotonic, unique across threads, decodable, strictly parsed."""

from __future__ import annotations

import itertools
import threading
import time
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clipshop.core import ids
from clipshop.core.ids import MAX_NODE, MAX_SEQ, SEQ_BITS, IdGenerator, id_timestamp_ms, parse_id


def test_ids_are_strictly_increasing_positive_63_bit() -> None:
    generator = IdGenerator()
    values = [generator.next_id() for _ in range(20_000)]  # several exhausted milliseconds
    assert all(a < b for a, b in itertools.pairwise(values))
    assert all(0 < v < 2**63 for v in values)


def test_ids_are_unique_across_threads() -> None:
    per_thread: list[list[int]] = [[] for _ in range(8)]
    barrier = threading.Barrier(len(per_thread))

    def work(out: list[int]) -> None:
        barrier.wait()
        out.extend(ids.new_id() for _ in range(5_000))

    threads = [threading.Thread(target=work, args=(out,)) for out in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [v for out in per_thread for v in out]
    assert len(everything) == 40_000
    assert len(set(everything)) == len(everything)
    for out in per_thread:  # each thread sees its own ids increase
        assert out == sorted(out)


def test_timestamp_decodes_to_the_generation_time() -> None:
    before = int(time.time() * 1000)
    value = IdGenerator().next_id()
    after = int(time.time() * 1000)
    assert before <= id_timestamp_ms(value) <= after


def test_node_number_is_encoded() -> None:
    value = IdGenerator(node=517).next_id()
    assert (value >> SEQ_BITS) & MAX_NODE == 517
    for bad in (-1, MAX_NODE + 1):
        with pytest.raises(ValueError):
            IdGenerator(node=bad)


def test_configure_sets_the_node_of_new_id() -> None:
    try:
        ids.configure(3)
        assert (ids.new_id() >> SEQ_BITS) & MAX_NODE == 3
    finally:
        ids.configure(0)


def test_sequence_exhaustion_and_a_clock_stepping_back_stay_monotonic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1_800_000_000.0]
    monkeypatch.setattr(ids, "time", SimpleNamespace(time=lambda: now[0]))
    generator = IdGenerator()
    values = [generator.next_id() for _ in range(MAX_SEQ + 10)]  # overflows one millisecond
    now[0] -= 5  # the wall clock steps back five seconds
    values += [generator.next_id() for _ in range(10)]
    assert all(a < b for a, b in itertools.pairwise(values))
    first_ms = id_timestamp_ms(values[0])
    assert first_ms == 1_800_000_000_000
    assert id_timestamp_ms(values[MAX_SEQ]) == first_ms  # 4096 ids fit in the millisecond
    assert id_timestamp_ms(values[MAX_SEQ + 1]) == first_ms + 1  # then it borrows the next


@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_parse_id_accepts_every_positive_63_bit_integer(value: int) -> None:
    assert parse_id(value) == value
    assert parse_id(str(value)) == value


@pytest.mark.parametrize(
    "bad",
    [
        0,
        -1,
        2**63,
        "0",
        "-1",
        "",
        "abc",
        "1.0",
        " 1",
        "1 ",
        "+1",
        "1e3",
        "0x10",
        str(2**63),
        "9" * 30,
        "\u0661\u0662\u0663",  # Arabic-Indic digits: str.isdigit() says yes, the id format says no
        "\uff11\uff12",  # fullwidth digits
        "\u00b2",  # superscript two
        True,
        False,
    ],
)
def test_parse_id_refuses(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_id(bad)  # type: ignore[arg-type]
