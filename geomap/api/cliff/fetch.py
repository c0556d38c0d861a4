"""CLIFF's ``extract?url=``: fetch a page for a client and return its article text, refusing private addresses.

A server that fetches URLs for its clients can be made to reach what only it
can reach (loopback services, the private network, cloud metadata at
169.254.169.254): server-side request forgery. So the endpoint is off unless
``GEOMAP_CLIFF_EXTRACT`` is set, needs the API key, speaks only http(s), and
connects only to public addresses. The address is checked on the socket that
is actually opened (every address the name resolves to must be public, and the
connection goes to one of those, not to a second lookup), so a name that
resolves differently the second time (DNS rebinding) gains nothing; each
redirect is a new, checked connection.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..._version import __version__
from ...errors import GeomapError, InputError
from ...ingest.formats import detect_format, read_bytes

__all__ = ["FetchError", "RefusedAddress", "ExtractDisabled", "is_public_address", "extract_url", "page_text"]

MAX_PAGE_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
_SCHEMES = {"http": http.client.HTTPConnection, "https": http.client.HTTPSConnection}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PAGE_TYPES = ("html", "text")


class FetchError(GeomapError, OSError):
    """The page could not be fetched (unreachable, an HTTP error, too large, not a page)."""

    status = 502


class RefusedAddress(GeomapError, PermissionError):
    """The URL leads to an address the server must not reach for a client."""

    status = 403


class ExtractDisabled(GeomapError, PermissionError):
    """This server does not fetch URLs for clients (the default), or is not set up to do it safely."""

    status = 403


def is_public_address(address: str) -> bool:
    """Whether ``address`` is a globally routable unicast IP (not loopback, private, link-local, reserved...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _public_connection(address: tuple[str, int], timeout: float | None = None, *_: Any) -> socket.socket:
    """``socket.create_connection`` that connects only if every address the host resolves to is public."""
    host, port = address
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc}") from None
    ips = [str(info[4][0]) for info in infos]
    refused = [ip for ip in ips if not is_public_address(ip)]
    if refused or not ips:
        raise RefusedAddress(
            f"{host!r} resolves to {', '.join(refused) or 'nothing'}: extract refuses private, loopback "
            "and other non-public addresses"
        )
    return socket.create_connection((ips[0], port), timeout)


def _connection(url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES or not parts.hostname:
        raise InputError(f"url must be an http:// or https:// address, not {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"url has a bad port: {url!r}") from None
    conn = _SCHEMES[scheme](parts.hostname, port, timeout=TIMEOUT_SECONDS)
    conn._create_connection = _public_connection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return conn, path


def _get(url: str) -> tuple[bytes, str, str]:
    """(body, Content-Type, final URL), following at most ``MAX_REDIRECTS`` redirects, each checked again."""
    for _ in range(MAX_REDIRECTS + 1):
        conn, path = _connection(url)
        try:
            conn.request("GET", path, headers={"User-Agent": f"geomap/{__version__}", "Accept": "text/html"})
            resp = conn.getresponse()
            location = resp.getheader("Location")
            if resp.status in _REDIRECTS and location:
                url = urljoin(url, location)
                continue
            if resp.status != http.client.OK:
                raise FetchError(f"the page answered HTTP {resp.status} {resp.reason}")
            body = resp.read(MAX_PAGE_BYTES + 1)
            if len(body) > MAX_PAGE_BYTES:
                raise FetchError(f"the page is larger than {MAX_PAGE_BYTES // 2**20} MB")
            return body, resp.getheader("Content-Type") or "", url
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, GeomapError):
                raise
            raise FetchError(f"cannot fetch the page: {exc}") from None
        finally:
            conn.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def page_text(body: bytes, content_type: str, url: str) -> dict[str, str]:
    """CLIFF's extract ``results``: ``url``, ``title`` and the article ``text`` of a fetched page."""
    fmt = detect_format(body, name=urlsplit(url).path, content_type=content_type)
    if fmt not in _PAGE_TYPES:
        raise FetchError(f"the URL is not a web page (it looks like {fmt})")
    entry = next(read_bytes(body, url, fmt=fmt, url=url))
    if entry.article is None:
        raise FetchError(f"no article text: {entry.error}")
    return {"url": url, "title": entry.article.title, "text": entry.article.text}


def extract_url(url: str) -> dict[str, str]:
    """Fetch ``url`` (public addresses only) and return its article text in CLIFF's extract shape."""
    body, content_type, final = _get(url)
    return page_text(body, content_type, final)
