"""Who the visitor is when the portal sits behind a reverse proxy, and who may say so.

``X-Forwarded-For`` and friends are request headers: anybody can send them. They are believed
only when the connection comes from a trusted proxy (by default the loopback addresses, where
nginx runs in the documented set-up, or a unix socket); a client that reaches gunicorn directly
cannot pick its own address, and so cannot dodge the rate limits with a new one per request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from werkzeug.middleware.proxy_fix import ProxyFix

_FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)
# Anything else (javascript, data...) would end up in absolute links and redirects.
_SCHEMES = {"http", "https"}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Iterable[str]) -> list[Network]:
    """Networks from a comma-separated list of addresses or CIDR blocks."""
    items = value.split(",") if isinstance(value, str) else value
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class TrustedProxyFix:
    """Werkzeug's ProxyFix, applied only to requests that come from a trusted proxy."""

    def __init__(self, app, proxy_count: int, trusted: list[Network]) -> None:
        self.app = app
        self.proxy_count = proxy_count
        self.trusted = trusted
        self.proxied = ProxyFix(app, x_for=proxy_count, x_proto=proxy_count, x_host=proxy_count)

    def _from_trusted_proxy(self, environ: dict) -> bool:
        address = _address(environ.get("REMOTE_ADDR"))
        if address is None:
            # Not an IP address: gunicorn on a unix socket gives the socket's peer name (often
            # empty). Only local processes allowed to open the socket file can connect.
            return True
        return any(address in network for network in self.trusted)

    def _drop_bad_scheme(self, environ: dict) -> None:
        values = [v.strip().lower() for v in environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")]
        if len(values) >= self.proxy_count and values[-self.proxy_count] not in _SCHEMES:
            environ.pop("HTTP_X_FORWARDED_PROTO", None)

    def __call__(self, environ: dict, start_response):
        """Believe forwarded headers from a trusted proxy; drop them from anyone else."""
        if self._from_trusted_proxy(environ):
            self._drop_bad_scheme(environ)
            return self.proxied(environ, start_response)
        for key in _FORWARDED_HEADERS:
            environ.pop(key, None)
        return self.app(environ, start_response)


def visitor_key(remote_addr: str | None) -> str:
    """The rate-limit key of a visitor address: IPv4 per address, IPv6 per /64 network.

    An IPv6 home connection or phone gets a whole /64 (2^64 addresses), so counting per address
    would let one visitor use a fresh address for every request.
    """
    address = _address(remote_addr)
    if address is None:
        return remote_addr or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
