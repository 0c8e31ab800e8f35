"""Calls to an address a user typed (a venue's webhook) never reach a private network.

DESIGN.md rule 9. An address is checked when it is saved, and again just before every
connection: its host name is resolved, and it is refused if ANY address it resolves to
is loopback, private, link-local, multicast, reserved or otherwise not public (v4 or v6,
whatever the notation typed: `2130706433`, `0x7f.1` and `[::ffff:127.0.0.1]` all go
through the resolver and come out as the address they mean). The connection then goes
to the address that was checked (pinned) while TLS still verifies the certificate of
the host name, so a DNS answer that changes between check and connect (rebinding)
cannot steer it elsewhere. No redirect is followed, and only https is allowed unless
the deployment allows http.

Why these tools: the stdlib's `ipaddress` knows the IANA special-purpose registries
and is kept by CPython; urllib3 (already installed, under requests) takes the vetted
address as the host to connect to and the name as `server_hostname`/`assert_hostname`,
documented parameters made for exactly this. The libraries that wrap it (advocate,
unmaintained since 2020; requests-hardened, well kept but checking only the first
address with its own rules and allowing loopback at most) would leave the save-time
check and the connection-time check with two different ideas of "private".
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError

from marketplace.domain.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 5.0
# A name with several addresses: the next one is tried only if connecting failed.
MAX_ADDRESSES_TRIED = 3

# Not public, yet not flagged by every Python's `ipaddress`: shared address space
# (carrier-grade NAT), the 6to4 relay, NAT64 and 6to4 prefixes (they embed an IPv4
# address that could be private), and the IETF protocol assignments.
NOT_PUBLIC = tuple(ipaddress.ip_network(net) for net in (
    "100.64.0.0/10", "192.0.0.0/24", "192.88.99.0/24",
    "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/23",
))

# Outcomes of a call that got no HTTP answer (stored in the delivery log: our own words,
# never the receiver's body or the socket's error text, which would make a port scanner).
NOT_ALLOWED, NO_ANSWER = "address_not_allowed", "no_answer"

WEBHOOK_URL_NOT_ALLOWED = "webhook_url_not_allowed"
MSG_NOT_A_URL = "Give the full web address of your tool, starting with https://."
MSG_HTTPS_ONLY = "The webhook address must start with https:// (http:// is not allowed)."
MSG_CREDENTIALS = "Put no user name or password in the webhook address."
MSG_NOT_PUBLIC = ("Kiosque cannot send to this address: it must lead to a server on the "
                  "public Internet, not to a private or local network.")


class AddressNotAllowed(ValidationFailed):
    """A URL that rule 9 refuses (422 `webhook_url_not_allowed`)."""

    code = WEBHOOK_URL_NOT_ALLOWED


def system_resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to now (the system's resolver, as connecting would)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]


@dataclass(frozen=True)
class OutboundPolicy:
    """What a deployment allows; the default is the strict one rule 9 describes."""

    allow_private: bool = False  # development and tests: a receiver on this machine
    allow_http: bool = False
    resolve: Resolver = field(default=system_resolve, compare=False)

    @property
    def schemes(self) -> tuple[str, ...]:
        return ("https", "http") if self.allow_http or self.allow_private else ("https",)


def policy_from_config(config: Mapping) -> OutboundPolicy:
    """The policy of an app's config: WEBHOOK_ALLOW_PRIVATE, WEBHOOK_ALLOW_HTTP, and
    WEBHOOK_RESOLVER (tests inject a fake resolver there, as they do a geocoder)."""
    return OutboundPolicy(allow_private=bool(config.get("WEBHOOK_ALLOW_PRIVATE")),
                          allow_http=bool(config.get("WEBHOOK_ALLOW_HTTP")),
                          resolve=config.get("WEBHOOK_RESOLVER") or system_resolve)


def is_public_address(address: IPAddress) -> bool:
    """True only for an address on the public Internet (unicast, globally routed)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
            return is_public_address(address.ipv4_mapped)
        if address.is_site_local:
            return False
    if any(address.version == net.version and address in net for net in NOT_PUBLIC):
        return False
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified)


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the vetted addresses) and what to ask for."""

    scheme: str
    host: str  # as the certificate and the Host header name it (IDNA, lower case)
    port: int
    path: str  # path and query, as sent on the request line
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def check_url(url: str, policy: OutboundPolicy, *, field: str = "webhook_url") -> Target:
    """The URL's target if rule 9 allows it now, else AddressNotAllowed naming `field`."""
    scheme, host, port, path = _parse(url, policy, field)
    try:
        found = policy.resolve(host, port)
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
    except (OSError, UnicodeError, ValueError):
        addresses = []  # a name nobody can resolve leads nowhere: refused the same way
    if not addresses or not (policy.allow_private or all(map(is_public_address, addresses))):
        raise AddressNotAllowed(MSG_NOT_PUBLIC, field=field)
    return Target(scheme, host, port, path, tuple(dict.fromkeys(str(a) for a in addresses)))


