"""TLS as k6 configures it: one SSLContext per distinct configuration per process, built before any
VU dials, and a cap on the handshakes a process has in flight.

A context loads the CA bundle when it is made (about 50 ms here), so one per VU stalled every VU of
the process for seconds; they are made once, in `TLSSettings.contexts()`, and shared by every VU
(each VU still owns its connections, as in k6). A handshake costs the server far more than the
client: with thousands of VUs dialling at once, every handshake progresses in lockstep and none
finishes until nearly all do, while the server's accept queue overflows and SYNs are retried after
1, 3, 7 s. So a process runs at most DIALS_IN_FLIGHT TLS dials at once (the loop's `dials` semaphore, in
http/timeouts.py), in arrival order; the others wait in `http_req_blocked`, as a k6 VU waits for
its connection.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loadcell.errors import InvalidConfigError

# k6's tlsVersion names (lib/options.go: SupportedTLSVersions).
VERSIONS: dict[str, ssl.TLSVersion] = {
    "tls1.0": ssl.TLSVersion.TLSv1,
    "tls1.1": ssl.TLSVersion.TLSv1_1,
    "tls1.2": ssl.TLSVersion.TLSv1_2,
    "tls1.3": ssl.TLSVersion.TLSv1_3,
}
# What Python's SSLObject.version() says, as k6 names it in res.tls_version and the tls_version tag.
VERSION_TAGS = {"TLSv1": "tls1.0", "TLSv1.1": "tls1.1", "TLSv1.2": "tls1.2", "TLSv1.3": "tls1.3"}

# k6's tlsCipherSuites take Go's names (crypto/tls); OpenSSL names the same suites otherwise.
GO_TO_OPENSSL: dict[str, str] = {
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256": "AES128-SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256": "ECDHE-ECDSA-AES128-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256": "ECDHE-RSA-AES128-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
    # TLS 1.3's suites have one name everywhere (and Go does not let them be chosen).
    "TLS_AES_128_GCM_SHA256": "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384": "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256": "TLS_CHACHA20_POLY1305_SHA256",
}
_GO_ALIASES = {
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
}
OPENSSL_TO_GO = {v: k for k, v in GO_TO_OPENSSL.items()}

DIALS_IN_FLIGHT = int(os.environ.get("LOADCELL_TLS_DIALS", "32"))  # TLS dials one process runs at once


class HandshakeCount:
    """TLS handshakes of this process: the blocked-loop warning names a storm of them."""

    __slots__ = ("finished", "started")

    def __init__(self) -> None:
        self.started = 0
        self.finished = 0


handshakes = HandshakeCount()


@dataclass(frozen=True)
class ClientCert:
    """One tlsAuth entry: a certificate and key (PEM text, as k6 takes them) for some domains."""

    domains: tuple[str, ...]
    cert: str
    key: str
    password: str | None = None

    def covers(self, host: str) -> bool:
        """A domain covers itself and its subdomains."""
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


@dataclass(frozen=True)
class TLSSettings:
    """The TLS part of a test's options, validated; hashable, so equal settings share contexts."""

    insecure: bool = False
    min_version: ssl.TLSVersion | None = None
    max_version: ssl.TLSVersion | None = None
    ciphers: tuple[str, ...] = ()
    client_certs: tuple[ClientCert, ...] = ()
    ca_bundle: str | None = None
    http2: bool = True
    _contexts: dict[int, ssl.SSLContext] = field(default_factory=dict, compare=False, hash=False, repr=False)
    _by_host: dict[str, ssl.SSLContext] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def contexts(self) -> None:
        """Build every context this test can need, before the VUs start."""
        if not self._contexts:
            self._contexts[-1] = self._build(None)
            for i, cert in enumerate(self.client_certs):
                self._contexts[i] = self._build(cert)

    def context_for(self, host: str) -> ssl.SSLContext:
        ctx = self._by_host.get(host)
        if ctx is None:
            self.contexts()
            index = next((i for i, c in enumerate(self.client_certs) if c.covers(host)), -1)
            ctx = self._by_host[host] = self._contexts[index]
        return ctx

    def _build(self, cert: ClientCert | None) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the host name
        if self.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # and no CA store: OpenSSL would still build chains
        else:
            _load_roots(ctx, self.ca_bundle)
        if self.min_version is not None:
            if self.min_version < ssl.TLSVersion.TLSv1_2:
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS < 1.2 at level 1
            ctx.minimum_version = self.min_version
        if self.max_version is not None:
            ctx.maximum_version = self.max_version
        tls12 = [GO_TO_OPENSSL[c] for c in self.ciphers if not GO_TO_OPENSSL[c].startswith("TLS_")]
        if tls12:  # TLS 1.3's suites are not chosen, as in Go
            ctx.set_ciphers(":".join(tls12) + (":@SECLEVEL=0" if self.min_version else ""))
        ctx.set_alpn_protocols(["h2", "http/1.1"] if self.http2 else ["http/1.1"])
        if cert is not None:
            _load_client_cert(ctx, cert)
        return ctx


