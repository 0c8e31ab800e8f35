"""Rule 9: a URL a user sets never makes Kiosque call into a private network.

The checks are pure functions of (URL, policy); the calls go to receivers on this machine
(allowed only where a test says so) and never to the public address fake DNS answers.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess

import pytest

from marketplace.outbound import (
    MSG_CREDENTIALS,
    MSG_HTTPS_ONLY,
    MSG_NOT_A_URL,
    MSG_NOT_PUBLIC,
    NO_ANSWER,
    NOT_ALLOWED,
    AddressNotAllowed,
    OutboundPolicy,
    check_url,
    is_public_address,
    policy_from_config,
    post,
    system_resolve,
)
from tests.webhook_receiver import PUBLIC_IP, FakeDNS, offline_resolve, webhook_receiver

STRICT = OutboundPolicy(resolve=offline_resolve)
BODY = b'{"event":"test"}'


@pytest.mark.parametrize("address", [PUBLIC_IP, "8.8.8.8", "2606:4700::1111",
                                     "2a00:1450:4007:80f::200e"])
def test_a_public_address_passes(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "192.0.0.1", "192.0.2.1", "198.18.0.1", "192.88.99.1",
    "::1", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "::7f00:1",  # IPv4-compatible ::127.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "fe80::1", "fec0::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1",
])
def test_every_other_kind_of_address_is_refused(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://LOCALHOST./hook",
    "https://2130706433:8443/", "https://0x7f.1/", "https://0177.0.0.1/", "https://127.1/",
    "https://0x7f000001/", "https://[::1]/", "https://[::ffff:127.0.0.1]:8443/",
    "https://[0:0:0:0:0:ffff:7f00:1]/", "https://10.1.2.3/", "https://192.168.1.20/hook",
    "https://169.254.169.254/latest/meta-data/", "https://[fe80::1%25eth0]/",
    "https://0.0.0.0/", "https://0/",
])
def test_a_private_host_is_refused_in_any_notation(url):
    with pytest.raises(AddressNotAllowed) as refused:
        check_url(url, STRICT)
    assert refused.value.code == "webhook_url_not_allowed"
    assert refused.value.field == "webhook_url"
    assert refused.value.message == MSG_NOT_PUBLIC


@pytest.mark.parametrize("answers", [["10.0.0.5"], ["192.168.0.10"], ["127.0.0.1"],
                                     ["169.254.169.254"], ["::1"], ["fd00::5"],
                                     [PUBLIC_IP, "10.0.0.5"], ["2606:4700::1111", "::1"]])
def test_a_name_is_refused_when_any_of_its_addresses_is_private(answers):
    dns = FakeDNS({"crm.example.org": answers})
    with pytest.raises(AddressNotAllowed, match="public Internet"):
        check_url("https://crm.example.org/kiosque", OutboundPolicy(resolve=dns))


def test_a_name_nobody_can_resolve_is_refused_like_a_private_one():
    # The same answer either way: the form is no oracle on which internal names exist.
    with pytest.raises(AddressNotAllowed) as refused:
        check_url("https://intranet.corp/kiosque", STRICT)
    assert refused.value.message == MSG_NOT_PUBLIC


def test_a_public_name_is_accepted_with_the_addresses_to_connect_to():
    dns = FakeDNS({"crm.example.org": [PUBLIC_IP, PUBLIC_IP, "2606:4700::1111"]})
    target = check_url("https://CRM.example.org:8443/hooks/kiosque?venue=criee#top",
                       OutboundPolicy(resolve=dns))
    assert (target.scheme, target.host, target.port) == ("https", "crm.example.org", 8443)
    assert target.path == "/hooks/kiosque?venue=criee"
    assert target.addresses == (PUBLIC_IP, "2606:4700::1111")
    assert target.host_header == "crm.example.org:8443"
    assert check_url("https://crm.example.org", OutboundPolicy(resolve=dns)).path == "/"


def test_an_international_name_is_sent_as_idna():
    dns = FakeDNS({"xn--thtre-4qa2c.example": [PUBLIC_IP]})
    target = check_url("https://théâtre.example/hook", OutboundPolicy(resolve=dns))
    assert target.host == "xn--thtre-4qa2c.example" and dns.asked == ["xn--thtre-4qa2c.example"]


def test_http_is_refused_unless_the_deployment_allows_it():
    dns = FakeDNS({"crm.example.org": [PUBLIC_IP]})
    with pytest.raises(AddressNotAllowed) as refused:
        check_url("http://crm.example.org/", OutboundPolicy(resolve=dns))
    assert refused.value.message == MSG_HTTPS_ONLY
    assert check_url("http://crm.example.org/", OutboundPolicy(allow_http=True, resolve=dns))
    with pytest.raises(AddressNotAllowed, match="public Internet"):  # http, still public only
        check_url("http://127.0.0.1/", OutboundPolicy(allow_http=True, resolve=dns))
    assert check_url("http://127.0.0.1:8080/", OutboundPolicy(allow_private=True,
                                                              resolve=dns)).port == 8080


@pytest.mark.parametrize(("url", "message"), [
    ("https://user:secret@crm.example.org/", MSG_CREDENTIALS),
    ("https://crm.example.org@127.0.0.1/", MSG_CREDENTIALS),
    ("ftp://crm.example.org/", MSG_NOT_A_URL),
    ("file:///etc/passwd", MSG_NOT_A_URL),
    ("gopher://127.0.0.1:6379/_FLUSHALL", MSG_NOT_A_URL),
    ("crm.example.org/hook", MSG_NOT_A_URL),
    ("https://", MSG_NOT_A_URL),
    ("https:///hook", MSG_NOT_A_URL),
    ("https://crm.example.org:0/", MSG_NOT_A_URL),
    ("https://crm.example.org:70000/", MSG_NOT_A_URL),
    ("https://crm.example.org/a b", MSG_NOT_A_URL),
    ("https://crm.example.org/\r\nX-Injected: 1", MSG_NOT_A_URL),
    ("https://crm.example.org/é", MSG_NOT_A_URL),
    ("https://[::1/", MSG_NOT_A_URL),
    ("https://" + "a" * 64 + ".example.org/", MSG_NOT_A_URL),
])
def test_what_is_not_a_plain_web_address_is_refused(url, message):
    dns = FakeDNS({"crm.example.org": [PUBLIC_IP]})
    with pytest.raises(AddressNotAllowed) as refused:
        check_url(url, OutboundPolicy(resolve=dns))
    assert refused.value.message == message


def test_the_system_resolver_reads_numeric_hosts_as_connecting_would():
    # No network: numeric forms are read by the C library itself (inet_aton, inet_pton).
    assert system_resolve("2130706433", 443) == ["127.0.0.1"]
    assert system_resolve("0x7f.1", 443) == ["127.0.0.1"]
    assert system_resolve("::ffff:127.0.0.1", 443) == ["::ffff:127.0.0.1"]


def test_the_policy_comes_from_the_configuration():
    assert policy_from_config({}) == OutboundPolicy()
    assert policy_from_config({}).resolve is system_resolve
    loose = policy_from_config({"WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_RESOLVER": len})
    assert loose.allow_private and loose.schemes == ("https", "http") and loose.resolve is len
    assert policy_from_config({"WEBHOOK_ALLOW_HTTP": True}).schemes == ("https", "http")
    assert policy_from_config({"WEBHOOK_ALLOW_PRIVATE": False}).schemes == ("https",)


# Calls ------------------------------------------------------------------------------------


def test_dns_rebinding_public_when_checked_private_when_sent_reaches_nothing():
    dns = FakeDNS({"hooks.example.org": [PUBLIC_IP]})
    policy = OutboundPolicy(allow_http=True, resolve=dns)  # http, to see any stray request
    with webhook_receiver() as receiver:
        url = f"http://hooks.example.org:{receiver.port}/kiosque"
        assert check_url(url, policy)  # saved: the name was public then
        dns.answers["hooks.example.org"] = ["127.0.0.1"]  # ... and points inside now
        assert post(url, BODY, {}, policy) == (None, NOT_ALLOWED)
        assert receiver.connections == 0 and receiver.received == []
        # The control: were private addresses allowed, this very receiver would get it.
        allowed = OutboundPolicy(allow_private=True, resolve=dns)
        assert post(url, BODY, {}, allowed) == (200, None)
        assert receiver.connections == 1 and len(receiver.received) == 1


def test_the_call_goes_to_the_address_that_was_checked_with_the_name_as_host():
    dns = FakeDNS({"hooks.example.org": ["127.0.0.1"]})
    with webhook_receiver() as receiver:
        url = f"http://hooks.example.org:{receiver.port}/kiosque?v=1"
        status = post(url, BODY, {"Content-Type": "application/json"},
                      OutboundPolicy(allow_private=True, resolve=dns))
    assert status == (200, None)
    assert dns.asked == ["hooks.example.org"]  # resolved once: no second look to rebind
    [call] = receiver.received
    assert call["headers"]["Host"] == f"hooks.example.org:{receiver.port}"
    assert call["body"] == BODY


def test_a_redirection_is_answered_as_its_status_and_never_followed():
    with webhook_receiver() as inside, \
            webhook_receiver(status=307, headers={"Location": inside.url}) as outside:
        answer = post(outside.url, BODY, {}, OutboundPolicy(allow_private=True,
                                                            resolve=offline_resolve))
        assert answer == (307, None)
        assert len(outside.received) == 1 and inside.connections == 0


def test_no_answer_is_one_word_whatever_the_socket_said():
    with socket.socket() as closed:  # a port nobody listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    answer = post(f"http://127.0.0.1:{port}/", BODY, {},
                  OutboundPolicy(allow_private=True, resolve=offline_resolve))
    assert answer == (None, NO_ANSWER)


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for hooks.example.org (trusted by the test that says so)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=hooks.example.org", "-addext",
                    "subjectAltName=DNS:hooks.example.org"], check=True, capture_output=True,
                   timeout=30)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return cert, context


def test_tls_checks_the_name_while_connecting_to_the_pinned_address(certificate,
                                                                    monkeypatch):
    cert, context = certificate
    dns = FakeDNS({"hooks.example.org": ["127.0.0.1"], "other.example.org": ["127.0.0.1"]})
    policy = OutboundPolicy(allow_private=True, resolve=dns)
    with webhook_receiver(tls=context) as receiver:
        url = f"https://hooks.example.org:{receiver.port}/kiosque"
        assert post(url, BODY, {}, policy) == (None, NO_ANSWER)  # not trusted yet
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL's default trust store
        assert post(url, BODY, {}, policy) == (200, None)
        assert receiver.received[0]["headers"]["Host"] == f"hooks.example.org:{receiver.port}"
        # The same server under a name its certificate does not carry: refused by TLS.
        other = f"https://other.example.org:{receiver.port}/kiosque"
        assert post(other, BODY, {}, policy) == (None, NO_ANSWER)
    assert len(receiver.received) == 1
