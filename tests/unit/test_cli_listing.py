"""``Listing``: a Rich table only on a terminal wide enough for it, else plain whole lines."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from clipshop.core.cli import Listing

TOKEN = "cs_uaDh0XNULlcITS4qrWZj2q2BhGdNNK0UF70mrfmeJLg"


def listing() -> Listing:
    users = Listing("Demo users", ("key", "id", "token", "count"), right=("count",))
    users.add("seller_local", "388313382337380352", TOKEN, "7")
    users.add("admin", "388313380416389120", "cs_short", "12", end_section=True)
    return users


def shown(width: int, terminal: bool) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=terminal, color_system=None, soft_wrap=True
    )
    listing().show(console)
    return buffer.getvalue()


PLAIN = f"""Demo users
key           id                  token                                           count
seller_local  388313382337380352  {TOKEN}      7
admin         388313380416389120  cs_short                                           12

"""


@pytest.mark.parametrize("width", [40, 80, 200])
def test_not_a_terminal_gives_plain_lines_at_any_width(width: int) -> None:
    assert shown(width, terminal=False) == PLAIN


def test_a_terminal_too_narrow_gives_plain_lines_too() -> None:
    assert shown(80, terminal=True) == PLAIN


def test_a_terminal_wide_enough_gives_the_table() -> None:
    text = shown(200, terminal=True)
    assert "┃ key" in text  # Rich's box
    assert TOKEN in text  # whole, not folded or cut
    assert max(len(line) for line in text.splitlines()) < 200
