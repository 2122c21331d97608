"""The stand-in's certificates: a private CA and a server certificate for the loopback names, made
with trustme, so that the stand-in speaks HTTPS (and HTTP/2) like the real API and clients trust it
by the CA file alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme

NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Certificates:
    ca: Path  # what clients trust: loadcell --tls-ca-bundle, REQUESTS_CA_BUNDLE for the SDK
    cert: Path
    key: Path


def make_certificates(folder: Path, host: str) -> Certificates:
    """A new CA and server certificate in `folder` (private: the key is the server's)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca = trustme.CA(organization_name="loadcell Albert stand-in")
    names = NAMES if host in NAMES or host in ("0.0.0.0", "::") else (*NAMES, host)
    server = ca.issue_cert(*names)
    paths = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    ca.cert_pem.write_to_path(str(paths.ca))
    server.cert_chain_pems[0].write_to_path(str(paths.cert))
    for pem in server.cert_chain_pems[1:]:
        pem.write_to_path(str(paths.cert), append=True)
    paths.key.touch(mode=0o600)
    server.private_key_pem.write_to_path(str(paths.key))
    return paths
