"""Shipping labels and packing slips as PDF (reportlab), from plain data: no database here.

A label is a 4x6 inch page per package: carrier and service, the tracking number as text and
as a Code 128 barcode, the recipient's name and full address, the sender (shop and the
warehouse the items leave from), the package and order ids and what is inside. A packing slip
is a Letter (US, CA, MX) or A4 page per package listing every item and quantity, ship-to,
carrier and tracking number. Neither carries prices or anything promotional (DOMAIN.md,
"Fulfilment and tracking").

Text is set in DejaVu Sans when the system has it (Latin, Greek, Cyrillic...), else in
Helvetica (Latin-1); scripts the font lacks (CJK) print as empty boxes, they never fail.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

LABEL_SIZE = (4 * inch, 6 * inch)
LETTER_COUNTRIES = frozenset({"US", "CA", "MX"})
MAX_BAR_WIDTH = 0.02 * inch  # 20 mil: a comfortable X-dimension for 203 dpi label printers
QUIET_MODULES = 10  # Code 128 needs a quiet zone of at least 10 modules on either side

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
)


@dataclass(frozen=True)
class Address:
    """A name and the lines under it, as printed."""

    name: str
    lines: tuple[str, ...]
    country: str = ""

    @classmethod
    def from_fields(cls, name: str, fields: Mapping[str, Any]) -> Address:
        """From the checkout address shape (``address_line1``, ``city``, ``postal_code``...)."""

        def text(key: str) -> str:
            return str(fields.get(key) or "").strip()

        city, state, postal = text("city"), text("state"), text("postal_code")
        locality = f"{city}, {state}" if state else city
        locality = f"{locality} {postal}".strip()
        country = text("country").upper()
        lines = [text("address_line1"), text("address_line2"), locality, country]
        return cls(name=name.strip(), lines=tuple(x for x in lines if x), country=country)


@dataclass(frozen=True)
class Item:
    product_name: str
    sku_name: str
    seller_sku: str
    quantity: int

    @property
    def description(self) -> str:
        if self.sku_name and self.sku_name != self.product_name:
            return f"{self.product_name} - {self.sku_name}"
        return self.product_name


def group_items(units: Iterable[tuple[str, str, str]]) -> tuple[Item, ...]:
    """One unit per (product name, SKU name, seller SKU) -> items with quantities, in first-seen
    order."""
    counts = Counter(units)
    return tuple(Item(p, s, code, n) for (p, s, code), n in counts.items())


@dataclass(frozen=True)
class PackageDocument:
    """What a label and a packing slip of one package print."""

    package_id: int
    order_ids: tuple[int, ...]
    carrier_name: str
    service: str
    tracking_number: str
    recipient: Address
    sender: Address
    items: tuple[Item, ...]
    weight_grams: int = 0
    created: date | None = None
    notes: tuple[str, ...] = field(default=())  # e.g. handover method; never promotional

    @property
    def units(self) -> int:
        return sum(i.quantity for i in self.items)


# --- fonts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str


@cache
def fonts() -> Fonts:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            try:
                pdfmetrics.registerFont(TTFont("ClipshopSans", str(regular)))
                pdfmetrics.registerFont(TTFont("ClipshopSans-Bold", str(bold)))
            except Exception:  # an unreadable font file: fall back to the built-in one
                continue
            return Fonts("ClipshopSans", "ClipshopSans-Bold")
    return Fonts("Helvetica", "Helvetica-Bold")


# --- drawing helpers -------------------------------------------------------------------------


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = simpleSplit(text, font, size, width) or [""]
    out: list[str] = []
    for line in lines:  # simpleSplit leaves a single word wider than the box whole: cut it
        while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def _fit(text: str, font: str, size: float, width: float) -> str:
    """One line, cut with an ellipsis when too wide."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text + "..."


