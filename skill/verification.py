"""Check that an HTTP request to the skill endpoint really comes from Alexa.

Amazon requires every self-hosted skill to check the signing-certificate URL, the
certificate chain, the request signature, the timestamp and the application id
("Host a Custom Skill as a Web Service"; certification bots send forged requests
and expect HTTP 400). flask-ask-sdk does this through certvalidator/oscrypto, which
cannot be imported on OpenSSL >= 3.0.10, so this module does it with `cryptography`.

Every failure raises `VerificationError` with a short machine-readable `reason`:

- ``headers``: a signature header is missing, empty or given twice with different values
- ``cert_url``: the SignatureCertChainUrl breaks Amazon's URL rules
- ``cert_download``: the chain could not be downloaded (error, timeout, too big, empty)
- ``chain``: the chain is unparseable, untrusted, outside its validity window, or the
  leaf lacks the echo-api.amazon.com SAN or the digitalSignature key usage
- ``signature``: Signature-256 is not base64 or does not match the raw body
- ``timestamp``: request.timestamp is missing, unparseable or more than 150 s off
- ``application_id``: the application id is missing or is not the configured skill id

Messages never quote the request body; the caller answers 400 and may log both fields.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

import certifi
import requests
import urllib3
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification as x509v

__all__ = [
    "CERT_URL_HOST",
    "CERT_URL_PATH_PREFIX",
    "MAX_CERT_CHAIN_BYTES",
    "MAX_TIMESTAMP_TOLERANCE_S",
    "SIGNING_CERT_SAN",
    "HeaderSource",
    "RequestVerifier",
    "VerificationError",
    "VerifierSettings",
    "check_cert_url",
    "fetch_cert_chain",
]

SIGNING_CERT_SAN = "echo-api.amazon.com"
CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PATH_PREFIX = "/echo.api/"
MAX_CERT_CHAIN_BYTES = 64 * 1024
MAX_TIMESTAMP_TOLERANCE_S = 150.0  # Amazon's documented maximum

_CERT_URL_HEADER = "signaturecertchainurl"
_SIGNATURE_HEADER = "signature-256"
_LEGACY_SIGNATURE_HEADER = "signature"
_WANTED_HEADERS = frozenset({_CERT_URL_HEADER, _SIGNATURE_HEADER, _LEGACY_SIGNATURE_HEADER})

_UTC = timezone.utc
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)",
    re.ASCII | re.IGNORECASE,
)


class VerificationError(Exception):
    """The request is not provably from Alexa; the caller answers HTTP 400."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


class HeaderSource(Protocol):
    """Anything with ``items()``: a dict, or werkzeug ``Headers`` (not a typing Mapping)."""

    def items(self) -> Iterable[tuple[str, str]]: ...


@dataclass(frozen=True)
class VerifierSettings:
    """What the app factory decides; validated so a typo cannot weaken the checks."""

    skill_id: str
    timestamp_tolerance_s: float = 150.0
    download_timeout_s: float = 2.0
    cache_size: int = 32
    cache_ttl_s: float = 3600.0

    def __post_init__(self) -> None:
        if not isinstance(self.skill_id, str) or not self.skill_id.strip():
            raise ValueError("skill_id must be a non-empty string")
        if not 0 < self.timestamp_tolerance_s <= MAX_TIMESTAMP_TOLERANCE_S:
            raise ValueError("timestamp_tolerance_s must be in (0, 150] (Amazon's maximum)")
        if not self.download_timeout_s > 0:
            raise ValueError("download_timeout_s must be positive")
        if self.cache_size < 1:
            raise ValueError("cache_size must be at least 1")
        if not self.cache_ttl_s > 0:
            raise ValueError("cache_ttl_s must be positive")


# --- certificate URL -------------------------------------------------------------------