def _load_roots(ctx: ssl.SSLContext, ca_bundle: str | None) -> None:
    """The CAs to trust: the given bundle, else SSL_CERT_FILE / SSL_CERT_DIR, else the system's bundle.
    A bundle file, not the hashed directory: OpenSSL searches a directory on disk during every
    handshake (a quarter of a handshake's client CPU here)."""
    cafile = ca_bundle or os.environ.get("SSL_CERT_FILE") or ssl.get_default_verify_paths().cafile
    capath = os.environ.get("SSL_CERT_DIR")
    if cafile:
        ctx.load_verify_locations(cafile=cafile)
    if capath:
        ctx.load_verify_locations(capath=capath)
    if not cafile and not capath:
        ctx.load_default_certs()


def _load_client_cert(ctx: ssl.SSLContext, cert: ClientCert) -> None:
    """ssl loads certificates from files only: the PEM text goes through a private temporary file."""
    with tempfile.TemporaryDirectory(prefix="loadcell-tls-") as folder:
        cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        for path, text in ((cert_path, cert.cert), (key_path, cert.key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
        try:
            ctx.load_cert_chain(cert_path, key_path, password=cert.password)
        except (ssl.SSLError, OSError) as exc:
            domains = ", ".join(cert.domains)
            raise InvalidConfigError(
                f"tlsAuth: the certificate or key for {domains} could not be loaded ({exc}); "
                "give PEM text, e.g. open('client.pem')"
            ) from None


def _version(value: Any, where: str) -> ssl.TLSVersion:
    if isinstance(value, str) and value in VERSIONS:
        return VERSIONS[value]
    raise InvalidConfigError(
        f"{where}: unsupported TLS version {value!r}; use one of {', '.join(VERSIONS)}"
        + (" (ssl3.0 is not supported by OpenSSL)" if value == "ssl3.0" else "")
    )


def parse_settings(
    options: Mapping[str, Any], ca_bundle: str | None = None, http2: bool = True
) -> TLSSettings:
    """k6's insecureSkipTLSVerify, tlsVersion, tlsCipherSuites and tlsAuth, checked as k6 checks them."""
    min_v = max_v = None
    version = options.get("tlsVersion")
    if isinstance(version, Mapping):
        unknown = set(version) - {"min", "max"}
        if unknown:
            raise InvalidConfigError(f"tlsVersion: unknown key(s) {sorted(unknown)}; use {{min, max}}")
        min_v = _version(version["min"], "tlsVersion.min") if version.get("min") else None
        max_v = _version(version["max"], "tlsVersion.max") if version.get("max") else None
        if min_v is not None and max_v is not None and min_v > max_v:
            raise InvalidConfigError("tlsVersion: min is above max; swap them")
    elif version not in (None, ""):
        min_v = max_v = _version(version, "tlsVersion")
    ciphers: list[str] = []
    suites = options.get("tlsCipherSuites") or []
    if not isinstance(suites, list):
        raise InvalidConfigError("tlsCipherSuites: must be a list of cipher suite names")
    for name in suites:
        canonical = _GO_ALIASES.get(name, name)
        if not isinstance(name, str) or canonical not in GO_TO_OPENSSL:
            raise InvalidConfigError(
                f"tlsCipherSuites: unknown cipher suite {name!r}; use Go's names, "
                "e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
            )
        ciphers.append(canonical)
    certs: list[ClientCert] = []
    auth = options.get("tlsAuth") or []
    if not isinstance(auth, list):
        raise InvalidConfigError("tlsAuth: must be a list of {domains, cert, key} objects")
    for i, entry in enumerate(auth):
        where = f"tlsAuth[{i}]"
        if not isinstance(entry, Mapping):
            raise InvalidConfigError(f"{where}: must be an object with domains, cert and key")
        domains = entry.get("domains")
        if not isinstance(domains, list) or not domains or not all(isinstance(d, str) for d in domains):
            raise InvalidConfigError(f"{where}.domains: must be a non-empty list of host names")
        for key in ("cert", "key"):
            if not isinstance(entry.get(key), str) or "-----BEGIN" not in entry[key]:
                raise InvalidConfigError(f"{where}.{key}: must be PEM text, e.g. open('client.pem')")
        password = entry.get("password")
        if password is not None and not isinstance(password, str):
            raise InvalidConfigError(f"{where}.password: must be a string")
        certs.append(
            ClientCert(tuple(d.lower().rstrip(".") for d in domains), entry["cert"], entry["key"], password)
        )
    insecure = options.get("insecureSkipTLSVerify", False)
    if ca_bundle is not None and not os.path.isfile(ca_bundle):
        raise InvalidConfigError(
            f"the CA bundle {ca_bundle!r} is not a file; give a PEM file of CA certificates"
        )
    return TLSSettings(bool(insecure), min_v, max_v, tuple(ciphers), tuple(certs), ca_bundle, http2)


def describe(sslobj: ssl.SSLObject | ssl.SSLSocket | None) -> tuple[str, str]:
    """(res.tls_version, res.tls_cipher_suite) as k6 names them, e.g. ("tls1.3", "TLS_AES_128_GCM_SHA256")."""
    if sslobj is None:
        return "", ""
    version = VERSION_TAGS.get(sslobj.version() or "", "")
    cipher = sslobj.cipher()
    name = cipher[0] if cipher else ""
    return version, OPENSSL_TO_GO.get(name, name)
