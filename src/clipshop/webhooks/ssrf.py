"""The SSRF guard: a webhook URL may only point at public addresses (docs/webhooks.md#ssrf).

Checked when a subscription is saved and again before each delivery (a name may resolve
elsewhere later)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from clipshop.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookUrlRefused(InvalidInput):
    code = "webhook_url_refused"
    title = "Webhook URL refused"


def refusal(address: IPAddress) -> str | None:
    """Why a delivery may not go to ``address`` (None: it is public)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        reason = refusal(address.ipv4_mapped)
        return f"IPv4-mapped {reason}" if reason else None
    for kind, networks in _REFUSED:
        if any(address in network for network in networks):
            return kind
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None


_REFUSED: list[tuple[str, list[ipaddress.IPv4Network | ipaddress.IPv6Network]]] = [
    ("unspecified", [ipaddress.ip_network("0.0.0.0/8")]),
    (
        "private",
        [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")],
    ),
    ("shared (CGNAT)", [ipaddress.ip_network("100.64.0.0/10")]),
    ("unique-local", [ipaddress.ip_network("fc00::/7")]),
]


def check_target(url: str, allow_loopback: bool = False) -> list[IPAddress]:
    """The addresses ``url``'s host resolves to, each of them public; raises
    ``WebhookUrlRefused`` otherwise. ``allow_loopback`` (CLIPSHOP_WEBHOOKS_ALLOW_LOOPBACK)
    lets any address through, for development and tests; the URL's form is still checked."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise WebhookUrlRefused(f"not a URL: {exc}", reason="host") from exc
    if parts.scheme not in ("http", "https"):
        raise WebhookUrlRefused("the URL must start with http:// or https://", reason="scheme")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("the URL may not carry a user name or password", reason="userinfo")
    host = parts.hostname
    if not host:
        raise WebhookUrlRefused("the URL has no host", reason="host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookUrlRefused("the URL's port is not a number 0..65535", reason="port") from exc
    addresses = _resolve(host, port)
    if allow_loopback:
        return addresses
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise WebhookUrlRefused(
                f"{host} resolves to {address} ({reason} address); webhooks go only to "
                "public addresses",
                reason=reason,
            )
    return addresses


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookUrlRefused(f"{host} does not resolve", reason="unresolvable") from exc
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise WebhookUrlRefused(f"{host} does not resolve", reason="unresolvable")
    return found
