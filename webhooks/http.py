"""Posting a webhook without letting a course's URL reach into our own network.

Only ``http``/``https``; no credentials in the URL; no redirects followed. The host
is resolved once and the connection goes to the checked address (TLS still verifies
the certificate for the host name), so DNS cannot answer "public" to the check and
"127.0.0.1" to the connection. Unless private addresses are allowed (a setting),
loopback, private, link-local and other non-global addresses are refused.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3

MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARACTERS = 1000


class UnsafeUrl(Exception):
    """The URL may never be delivered to (scheme, credentials, a refused address)."""


class DeliveryFailed(Exception):
    """No HTTP answer this time (refused, timed out, TLS error); worth retrying."""


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str
    duration_ms: int


def check_url_shape(url: str, *, allow_private: bool) -> None:
    """Raise ``UnsafeUrl`` unless ``url`` is an http(s) URL with a host and no credentials.

    A host given as an IP address literal (or ``localhost``) is checked right away;
    names are checked when they are resolved, at each delivery.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("Only http:// and https:// URLs receive webhooks.")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Credentials in the URL are not accepted; check the signature instead.")
    try:
        _ = parts.port
    except ValueError as exc:
        raise UnsafeUrl("The URL's port is invalid.") from exc
    if allow_private:
        return
    if parts.hostname.lower() in ("localhost", "localhost.localdomain"):
        raise UnsafeUrl("Webhooks to this server's own network are not allowed.")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    _check_address(address)


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        raise UnsafeUrl(f"Webhooks to non-public addresses ({address}) are not allowed.")


def _resolve(host: str, port: int, *, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DeliveryFailed(f"cannot resolve {host}: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private:
        # Every address the name has, not only the first: a connection may use any.
        for address in addresses:
            _check_address(ipaddress.ip_address(address))
    return addresses[0]


def post(
    url: str, body: bytes, headers: dict[str, str], *, allow_private: bool, timeout: float
) -> Answer:
    """POST ``body`` to ``url`` with ``headers``; returns the status and a body excerpt.

    Raises ``UnsafeUrl`` for a URL that is never delivered to, ``DeliveryFailed`` when
    no HTTP answer came back.
    """
    check_url_shape(url, allow_private=allow_private)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _resolve(host, port, allow_private=allow_private)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_timeout = urllib3.Timeout(connect=min(timeout, 5.0), read=timeout)
    if parts.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            timeout=request_timeout,
            retries=False,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=request_timeout, retries=False)
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            target,
            body=body,
            headers={**headers, "Host": parts.netloc},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        data = response.read(MAX_RESPONSE_BYTES)
        response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc
    finally:
        pool.close()
    return Answer(
        status=response.status,
        excerpt=data.decode("utf-8", "replace")[:EXCERPT_CHARACTERS],
        duration_ms=int((time.monotonic() - started) * 1000),
    )
