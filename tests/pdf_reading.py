"""Reading the PDFs the platform renders: pages, their text, and their Code 128 barcodes.

The barcode is decoded from the vector drawing itself (the bars are filled rectangles), with
the Code 128 width table written out here from the standard, independently of the library
that drew it: bars and gaps -> module widths -> symbol values -> check symbol -> text.
"""

from __future__ import annotations

import io
from collections import defaultdict

from pypdf import PageObject, PdfReader
from pypdf.generic import ContentStream

# ISO/IEC 15417 symbol widths (bar, space, bar, space, bar, space), values 0..105, then STOP.
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 "
    "112232 122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 "
    "311222 321122 321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 "
    "112313 132113 132311 211313 231113 231311 112133 112331 132131 113123 113321 133121 "
    "313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 112412 122114 "
    "122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 "
    "114311 411113 411311 113141 114131 311141 411131 211412 211214 211232 2331112"
)
WIDTHS = _TABLE.split()
VALUE_OF = {w: v for v, w in enumerate(WIDTHS)}
START_A, START_B, START_C, STOP = 103, 104, 105, 106
CODE_A, CODE_B, CODE_C = 101, 100, 99


def reader(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def page_size(page: PageObject) -> tuple[float, float]:
    box = page.mediabox
    return float(box.width), float(box.height)


def _bars(page: PageObject) -> list[list[tuple[float, float]]]:
    """Filled rectangles grouped by (y, height): one group per barcode, as (x, width)."""
    contents = ContentStream(page.get_contents(), page.pdf)
    groups: dict[tuple[float, float], list[tuple[float, float]]] = defaultdict(list)
    for operands, operator in contents.operations:
        if operator == b"re":
            x, y, w, h = (float(v) for v in operands)
            groups[(round(y, 3), round(h, 3))].append((x, w))
    return [sorted(g) for g in groups.values() if len(g) >= 10]


def _modules(bars: list[tuple[float, float]]) -> list[int]:
    elements: list[float] = []
    for i, (x, w) in enumerate(bars):
        if i:
            previous_x, previous_w = bars[i - 1]
            elements.append(x - (previous_x + previous_w))
        elements.append(w)
    unit = min(elements)
    modules = [round(e / unit) for e in elements]
    for e, m in zip(elements, modules, strict=True):
        assert abs(e / unit - m) < 0.05, "bar widths are not whole modules"
    return modules


def decode_code128(bars: list[tuple[float, float]]) -> str:
    modules = _modules(bars)
    assert (len(modules) - 7) % 6 == 0, len(modules)
    symbols = [
        VALUE_OF["".join(map(str, modules[i : i + 6]))] for i in range(0, len(modules) - 7, 6)
    ]
    assert "".join(map(str, modules[-7:])) == WIDTHS[STOP]
    start, *data, check = symbols
    assert start in (START_A, START_B, START_C), start
    assert (start + sum(i * v for i, v in enumerate(data, 1))) % 103 == check, "bad check symbol"
    code = {START_A: "A", START_B: "B", START_C: "C"}[start]
    text = []
    for value in data:
        if value == CODE_C and code != "C":
            code = "C"
        elif value == CODE_B and code != "B":
            code = "B"
        elif value == CODE_A and code in ("B", "C"):
            code = "A"
        elif code == "C":
            text.append(f"{value:02d}")
        elif code == "B":
            text.append(chr(value + 32))
        else:
            text.append(chr(value + 32) if value < 64 else chr(value - 64))
    return "".join(text)


def barcodes(page: PageObject) -> list[str]:
    """The text of every Code 128 barcode drawn on ``page``."""
    return [decode_code128(group) for group in _bars(page)]
