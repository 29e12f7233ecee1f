"""Where webhooks may be sent: http(s) only, and never to this machine or the private network
(loopback, private, link-local, reserved addresses) unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on
(tests and the demo). Checked when a URL is saved and again, with a fresh DNS answer, right
before each delivery."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_SCHEMES = ("http", "https")


class RefusedAddress(Exception):
    """The URL may not be called (scheme, or an address inside the private network)."""


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_webhook_url(url: str, *, resolve: bool = True) -> None:
    """Raise :class:`RefusedAddress` when ``url`` may not receive webhooks. A host name that
    does not resolve passes when ``resolve`` is off or DNS has no answer (delivery will fail
    and retry); one that resolves to an internal address is refused."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        raise RefusedAddress(_("Only http:// and https:// URLs can receive webhooks."))
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    host = parts.hostname
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        if host.lower() == "localhost" or host.lower().endswith(".localhost"):
            addresses = ["127.0.0.1"]
        elif not resolve:
            return
        else:
            try:
                found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
            except (OSError, UnicodeError):
                return
            addresses = [info[4][0] for info in found]
    if any(_is_internal(address) for address in addresses):
        raise RefusedAddress(
            _("Webhooks cannot be sent to this machine or to addresses of the private network.")
        )


def validate_webhook_url(url: str) -> None:
    """Form validator: the same rule as a ``ValidationError``."""
    if not url:
        return
    try:
        check_webhook_url(url)
    except RefusedAddress as exc:
        raise ValidationError(str(exc), code="refused_address") from exc
