"""Labels and packing slips rendered from plain data (no database, no HTTP), read back with
pypdf: page sizes, the text, and the Code 128 barcode decoded from the drawing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from clipshop.fulfillment.documents import (
    LABEL_SIZE,
    Address,
    Item,
    PackageDocument,
    group_items,
    render_labels,
    render_packing_slips,
)
from tests.pdf_reading import _bars, barcodes, page_size, page_texts, reader

LETTER = (612.0, 792.0)
A4 = (595.2756, 841.8898)

RECIPIENT = Address.from_fields(
    "Ada Buyer",
    {
        "address_line1": "2 Elm St",
        "address_line2": "Apt 4",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62702",
        "country": "US",
    },
)
SENDER = Address.from_fields(
    "ShopA",
    {
        "address_line1": "1 Main St",
        "address_line2": None,
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
    },
)
DOC = PackageDocument(
    package_id=7301234567890123,
    order_ids=(7301234567890001, 7301234567890002),
    carrier_name="Simulated Express",
    service="EXPRESS",
    tracking_number="SX12345678903",
    recipient=RECIPIENT,
    sender=SENDER,
    items=group_items(
        [("ShopA tee", "Red", "TEE-RED"), ("Mug", "Mug", "MUG-1"), ("ShopA tee", "Red", "TEE-RED")]
    ),
    weight_grams=750,
    created=date(2025, 3, 4),
)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_address_lines_follow_the_checkout_address_shape() -> None:
    assert (RECIPIENT.name, RECIPIENT.country) == ("Ada Buyer", "US")
    assert RECIPIENT.lines == ("2 Elm St", "Apt 4", "Springfield, IL 62702", "US")
    no_state = Address.from_fields(
        " Jo ", {"address_line1": "Hauptstr. 5", "city": "Berlin", "postal_code": "10115"}
    )
    assert no_state == Address("Jo", ("Hauptstr. 5", "Berlin 10115"), "")


def test_items_are_grouped_with_quantities_in_first_seen_order() -> None:
    assert DOC.items == (Item("ShopA tee", "Red", "TEE-RED", 2), Item("Mug", "Mug", "MUG-1", 1))
    assert [i.description for i in DOC.items] == ["ShopA tee - Red", "Mug"]
    assert DOC.units == 3


def test_label_is_one_4x6_page_with_everything_a_carrier_needs() -> None:
    pdf = render_labels([DOC])
    (page,) = reader(pdf).pages
    assert page_size(page) == LABEL_SIZE == (288.0, 432.0)
    text = lines(page.extract_text())
    for expected in [
        "Simulated Express",
        "EXPRESS",
        "ShopA",
        "1 Main St",
        "Springfield, IL 62701",
        "Ada Buyer",
        "2 Elm St",
        "Apt 4",
        "Springfield, IL 62702",
        "US",
        "SX12345678903",
        "Package 7301234567890123",
        "Orders 7301234567890001, 7301234567890002",
        "CONTENTS (3 units)",
        "ShopA tee - Red (SKU TEE-RED)",
        "Mug (SKU MUG-1)",
    ]:
        assert expected in text, (expected, text)
    assert text.index("2 x") == text.index("ShopA tee - Red (SKU TEE-RED)") - 1
    assert text.index("1 x") == text.index("Mug (SKU MUG-1)") - 1
    # The barcode, decoded from the bars as drawn, is the tracking number.
    assert barcodes(page) == ["SX12345678903"]
    assert reader(pdf).metadata is not None
    assert reader(pdf).metadata.title == "Shipping label"


def test_barcode_keeps_its_quiet_zones_inside_the_label() -> None:
    for number in ("SX12345678903", "ABCDEFGHIJ-1234567890-KLMNOPQRSTU-9876543"):
        (page,) = reader(render_labels([replace(DOC, tracking_number=number)])).pages
        assert barcodes(page) == [number]
        (bars,) = _bars(page)
        module = min(w for _, w in bars)
        left, right = bars[0][0], bars[-1][0] + bars[-1][1]
        assert left >= 10 * module and LABEL_SIZE[0] - right >= 10 * module
        assert number in lines(page.extract_text())  # printed whole, never cut


def test_bulk_labels_are_a_page_per_package_in_the_order_given() -> None:
    docs = [
        replace(DOC, package_id=1, tracking_number="SX11111111116"),
        replace(DOC, package_id=2, tracking_number="SP22222222224"),
        replace(DOC, package_id=3, tracking_number="OTHER-3"),
    ]
    pages = reader(render_labels(docs)).pages
    assert len(pages) == 3
    assert [barcodes(p) for p in pages] == [["SX11111111116"], ["SP22222222224"], ["OTHER-3"]]
    assert [f"Package {i}" in lines(p.extract_text()) for i, p in enumerate(pages, 1)] == [True] * 3


def test_a_label_with_many_items_stays_one_page_and_points_to_the_packing_slip() -> None:
    items = tuple(Item(f"Product {i}", "", f"SKU-{i}", 1) for i in range(40))
    doc = replace(DOC, items=items)
    (page,) = reader(render_labels([doc])).pages
    text = lines(page.extract_text())
    shown = [i for i in range(40) if f"Product {i} (SKU SKU-{i})" in text]
    assert shown == list(range(len(shown))) and 5 < len(shown) < 40
    hidden = 40 - len(shown)
    assert f"+ {hidden} more items ({hidden} units): see the packing slip" in text
    assert barcodes(page) == ["SX12345678903"]


def test_packing_slip_lists_items_orders_and_ship_to() -> None:
    (page,) = reader(render_packing_slips([DOC])).pages
    assert page_size(page) == LETTER  # the sender is in the US
    text = lines(page.extract_text())
    for expected in [
        "Packing slip",
        "Package 7301234567890123",
        "SHIP TO",
        "Ada Buyer",
        "2 Elm St",
        "Apt 4",
        "Springfield, IL 62702",
        "FROM",
        "ShopA",
        "7301234567890001, 7301234567890002",
        "Simulated Express (EXPRESS)",
        "SX12345678903",
        "2025-03-04",
        "3 units in total",
    ]:
        assert expected in text, (expected, text)
    rows = text[text.index("Seller SKU") + 1 : text.index("3 units in total")]
    assert rows == ["2", "ShopA tee - Red", "TEE-RED", "1", "Mug", "MUG-1"]


def test_packing_slip_paper_follows_the_sender_country() -> None:
    german = Address("Lager", ("Hauptstr. 5", "Berlin 10115", "DE"), "DE")
    (page,) = reader(render_packing_slips([replace(DOC, sender=german)])).pages
    width, height = page_size(page)
    assert (round(width, 2), round(height, 2)) == (round(A4[0], 2), round(A4[1], 2))


def test_a_long_packing_slip_continues_on_more_pages_with_every_item() -> None:
    items = tuple(Item(f"Product {i}", "Size L", f"SKU-{i}", i % 3 + 1) for i in range(70))
    docs = [replace(DOC, items=items), replace(DOC, package_id=9)]
    texts = [lines(t) for t in page_texts(render_packing_slips(docs))]
    assert len(texts) >= 3
    first = [t for t in texts if "Package 7301234567890123" in t]
    assert len(first) >= 2
    assert [t[0] for t in first] == ["Packing slip"] + ["Packing slip (continued)"] * (
        len(first) - 1
    )
    found = [line for t in first for line in t if line.startswith("Product ")]
    assert found == [f"Product {i} - Size L" for i in range(70)]
    assert f"{sum(i % 3 + 1 for i in range(70))} units in total" in first[-1]
    assert "Package 9" in texts[-1]


def test_nothing_promotional_and_no_prices() -> None:
    for pdf in (render_labels([DOC]), render_packing_slips([DOC])):
        text = "\n".join(page_texts(pdf)).lower()
        for word in ("$", "price", "total amount", "discount", "sale", "shop now", "http"):
            assert word not in text, word


def test_same_input_gives_the_same_bytes() -> None:
    assert render_labels([DOC]) == render_labels([DOC])
    assert render_packing_slips([DOC]) == render_packing_slips([DOC])


def test_non_latin_text_never_fails() -> None:
    doc = replace(
        DOC,
        recipient=Address("Zoë Ünal 東京", ("Straße 1", "Ελλάδα", "Москва 101000"), "RU"),
        items=(Item("Чашка ☕", "", "CUP", 1),),
    )
    text = "\n".join(page_texts(render_labels([doc])) + page_texts(render_packing_slips([doc])))
    assert "Zoë Ünal" in text and "Straße 1" in text


def test_nothing_to_render_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no packages"):
        render_labels([])
    with pytest.raises(ValueError, match="no packages"):
        render_packing_slips([])
