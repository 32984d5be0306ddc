"""The health TLS profile: real handshakes on 127.0.0.1 between our contexts, and with openssl s_client."""

from __future__ import annotations

import ssl
import warnings

import pytest

from mailserver.crypto.names import subject_dn_string
from mailserver.crypto.pem_files import read_certificates
from mailserver.crypto.tls import (
    HEALTH_TLS12_CIPHERS,
    client_context,
    handshake_failure,
    server_context,
)
from mailserver.errors import UsageError
from tests.mailserver.crypto.tls_listener import OneShotTlsListener, connect
from tests.pki_fixtures import PKIFixture, openssl

HEALTH_SUITES = HEALTH_TLS12_CIPHERS.split(":")


def _mx_context(pki: PKIFixture, *, require: bool = True) -> ssl.SSLContext:
    return server_context(
        pki.server.cert_path, pki.server.key_path, client_ca_paths=[pki.root_ca], require_client_cert=require
    )


def _operator_client(pki: PKIFixture, presenting: PKIFixture | None = None, which: str = "server") -> ssl.SSLContext:
    identity = getattr(presenting, which) if presenting else None
    return client_context(
        anchors=[pki.root_ca],
        cert_path=identity.cert_path if identity else None,
        key_path=identity.key_path if identity else None,
    )


def test_tls12_client_with_certificate_gets_a_health_suite_and_the_server_sees_its_chain(dev_pki: PKIFixture) -> None:
    client = _operator_client(dev_pki, dev_pki)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    with OneShotTlsListener(_mx_context(dev_pki)) as listener:
        version, cipher, greeting = connect(listener.port, client, dev_pki.hostname)
    record = listener.record
    assert (version, greeting, record.error) == ("TLSv1.2", b"hello", None)
    assert cipher in HEALTH_SUITES
    assert [c.serial_number for c in record.peer_chain] == [
        dev_pki.server.serial,
        dev_pki.pki.org_ca_certificate.serial_number,
    ]
    assert subject_dn_string(record.peer_chain[0]) == dev_pki.server.subject_dn


@pytest.mark.parametrize("suite", HEALTH_SUITES)
def test_each_of_the_four_tls12_suites_is_accepted(dev_pki: PKIFixture, suite: str) -> None:
    client = _operator_client(dev_pki, dev_pki)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    client.set_ciphers(suite)
    with OneShotTlsListener(_mx_context(dev_pki)) as listener:
        version, cipher, _ = connect(listener.port, client, dev_pki.hostname)
    assert (version, cipher) == ("TLSv1.2", suite)


@pytest.mark.parametrize("suite", ["AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-SHA"])
def test_tls12_suites_outside_the_profile_are_refused(dev_pki: PKIFixture, suite: str) -> None:
    client = _operator_client(dev_pki, dev_pki)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    client.set_ciphers(suite)
    with OneShotTlsListener(_mx_context(dev_pki)) as listener, pytest.raises(ssl.SSLError):
        connect(listener.port, client, dev_pki.hostname)
    assert isinstance(listener.wait().error, ssl.SSLError)


def test_tls13_is_offered_by_default(dev_pki: PKIFixture) -> None:
    with OneShotTlsListener(_mx_context(dev_pki)) as listener:
        version, _, greeting = connect(listener.port, _operator_client(dev_pki, dev_pki), dev_pki.hostname)
    assert (version, greeting) == ("TLSv1.3", b"hello")