def check_cert_url(url: str) -> str:
    """Apply Amazon's SignatureCertChainUrl rules and return the URL we will fetch.

    The path is percent-decoded and dot-segments are resolved *before* the prefix test,
    and the returned URL is rebuilt from exactly that checked path, so what we download
    is what we checked. Userinfo, query and fragment are refused (Alexa never sends them).
    """
    try:
        if not url.isascii():  # Alexa's URLs are ASCII; this also keeps quote() total
            raise ValueError("non-ASCII URL")
        parts = urlsplit(url.strip())
        port = parts.port
    except (AttributeError, ValueError):
        raise VerificationError("cert_url", "certificate URL is not a valid URL") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("cert_url", "certificate URL scheme must be https")
    if parts.hostname != CERT_URL_HOST or parts.username is not None or parts.password:
        raise VerificationError("cert_url", f"certificate URL host must be {CERT_URL_HOST}")
    if port not in (None, 443):
        raise VerificationError("cert_url", "certificate URL port must be absent or 443")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise VerificationError("cert_url", "certificate URL must not carry a query or fragment")
    path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    if not path.startswith(CERT_URL_PATH_PREFIX):
        raise VerificationError(
            "cert_url", f"certificate URL path must start with {CERT_URL_PATH_PREFIX}"
        )
    return f"https://{CERT_URL_HOST}{quote(path, safe='/')}"


# --- download ----------------------------------------------------------------------------


def fetch_cert_chain(url: str, timeout: float) -> bytes:
    """Default fetcher: no redirects, a 64 KiB cap and an overall deadline of ``timeout``.

    requests' timeout bounds each socket operation only; a server dripping one byte at a
    time would never trip it, hence the explicit deadline between reads. Any failure
    raises OSError (requests' own errors are OSErrors too).
    """
    deadline = time.monotonic() + timeout
    with requests.get(
        url,
        timeout=(timeout, timeout),
        stream=True,
        allow_redirects=False,
        headers={"Accept-Encoding": "identity"},
    ) as response:
        if response.status_code != 200:
            raise OSError(f"certificate download answered HTTP {response.status_code}")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_CERT_CHAIN_BYTES:
            raise OSError("certificate download is larger than 64 KiB")
        try:
            return _read_capped(response.raw, deadline)
        except urllib3.exceptions.HTTPError as exc:  # raw reads bypass requests' wrapping
            raise OSError(f"certificate download failed: {exc}") from exc


def _read_capped(raw: Any, deadline: float) -> bytes:
    """Read until EOF, giving up past the size cap or the deadline."""
    read = getattr(raw, "read1", None) or raw.read  # read1 returns as soon as data arrives
    data = bytearray()
    while chunk := read(4096):
        data += chunk
        if len(data) > MAX_CERT_CHAIN_BYTES:
            raise OSError("certificate download is larger than 64 KiB")
        if time.monotonic() > deadline:
            raise TimeoutError("certificate download exceeded its deadline")
    return bytes(data)


# --- certificates ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chain:
    leaf: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]


@lru_cache(maxsize=1)
def _certifi_roots() -> tuple[x509.Certificate, ...]:
    """Load the certifi bundle one root at a time.

    A few certifi roots have serial number 0; cryptography warns about them today and may
    refuse them later. Loading them one by one keeps one bad root from disabling all.
    """
    roots = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM_BLOCK.findall(Path(certifi.where()).read_bytes()):
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    if not roots:
        raise RuntimeError("the certifi bundle holds no usable root certificate")
    return tuple(roots)


def _parse_chain(data: bytes) -> _Chain:
    """Amazon's file is PEM with the signing (leaf) certificate first."""
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise VerificationError("chain", "certificate chain is not valid PEM") from None
    return _Chain(leaf=certs[0], intermediates=tuple(certs[1:]))


