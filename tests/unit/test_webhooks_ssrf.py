"""The SSRF guard refuses every non-public target, for literal addresses and for names."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from clipshop.webhooks.ssrf import WebhookUrlRefused, check_target

REFUSED = [
    ("http://127.0.0.1/hook", "loopback"),
    ("http://127.255.0.9/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://10.1.2.3/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://172.31.255.254/", "private"),
    ("http://192.168.1.1:8080/", "private"),
    ("http://100.64.0.1/", "shared (CGNAT)"),
    ("http://100.127.255.254/", "shared (CGNAT)"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "unique-local"),
    ("http://[fd12:3456::1]/", "unique-local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://192.0.2.10/", "reserved"),  # documentation range: not globally routed
    ("http://[2001:db8::1]/", "reserved"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped loopback"),
    ("http://[::ffff:10.0.0.1]/", "IPv4-mapped private"),
    ("http://[::ffff:169.254.169.254]/", "IPv4-mapped link-local"),
    ("http://localhost:9000/", "loopback"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refuses_non_public_targets(url: str, reason: str) -> None:
    with pytest.raises(WebhookUrlRefused) as caught:
        check_target(url)
    assert caught.value.code == "webhook_url_refused"
    assert caught.value.status == 422
    assert caught.value.extra["reason"] == reason


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://8.8.8.8/", "scheme"),
        ("http://user:pw@8.8.8.8/", "userinfo"),
        ("https://user@8.8.8.8/", "userinfo"),
        ("http:///path-only", "host"),
        ("http://[::1/", "host"),
        ("http://8.8.8.8:99999/", "port"),
        ("http://no-such-host.invalid/", "unresolvable"),
    ],
)
def test_refuses_malformed_urls(url: str, reason: str) -> None:
    with pytest.raises(WebhookUrlRefused) as caught:
        check_target(url)
    assert caught.value.extra["reason"] == reason


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://8.8.8.8/hooks", "8.8.8.8"),
        ("http://1.1.1.1:8443/x?y=1", "1.1.1.1"),
        ("https://[2606:4700:4700::1111]/", "2606:4700:4700::1111"),
        ("http://[::ffff:8.8.4.4]/", "::ffff:8.8.4.4"),
    ],
)
def test_accepts_public_addresses(url: str, address: str) -> None:
    assert check_target(url) == [ipaddress.ip_address(address)]


def _resolving_to(*addresses: str) -> Any:
    def fake(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in addresses
        ]

    return fake


def test_a_name_is_refused_when_any_of_its_addresses_is_not_public(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("93.184.216.34", "10.0.0.7"))
    with pytest.raises(WebhookUrlRefused) as caught:
        check_target("https://hooks.example.com/in")
    assert caught.value.extra["reason"] == "private"
    assert "10.0.0.7" in caught.value.detail


def test_a_name_resolving_only_to_public_addresses_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("93.184.216.34", "2606:2800::1"))
    assert check_target("https://hooks.example.com/in") == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:2800::1"),
    ]


def test_allow_loopback_lets_local_targets_through_but_still_checks_the_form() -> None:
    assert check_target("http://127.0.0.1:8000/", allow_loopback=True) == [
        ipaddress.ip_address("127.0.0.1")
    ]
    assert ipaddress.ip_address("127.0.0.1") in check_target(
        "http://localhost:8000/", allow_loopback=True
    )
    with pytest.raises(WebhookUrlRefused):
        check_target("ftp://127.0.0.1/", allow_loopback=True)
    with pytest.raises(WebhookUrlRefused):
        check_target("http://u:p@127.0.0.1/", allow_loopback=True)