def _legacy_client(pki: PKIFixture, maximum: ssl.TLSVersion) -> ssl.SSLContext:
    """A client willing to speak TLS 1.0 to `maximum` (OpenSSL security level 0 allows it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ssl warns about TLSv1 and TLSv1_1
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cafile=str(pki.root_ca))
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = maximum
    return ctx


def test_client_capped_at_tls11_is_refused_by_the_server(dev_pki: PKIFixture) -> None:
    with OneShotTlsListener(_mx_context(dev_pki, require=False)) as listener, pytest.raises(ssl.SSLError) as info:
        connect(listener.port, _legacy_client(dev_pki, ssl.TLSVersion.TLSv1_1), dev_pki.hostname)
    assert "PROTOCOL_VERSION" in str(info.value).upper()  # the server's protocol_version alert
    server_error = listener.wait().error
    assert isinstance(server_error, ssl.SSLError)
    assert "UNSUPPORTED_PROTOCOL" in str(server_error).upper()


def test_the_same_legacy_client_succeeds_once_it_may_use_tls12(dev_pki: PKIFixture) -> None:
    with OneShotTlsListener(_mx_context(dev_pki, require=False)) as listener:
        version, cipher, _ = connect(listener.port, _legacy_client(dev_pki, ssl.TLSVersion.TLSv1_2), dev_pki.hostname)
    assert version == "TLSv1.2"
    assert cipher in HEALTH_SUITES


def test_client_certificate_from_a_foreign_ca_is_rejected_when_required(
    dev_pki: PKIFixture, foreign_pki: PKIFixture
) -> None:
    client = _operator_client(dev_pki, foreign_pki)
    with OneShotTlsListener(_mx_context(dev_pki)) as listener, pytest.raises((ssl.SSLError, OSError)):
        connect(listener.port, client, dev_pki.hostname)
    error = listener.wait().error
    assert error is not None
    assert handshake_failure(error) == "untrusted"


def test_expired_client_certificate_is_rejected_and_named_expired(dev_pki: PKIFixture) -> None:
    client = _operator_client(dev_pki, dev_pki, which="expired")
    with OneShotTlsListener(_mx_context(dev_pki, require=False)) as listener, pytest.raises((ssl.SSLError, OSError)):
        connect(listener.port, client, dev_pki.hostname)
    error = listener.wait().error
    assert error is not None
    assert handshake_failure(error) == "expired"


def test_optional_client_certificate_may_be_absent(dev_pki: PKIFixture) -> None:
    with OneShotTlsListener(_mx_context(dev_pki, require=False)) as listener:
        _, _, greeting = connect(listener.port, _operator_client(dev_pki), dev_pki.hostname)
    assert greeting == b"hello"
    assert listener.wait().peer_chain == []


def test_missing_client_certificate_is_refused_when_required(dev_pki: PKIFixture) -> None:
    with OneShotTlsListener(_mx_context(dev_pki)) as listener, pytest.raises((ssl.SSLError, OSError)):
        connect(listener.port, _operator_client(dev_pki), dev_pki.hostname)
    assert isinstance(listener.wait().error, ssl.SSLError)


def test_client_refuses_a_server_outside_its_anchors(dev_pki: PKIFixture, foreign_pki: PKIFixture) -> None:
    foreign_server = server_context(foreign_pki.server.cert_path, foreign_pki.server.key_path)
    with OneShotTlsListener(foreign_server) as listener, pytest.raises(ssl.SSLCertVerificationError) as info:
        connect(listener.port, _operator_client(dev_pki), foreign_pki.hostname)
    assert handshake_failure(info.value) == "untrusted"


def test_client_checks_the_server_host_name(dev_pki: PKIFixture) -> None:
    with (
        OneShotTlsListener(_mx_context(dev_pki, require=False)) as listener,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        connect(listener.port, _operator_client(dev_pki), "autre.ch-exemple.fr")


def test_contexts_hold_only_the_configured_anchors_and_the_profile_options(dev_pki: PKIFixture) -> None:
    for ctx in (_mx_context(dev_pki), _operator_client(dev_pki)):
        assert ctx.cert_store_stats()["x509_ca"] == 1  # our root, and nothing from the system store
        assert ctx.get_ca_certs()[0]["subject"][-1] == (("commonName", "Caducee Dev Root CA"),)
        assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
        assert ctx.options & ssl.OP_NO_COMPRESSION
        assert ctx.options & ssl.OP_NO_RENEGOTIATION
        tls12 = [c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"]
        assert sorted(tls12) == sorted(HEALTH_SUITES)


def test_requiring_a_client_certificate_without_anchors_is_a_usage_error(dev_pki: PKIFixture) -> None:
    with pytest.raises(UsageError):
        server_context(dev_pki.server.cert_path, dev_pki.server.key_path, require_client_cert=True)
    with pytest.raises(UsageError):
        client_context(anchors=[])


def test_openssl_s_client_tls12_negotiates_a_health_suite_and_presents_its_certificate(dev_pki: PKIFixture) -> None:
    with OneShotTlsListener(_mx_context(dev_pki)) as listener:
        result = openssl(
            "s_client", "-connect", f"127.0.0.1:{listener.port}", "-tls1_2", "-brief",
            "-CAfile", dev_pki.root_ca, "-servername", dev_pki.hostname, "-verify_hostname", dev_pki.hostname,
            "-verify_return_error", "-cert", dev_pki.server.cert_path, "-key", dev_pki.server.key_path,
            "-cert_chain", dev_pki.server.cert_path,
        )  # fmt: skip
    output = result.stdout + result.stderr
    assert "Protocol version: TLSv1.2" in output, output
    negotiated = next(line.split(":", 1)[1].strip() for line in output.splitlines() if line.startswith("Ciphersuite"))
    assert negotiated in HEALTH_SUITES
    assert "Verification: OK" in output
    record = listener.wait()
    assert record.error is None
    assert record.peer_chain[0] == read_certificates(dev_pki.server.cert_path)[0]


def test_openssl_s_client_tls11_is_refused(dev_pki: PKIFixture) -> None:
    with OneShotTlsListener(_mx_context(dev_pki, require=False)) as listener:
        result = openssl(
            "s_client", "-connect", f"127.0.0.1:{listener.port}", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
            "-brief", "-CAfile", dev_pki.root_ca,
        )  # fmt: skip
    assert result.returncode != 0
    assert "protocol version" in (result.stdout + result.stderr).lower()
    assert isinstance(listener.wait().error, ssl.SSLError)


def test_handshake_failure_ignores_other_errors() -> None:
    assert handshake_failure(ConnectionResetError()) is None
    assert handshake_failure(ssl.SSLError(1, "other")) is None


def test_peer_sending_only_its_leaf_is_accepted_when_the_intermediate_is_an_anchor(dev_pki: PKIFixture) -> None:
    with_intermediate = server_context(
        dev_pki.server.cert_path,
        dev_pki.server.key_path,
        client_ca_paths=[dev_pki.root_ca, dev_pki.org_ca],
        require_client_cert=True,
    )
    with OneShotTlsListener(with_intermediate) as listener:
        result = openssl(
            "s_client", "-connect", f"127.0.0.1:{listener.port}", "-brief", "-CAfile", dev_pki.root_ca,
            "-cert", dev_pki.server.cert_path, "-key", dev_pki.server.key_path,
        )  # fmt: skip
    record = listener.wait()
    assert record.error is None, result.stderr
    assert [c.serial_number for c in record.peer_chain] == [dev_pki.server.serial]