def _shrink(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest type size from ``size`` down to ``smallest`` at which ``text`` fits."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _canvas(buffer: io.BytesIO, title: str) -> Canvas:
    # invariant: no creation time or random document id, so the same input gives the same bytes
    pdf = Canvas(buffer, pagesize=LABEL_SIZE, invariant=1, pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor("clipshop")
    pdf.setCreator("clipshop")
    return pdf


def _render(
    title: str,
    documents: Sequence[PackageDocument],
    *draws: Callable[[Canvas, PackageDocument], None],
) -> bytes:
    """Each ``draw`` over every document in turn, into one PDF."""
    if not documents:
        raise ValueError("no packages to print")
    buffer = io.BytesIO()
    pdf = _canvas(buffer, title)
    for draw in draws:
        for document in documents:
            draw(pdf, document)
    pdf.save()
    return buffer.getvalue()


def barcode(tracking_number: str, width: float, height: float) -> Code128:
    """A Code 128 symbol of ``tracking_number`` with its quiet zones, at most ``width`` wide."""
    probe = Code128(tracking_number, barWidth=1, quiet=0)
    modules = probe.width + 2 * QUIET_MODULES
    bar_width = min(MAX_BAR_WIDTH, width / modules)
    quiet = QUIET_MODULES * bar_width
    return Code128(
        tracking_number,
        barWidth=bar_width,
        barHeight=height,
        quiet=1,
        lquiet=quiet,
        rquiet=quiet,
        humanReadable=0,
    )


# --- labels ----------------------------------------------------------------------------------


def _address_block(
    pdf: Canvas, address: Address, x: float, top: float, width: float, budget: float, size: float
) -> float:
    """Draw ``address`` from ``top`` down within ``budget`` points, shrinking the type when it
    does not fit; returns the height used. Nothing of an address is dropped before 6 pt."""
    f = fonts()
    while True:
        leading = size * 1.2
        name = _wrap(address.name, f.bold, size + 1, width)
        lines = [line for raw in address.lines for line in _wrap(raw, f.regular, size, width)]
        needed = len(name) * (size + 1) * 1.2 + len(lines) * leading
        if needed <= budget or size <= 6:
            break
        size -= 1
    y = top
    for line in name:
        y -= (size + 1) * 1.2
        if top - y > budget:
            return budget
        pdf.setFont(f.bold, size + 1)
        pdf.drawString(x, y + 0.25 * size, line)
    for line in lines:
        y -= leading
        if top - y > budget:
            return budget
        pdf.setFont(f.regular, size)
        pdf.drawString(x, y + 0.25 * size, line)
    return top - y


def _rule(pdf: Canvas, y: float, left: float, right: float, width: float = 1) -> None:
    pdf.setLineWidth(width)
    pdf.line(left, y, right, y)


def _draw_label(pdf: Canvas, doc: PackageDocument) -> None:
    f = fonts()
    pdf.setPageSize(LABEL_SIZE)
    page_w, page_h = LABEL_SIZE
    margin = 0.15 * inch
    left, right = margin, page_w - margin
    width = right - left
    y = page_h - margin

    # Carrier and service.
    service = _fit(doc.service, f.bold, 11, width * 0.3)
    pdf.setFont(f.bold, 11)
    pdf.drawRightString(right, y - 14, service)
    room = width - pdfmetrics.stringWidth(service, f.bold, 11) - 8
    size = _shrink(doc.carrier_name, f.bold, 14, room, 8)
    y -= 14
    pdf.setFont(f.bold, size)
    pdf.drawString(left, y, _fit(doc.carrier_name, f.bold, size, room))
    y -= 6
    _rule(pdf, y, left, right, 1.5)

    # From (small).
    y -= 3
    pdf.setFont(f.bold, 6.5)
    pdf.drawString(left, y - 8, "FROM")
    y -= max(_address_block(pdf, doc.sender, left + 30, y, width - 30, 48, 7), 9)
    y -= 4
    _rule(pdf, y, left, right, 0.5)

    # Ship to (large).
    pdf.setFont(f.bold, 7)
    y -= 10
    pdf.drawString(left, y, "SHIP TO")
    y -= 2
    y -= _address_block(pdf, doc.recipient, left + 8, y, width - 8, 112, 12)
    y -= 6
    _rule(pdf, y, left, right, 1.5)

    # Tracking number: barcode and text.
    bar_height = 0.75 * inch
    symbol = barcode(doc.tracking_number, width, bar_height)
    y -= 6 + bar_height
    symbol.drawOn(pdf, left + (width - symbol.width) / 2, y)
    y -= 13
    size = _shrink(doc.tracking_number, f.bold, 11, width, 5)  # never cut: printed whole
    pdf.setFont(f.bold, size)
    pdf.drawCentredString(page_w / 2, y, doc.tracking_number)
    pdf.setFont(f.regular, 6.5)
    y -= 9
    pdf.drawCentredString(page_w / 2, y, "TRACKING NUMBER")
    y -= 5
    _rule(pdf, y, left, right, 1.5)

    # Package, orders, weight.
    pdf.setFont(f.regular, 7)
    y -= 9
    pdf.drawString(left, y, f"Package {doc.package_id}")
    if doc.weight_grams:
        pdf.drawRightString(right, y, f"{doc.weight_grams / 1000:.2f} kg")
    orders = "Order " if len(doc.order_ids) == 1 else "Orders "
    for line in _wrap(orders + _ids(doc.order_ids), f.regular, 7, width):
        y -= 8.5
        pdf.drawString(left, y, line)
    for note in doc.notes:
        y -= 8.5
        pdf.drawString(left, y, _fit(note, f.regular, 7, width))

    # Contents: as many lines as fit; the packing slip has them all.
    y -= 4
    _rule(pdf, y, left, right, 0.5)
    pdf.setFont(f.bold, 6.5)
    y -= 8
    pdf.drawString(left, y, f"CONTENTS ({doc.units} {'unit' if doc.units == 1 else 'units'})")
    leading = 8
    room = int((y - margin) // leading)
    shown = doc.items if len(doc.items) <= room else doc.items[: max(room - 1, 0)]
    pdf.setFont(f.regular, 7)
    for item in shown:
        y -= leading
        pdf.drawString(left, y, f"{item.quantity} x")
        text = f"{item.description} (SKU {item.seller_sku})"
        pdf.drawString(left + 18, y, _fit(text, f.regular, 7, width - 18))
    hidden = doc.items[len(shown) :]
    if hidden:
        y -= leading
        units = sum(i.quantity for i in hidden)
        pdf.drawString(left, y, f"+ {len(hidden)} more items ({units} units): see the packing slip")
    pdf.showPage()


def render_labels(documents: Sequence[PackageDocument]) -> bytes:
    """One 4x6 inch label page per package, in the order given."""
    title = "Shipping label" if len(documents) == 1 else "Shipping labels"
    return _render(title, documents, _draw_label)


# --- packing slips ---------------------------------------------------------------------------


def page_size_for(country: str) -> tuple[float, float]:
    """Letter where Letter paper is the norm, A4 elsewhere (the sender prints the slip)."""
    return LETTER if country.upper() in LETTER_COUNTRIES else A4


class _Slip:
    """A packing slip being drawn: pages follow when the items do not fit on one."""

    def __init__(self, pdf: Canvas, doc: PackageDocument) -> None:
        self.pdf, self.doc, self.f = pdf, doc, fonts()
        self.size = page_size_for(doc.sender.country or doc.recipient.country)
        self.margin = 0.6 * inch
        self.left = self.margin
        self.right = self.size[0] - self.margin
        self.y = 0.0

    def new_page(self, continued: bool) -> None:
        pdf, f = self.pdf, self.f
        pdf.setPageSize(self.size)
        self.y = self.size[1] - self.margin
        pdf.setFont(f.bold, 16)
        self.y -= 16
        pdf.drawString(self.left, self.y, "Packing slip" + (" (continued)" if continued else ""))
        pdf.setFont(f.regular, 9)
        pdf.drawRightString(self.right, self.y, f"Package {self.doc.package_id}")
        self.y -= 8
        _rule(pdf, self.y, self.left, self.right, 1)

    def header(self) -> None:
        pdf, f, doc = self.pdf, self.f, self.doc
        width = self.right - self.left
        column = width / 2 - 10
        top = self.y - 14
        for x, heading, address in (
            (self.left, "SHIP TO", doc.recipient),
            (self.left + width / 2 + 10, "FROM", doc.sender),
        ):
            pdf.setFont(f.bold, 8)
            pdf.drawString(x, top, heading)
            used = _address_block(pdf, address, x, top - 4, column, 130, 10)
            self.y = min(self.y, top - 4 - used)
        self.y -= 12
        facts = [
            ("Orders" if len(doc.order_ids) > 1 else "Order", _ids(doc.order_ids)),
            ("Carrier", f"{doc.carrier_name} ({doc.service})"),
            ("Tracking number", doc.tracking_number),
        ]
        if doc.created is not None:
            facts.append(("Date", doc.created.isoformat()))
        facts.extend(("Note", note) for note in doc.notes)
        for label, value in facts:
            pdf.setFont(f.bold, 9)
            pdf.drawString(self.left, self.y, label)
            pdf.setFont(f.regular, 9)
            for line in _wrap(value, f.regular, 9, width - 100):
                pdf.drawString(self.left + 100, self.y, line)
                self.y -= 12
        self.y -= 6

    def table_head(self) -> None:
        pdf, f = self.pdf, self.f
        pdf.setFont(f.bold, 9)
        self.y -= 12
        pdf.drawString(self.left, self.y, "Qty")
        pdf.drawString(self.left + 40, self.y, "Item")
        pdf.drawString(self.right - 150, self.y, "Seller SKU")
        self.y -= 5
        _rule(self.pdf, self.y, self.left, self.right, 0.5)

    def items(self) -> None:
        pdf, f = self.pdf, self.f
        item_width = self.right - 150 - (self.left + 40) - 10
        for item in self.doc.items:
            lines = _wrap(item.description, f.regular, 9, item_width)
            codes = _wrap(item.seller_sku, f.regular, 9, 150)
            height = max(len(lines), len(codes)) * 11 + 4
            if self.y - height < self.margin + 30:
                pdf.showPage()
                self.new_page(continued=True)
                self.table_head()
            self.y -= 12
            pdf.setFont(f.bold, 9)
            pdf.drawString(self.left, self.y, str(item.quantity))
            pdf.setFont(f.regular, 9)
            top = self.y
            for i, line in enumerate(lines):
                pdf.drawString(self.left + 40, top - 11 * i, line)
            for i, line in enumerate(codes):
                pdf.drawString(self.right - 150, top - 11 * i, line)
            self.y = top - 11 * (max(len(lines), len(codes)) - 1) - 4
            pdf.setLineWidth(0.25)
            pdf.line(self.left, self.y, self.right, self.y)
        self.y -= 14
        pdf.setFont(f.bold, 9)
        units = self.doc.units
        pdf.drawString(self.left, self.y, f"{units} {'unit' if units == 1 else 'units'} in total")


def _draw_slip(pdf: Canvas, doc: PackageDocument) -> None:
    slip = _Slip(pdf, doc)
    slip.new_page(continued=False)
    slip.header()
    slip.table_head()
    slip.items()
    pdf.showPage()


def render_packing_slips(documents: Sequence[PackageDocument]) -> bytes:
    """A packing slip per package (a page each; a long item list continues on more pages)."""
    title = "Packing slip" if len(documents) == 1 else "Packing slips"
    return _render(title, documents, _draw_slip)


def render_labels_and_slips(documents: Sequence[PackageDocument]) -> bytes:
    """Every package's label, then every package's packing slip, in one PDF (the seller
    center's bulk print: the labels first, so they print as one page range)."""
    return _render("Shipping labels and packing slips", documents, _draw_label, _draw_slip)
