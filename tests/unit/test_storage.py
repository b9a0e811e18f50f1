"""LocalFileStorage: safe keys, lazy creation, atomic replace, missing files; image sniffing."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipshop.core.settings import Settings
from clipshop.core.storage import (
    FileMissing,
    InvalidStorageKey,
    LocalFileStorage,
    Storage,
    check_key,
    sniff_image,
)


def test_put_get_delete_round_trip_and_lazy_root(tmp_path: Path) -> None:
    root = tmp_path / "deep" / "files"
    storage: Storage = LocalFileStorage(root)
    assert not root.exists()  # nothing is created until the first write
    storage.put("packages/1/2.jpg", b"one", "image/jpeg")
    assert (root / "packages" / "1" / "2.jpg").read_bytes() == b"one"
    storage.put("packages/1/2.jpg", b"two", "image/jpeg")
    assert storage.get("packages/1/2.jpg") == b"two"
    assert sorted(p.name for p in (root / "packages" / "1").iterdir()) == ["2.jpg"]
    storage.delete("packages/1/2.jpg")
    storage.delete("packages/1/2.jpg")  # deleting twice is fine
    with pytest.raises(FileMissing):
        storage.get("packages/1/2.jpg")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../etc/passwd",
        "packages/../../x",
        "/etc/passwd",
        "packages//x",
        "packages/.hidden",
        "packages/./x",
        "a\\b",
        "a/b/",
        "naïve.jpg",
        "x" * 201,
        "a b",
        "a\x00b",
        "a\n",
        "a" * 101,
    ],
)
def test_unsafe_keys_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalFileStorage(tmp_path / "files")
    with pytest.raises(InvalidStorageKey):
        storage.put(key, b"x", "image/jpeg")
    with pytest.raises(InvalidStorageKey):
        storage.get(key)
    assert not (tmp_path / "files").exists()
    assert sorted(tmp_path.iterdir()) == []


def test_good_keys() -> None:
    for key in (
        "a",
        "packages/123/456.jpg",
        "evidence/2026-01/x_y-z.webp",
        "a" * 100,
        "/".join(["b" * 99] * 2),
    ):
        assert check_key(key) == key


def test_sniffing_by_magic_bytes() -> None:
    assert sniff_image(b"\xff\xd8\xff\xdb rest") == "image/jpeg"
    assert sniff_image(b"\x89PNG\r\n\x1a\n rest") == "image/png"
    assert sniff_image(b"RIFF\x00\x00\x00\x00WEBPVP8L") == "image/webp"
    for other in (b"", b"GIF89a", b"RIFF\x00\x00\x00\x00WAVE", b"<svg/>", b"\xff\xd8", b"%PDF"):
        assert sniff_image(other) is None


def test_storage_dir_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Settings().storage_dir == Path("./clipshop-files")
    monkeypatch.setenv("CLIPSHOP_STORAGE_DIR", str(tmp_path / "x"))
    assert Settings().storage_dir == tmp_path / "x"
