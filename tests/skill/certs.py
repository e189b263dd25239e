"""A throwaway PKI for verifier tests: root CA -> intermediate -> echo-api leaf.

The certificates follow the Web PKI profile that cryptography's verifier enforces
(AKI/SKI, critical basicConstraints, keyCertSign on CAs, SAN on the leaf), like
Amazon's real chain does, so a test failure means the verifier, not the fixture.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SAN = "echo-api.amazon.com"


@cache
def key(label: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per label for the whole run: key generation is the slow part."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: str,
    subject_key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), False)
    )
    if issuer is not None:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())
        builder = builder.add_extension(aki, critical=False)
    return builder


def make_ca(
    subject: str,
    subject_key: rsa.RSAPrivateKey,
    *,
    now: datetime,
    issuer: x509.Certificate | None = None,
    issuer_key: rsa.RSAPrivateKey | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    """A root (no issuer) or an intermediate CA, valid a year either side of ``now``."""
    signer = issuer_key or subject_key
    year = timedelta(days=365)
    return (
        _builder(subject, subject_key, issuer, signer, now - year, not_after or now + year)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .sign(signer, hashes.SHA256())
    )


def make_leaf(
    issuer: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    *,
    now: datetime,
    subject_key: rsa.RSAPrivateKey | None = None,
    sans: tuple[str, ...] = (SAN,),
    key_usage: bool = True,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    """An Alexa-style signing certificate; every knob is one thing a test may break."""
    subject_key = subject_key or key("leaf")
    builder = (
        _builder(
            SAN,
            subject_key,
            issuer,
            issuer_key,
            not_before or now - timedelta(days=30),
            not_after or now + timedelta(days=300),
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
    )
    if sans:
        dns_names = [x509.DNSName(name) for name in sans]
        builder = builder.add_extension(x509.SubjectAlternativeName(dns_names), critical=False)
    if key_usage:
        builder = builder.add_extension(_usage(ca=False), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def make_self_signed_leaf(now: datetime) -> x509.Certificate:
    """A leaf that looks right but vouches for itself (the certification bots' trick)."""
    subject_key = key("leaf")
    return (
        _builder(
            SAN, subject_key, None, subject_key, now - timedelta(days=1), now + timedelta(days=30)
        )
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SAN)]), critical=False)
        .add_extension(_usage(ca=False), critical=True)
        .sign(subject_key, hashes.SHA256())
    )


@dataclass(frozen=True)
class Pki:
    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate

    @property
    def intermediate_key(self) -> rsa.RSAPrivateKey:
        return key("intermediate")

    def chain_pem(self, leaf: x509.Certificate | None = None) -> bytes:
        """Leaf first, then the intermediate: the layout of Amazon's echo-api-cert files."""
        return pem(leaf or self.leaf, self.intermediate)


def make_pki(now: datetime) -> Pki:
    root = make_ca("Throwaway Test Root", key("root"), now=now)
    intermediate = make_ca(
        "Throwaway Test Intermediate",
        key("intermediate"),
        now=now,
        issuer=root,
        issuer_key=key("root"),
    )
    leaf = make_leaf(intermediate, key("intermediate"), now=now)
    return Pki(root=root, intermediate=intermediate, leaf=leaf)


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


def sign(body: bytes, signer: rsa.RSAPrivateKey | None = None) -> str:
    """What Alexa puts in Signature-256: base64(RSA-SHA256-PKCS1v15(body))."""
    signer = signer or key("leaf")
    return base64.b64encode(signer.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
