"""The pages' vendored assets are in the package, as VERSIONS records them, with licences."""

from __future__ import annotations

from pathlib import Path

from clipshop.api.web.render import STATIC_DIR

VENDOR = STATIC_DIR / "vendor"
SIGNS = {"htmx.org": 'version:"{v}"', "chart.js": "Chart.js v{v}"}


def _entries() -> list[list[str]]:
    lines = (VENDOR / "VERSIONS").read_text().splitlines()
    return [line.split() for line in lines if line.strip() and not line.startswith("#")]


def test_every_recorded_package_is_there_with_its_version_and_licence() -> None:
    entries = _entries()
    assert {e[0] for e in entries} == set(SIGNS)
    for package, version, _licence, file, licence_file in entries:
        text = (VENDOR / file).read_text()
        assert SIGNS[package].format(v=version) in text, (package, version)
        assert (VENDOR / licence_file).stat().st_size > 0


def test_every_vendored_file_is_recorded() -> None:
    recorded = {name for e in _entries() for name in (e[3], e[4])} | {"VERSIONS"}
    assert {p.name for p in Path(VENDOR).iterdir()} == recorded


def test_pages_load_no_asset_from_another_origin() -> None:
    templates = STATIC_DIR.parent / "templates"
    for page in templates.rglob("*.html"):
        text = page.read_text()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, page