def post(url: str, body: bytes, headers: Mapping[str, str], policy: OutboundPolicy, *,
         read_timeout: float = READ_TIMEOUT_SECONDS) -> tuple[int | None, str | None]:
    """POST `body` to `url` under rule 9: (HTTP status, None) or (None, NOT_ALLOWED |
    NO_ANSWER). A redirect is returned as its 3xx status, never followed; the answer's
    body is never read. `read_timeout`: how long to wait for the answer, in seconds."""
    try:
        target = check_url(url, policy)
    except AddressNotAllowed:
        return None, NOT_ALLOWED
    for address in target.addresses[:MAX_ADDRESSES_TRIED]:
        pool = _pool(target, address, read_timeout)
        try:
            response = pool.urlopen(
                "POST", target.path, body=body,
                headers={**headers, "Host": target.host_header},
                redirect=False, retries=False, preload_content=False,
                assert_same_host=False)
            status = response.status
            response.close()
            return status, None
        except ConnectTimeoutError:  # includes refused: this address only, try the next
            continue
        except (HTTPError, OSError, ValueError):
            return None, NO_ANSWER
        finally:
            pool.close()
    return None, NO_ANSWER


def _parse(url: str, policy: OutboundPolicy, field: str) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise AddressNotAllowed(MSG_NOT_A_URL, field=field)
    try:
        parts = urlsplit(url)
        port, hostname = parts.port, parts.hostname
    except ValueError:  # a port out of range, a broken [IPv6] literal
        raise AddressNotAllowed(MSG_NOT_A_URL, field=field) from None
    scheme = parts.scheme.lower()
    # Only the host may be international (IDNA); the path goes on the request line as is.
    if scheme not in ("https", "http") or not hostname or port == 0 \
            or not (parts.path + parts.query).isascii():
        raise AddressNotAllowed(MSG_NOT_A_URL, field=field)
    if scheme not in policy.schemes:
        raise AddressNotAllowed(MSG_HTTPS_ONLY, field=field)
    if parts.username is not None or parts.password is not None:
        raise AddressNotAllowed(MSG_CREDENTIALS, field=field)
    if _is_ip_literal(hostname):
        host = hostname
    else:
        try:
            host = hostname.rstrip(".").encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise AddressNotAllowed(MSG_NOT_A_URL, field=field) from None
        if not host:
            raise AddressNotAllowed(MSG_NOT_A_URL, field=field)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _pool(target: Target, address: str, read_timeout: float = READ_TIMEOUT_SECONDS
          ) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=read_timeout)
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)
    # Connect to the vetted address; verify the certificate (and send SNI) for the name.
    return urllib3.HTTPSConnectionPool(address, target.port, timeout=timeout, retries=False,
                                       cert_reqs="CERT_REQUIRED", assert_hostname=target.host,
                                       server_hostname=target.host)