def _check_leaf(leaf: x509.Certificate, now: datetime) -> None:
    """Checks with clear messages; the chain verifier repeats some of them, more tersely."""
    if now < leaf.not_valid_before_utc:
        raise VerificationError("chain", "signing certificate is not yet valid")
    if now > leaf.not_valid_after_utc:
        raise VerificationError("chain", "signing certificate has expired")
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [name.lower() for name in san.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        names = []
    if SIGNING_CERT_SAN not in names:  # exact name, as Amazon specifies: no wildcard
        raise VerificationError("chain", f"signing certificate SAN lacks {SIGNING_CERT_SAN}")
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.digital_signature:
        raise VerificationError("chain", "signing certificate lacks digitalSignature key usage")


def _check_signature(leaf: x509.Certificate, signature: bytes, body: bytes) -> None:
    """RSA-SHA256 PKCS#1 v1.5 over the raw body bytes, exactly as received."""
    key = leaf.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise VerificationError("signature", "signing certificate does not hold an RSA key")
    try:
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise VerificationError("signature", "Signature-256 does not match the body") from None


# --- headers, timestamp, application id ------------------------------------------------


def _signature_headers(headers: HeaderSource) -> tuple[str, str]:
    """Return (cert URL, Signature-256), matching names case-insensitively ourselves."""
    found: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower() if isinstance(name, str) else ""
        if key not in _WANTED_HEADERS:
            continue
        value = value.strip() if isinstance(value, str) else ""
        if found.setdefault(key, value) != value:
            raise VerificationError("headers", f"conflicting values for the {name} header")
    if not found.get(_SIGNATURE_HEADER):
        hint = " (the legacy SHA-1 Signature header is not accepted)"
        raise VerificationError(
            "headers",
            "missing or empty Signature-256 header" + (hint if found.get("signature") else ""),
        )
    if not found.get(_CERT_URL_HEADER):
        raise VerificationError("headers", "missing or empty SignatureCertChainUrl header")
    return found[_CERT_URL_HEADER], found[_SIGNATURE_HEADER]


def _decode_signature(value: str) -> bytes:
    try:
        signature = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("signature", "Signature-256 is not valid base64") from None
    if not signature:
        raise VerificationError("signature", "Signature-256 is empty")
    return signature


def _dig(data: Any, *path: str) -> Any:
    """Walk nested mappings; None as soon as a level is missing or not a mapping."""
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _parse_timestamp(value: Any) -> datetime:
    """ISO 8601 with seconds and an explicit offset (Z or +hh:mm); fractions allowed.

    Written out rather than datetime.fromisoformat because Python 3.10 (our floor)
    rejects "Z" and fractions that are not 3 or 6 digits. A timestamp without an offset
    is ambiguous and refused.
    """
    match = _TIMESTAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise VerificationError("timestamp", "request.timestamp is missing or not ISO 8601")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        tz = _UTC
        if offset.upper() != "Z":
            delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
            tz = timezone(-delta if offset[0] == "-" else delta)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except (ValueError, OverflowError):
        raise VerificationError("timestamp", "request.timestamp is not a real date") from None


def _application_id(envelope: Mapping[str, Any]) -> str | None:
    """context.System.application wins; session.application is the fallback Amazon allows."""
    for path in (
        ("context", "System", "application", "applicationId"),
        ("session", "application", "applicationId"),
    ):
        value = _dig(envelope, *path)
        if isinstance(value, str) and value:
            return value
    return None


# --- cache -------------------------------------------------------------------------------


class _ChainCache:
    """Bounded LRU of parsed chains with per-entry expiry, shared by request threads.

    An entry expires after the TTL or when its leaf does, whichever is first, so a renewed
    certificate published at the same URL is picked up.
    """

    def __init__(self, size: int, ttl_s: float) -> None:
        self._size = size
        self._ttl = timedelta(seconds=ttl_s)
        self._entries: OrderedDict[str, tuple[_Chain, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str, now: datetime) -> _Chain | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if now >= entry[1]:
                del self._entries[url]
                return None
            self._entries.move_to_end(url)
            return entry[0]

    def put(self, url: str, chain: _Chain, now: datetime) -> None:
        expires = min(now + self._ttl, chain.leaf.not_valid_after_utc)
        with self._lock:
            self._entries[url] = (chain, expires)
            self._entries.move_to_end(url)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


# --- verifier ----------------------------------------------------------------------------


class RequestVerifier:
    """Verifies Alexa requests; one instance per process, safe to share between threads.

    ``trust_roots`` replaces the certifi roots and exists for tests only: it is reachable
    solely through this explicit argument, never from the environment or Flask config.
    """

    def __init__(
        self,
        settings: VerifierSettings,
        *,
        trust_roots: Sequence[x509.Certificate] | None = None,
        fetch: Callable[[str, float], bytes] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        roots = _certifi_roots() if trust_roots is None else tuple(trust_roots)
        if not roots:
            raise ValueError("trust_roots must not be empty")
        self._settings = settings
        self._store = x509v.Store(list(roots))
        self._fetch = fetch or fetch_cert_chain
        self._clock = clock or (lambda: datetime.now(_UTC))
        self._cache = _ChainCache(settings.cache_size, settings.cache_ttl_s)

    def verify(self, headers: HeaderSource, body: bytes, envelope: Mapping[str, Any]) -> None:
        """Raise VerificationError unless the request is provably a fresh one from Alexa.

        Cheap local checks run first, so a stale or foreign request never causes a download.
        ``body`` must be the raw bytes as received: re-serialised JSON will not verify.
        """
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError("body must be the raw request bytes, not decoded text")
        cert_url, signature_b64 = _signature_headers(headers)
        url = check_cert_url(cert_url)
        signature = _decode_signature(signature_b64)
        now = self._now()
        self._check_timestamp(envelope, now)
        self._check_application_id(envelope)
        leaf = self._trusted_leaf(url, now)
        _check_signature(leaf, signature, bytes(body))

    def _now(self) -> datetime:
        """The injected clock may be naive (freezegun, tests); naive means UTC."""
        now = self._clock()
        return now.replace(tzinfo=_UTC) if now.tzinfo is None else now.astimezone(_UTC)

    def _check_timestamp(self, envelope: Mapping[str, Any], now: datetime) -> None:
        sent = _parse_timestamp(_dig(envelope, "request", "timestamp"))
        try:
            skew = abs((now - sent).total_seconds())
        except OverflowError:
            skew = float("inf")
        if skew > self._settings.timestamp_tolerance_s:
            raise VerificationError("timestamp", "request.timestamp is too far from now")

    def _check_application_id(self, envelope: Mapping[str, Any]) -> None:
        app_id = _application_id(envelope)
        if app_id is None:
            raise VerificationError("application_id", "request carries no application id")
        if app_id != self._settings.skill_id:
            raise VerificationError("application_id", "application id is not this skill's id")

    def _trusted_leaf(self, url: str, now: datetime) -> x509.Certificate:
        """Return the validated leaf, fetching the chain unless cached.

        Validation re-runs on every request against the injected clock: it costs well under
        a millisecond, and a cached "valid" verdict could outlive an intermediate's expiry.
        Only chains that validated are cached, so junk never occupies the cache.
        """
        chain = self._cache.get(url, now)
        cached = chain is not None
        if chain is None:
            chain = _parse_chain(self._download(url))
        self._validate_chain(chain, now)
        if not cached:
            self._cache.put(url, chain, now)
        return chain.leaf

    def _download(self, url: str) -> bytes:
        """Whatever the fetcher does wrong becomes a 400-worthy error, never a crash."""
        try:
            data = self._fetch(url, self._settings.download_timeout_s)
        except Exception as exc:
            raise VerificationError("cert_download", "could not download the chain") from exc
        if not isinstance(data, bytes) or not data:
            raise VerificationError("cert_download", "certificate download was empty")
        if len(data) > MAX_CERT_CHAIN_BYTES:
            raise VerificationError("cert_download", "certificate download exceeds 64 KiB")
        return data

    def _validate_chain(self, chain: _Chain, now: datetime) -> None:
        """Leaf rules first (readable messages), then path building to a trusted root."""
        _check_leaf(chain.leaf, now)
        verifier = (
            x509v.PolicyBuilder()
            .store(self._store)
            .time(now)
            .build_server_verifier(x509v.DNSName(SIGNING_CERT_SAN))
        )
        try:
            verifier.verify(chain.leaf, list(chain.intermediates))
        except x509v.VerificationError as exc:
            raise VerificationError("chain", f"certificate chain rejected: {exc}") from None
