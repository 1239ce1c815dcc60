"""This device's network identity: a long-term Ed25519 key in a self-signed X.509 certificate.

The device id is the SHA-256 of the raw public key, shown as 64 hex digits. Peers pin it: every
connection after pairing is mutual TLS whose peer key must hash to a pinned id. ``network init
--password`` encrypts the private key at rest (scrypt, then ChaCha20-Poly1305: see ``_seal``);
the running core then needs the password, given by ``$SPACEDRIVE_KEY_PASSWORD`` or a prompt.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.x509.oid import NameOID

from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.fs.atomic import write_bytes_atomic

NET_DIR = "network"
KEY_FILE = "identity.key"
CERT_FILE = "identity.crt"
PASSWORD_ENV = "SPACEDRIVE_KEY_PASSWORD"
CERT_YEARS = 100


class IdentityError(SpacedriveError):
    """The identity is missing, unreadable, or locked by a password that was not given or is wrong."""

    code = "identity"


class KeyLocked(IdentityError):
    """The key is encrypted and the password was not given, or is wrong (``wrong`` tells which)."""

    code = "identity_locked"

    def __init__(self, message: str, wrong: bool) -> None:
        super().__init__(message)
        self.wrong = wrong


def device_id_of(public_key: ed25519.Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def device_id_of_cert(cert: x509.Certificate) -> str:
    """The device id a certificate claims; raises IdentityError if its key is not Ed25519."""
    key = cert.public_key()
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise IdentityError("peer certificate does not carry an Ed25519 key")
    return device_id_of(key)


def device_id_of_der(der: bytes) -> str:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as e:
        raise IdentityError(f"peer certificate cannot be parsed: {e}") from e
    return device_id_of_cert(cert)


def short_id(device_id: str) -> str:
    """The form people read: the first 12 hex digits in groups of four."""
    return "-".join(device_id[i : i + 4] for i in range(0, 12, 4))


@dataclass(frozen=True, slots=True)
class Identity:
    private_key: ed25519.Ed25519PrivateKey
    certificate: x509.Certificate
    device_id: str
    key_path: Path
    cert_path: Path

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def key_pem(self) -> bytes:
        """The private key, unencrypted, for handing to a TLS stack in memory (never written so)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def identity_paths(data_dir: Path) -> tuple[Path, Path]:
    base = data_dir / NET_DIR
    return base / KEY_FILE, base / CERT_FILE


def exists(data_dir: Path) -> bool:
    key, cert = identity_paths(data_dir)
    return key.exists() and cert.exists()


def is_encrypted(data_dir: Path) -> bool:
    key, _ = identity_paths(data_dir)
    try:
        return key.read_bytes().startswith(SEALED_HEADER)
    except OSError:
        return False


def read_device_id(data_dir: Path) -> str | None:
    """This device's id from its certificate (which is never encrypted), or None without one."""
    _, cert_path = identity_paths(data_dir)
    try:
        return device_id_of_cert(x509.load_pem_x509_certificate(cert_path.read_bytes()))
    except (OSError, ValueError, IdentityError):
        return None


# A password-protected key: the raw 32-byte Ed25519 key sealed with ChaCha20-Poly1305 under a key
# derived from the password by scrypt (n=2**16, r=8, p=1: ~64 MiB and a few hundred ms per guess).
# PKCS#8's own encryption, as the cryptography package writes it, uses PBKDF2 with 2,048 rounds: a
# stolen file would be cheap to guess against.
SEALED_HEADER = b"SPACEDRIVE SEALED KEY v1\n"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**16, 8, 1


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(password.encode())


def _seal(private_key: ed25519.Ed25519PrivateKey, password: str) -> bytes:
    salt, nonce = os.urandom(16), os.urandom(12)
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    sealed = ChaCha20Poly1305(_derive(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)).encrypt(
        nonce, raw, SEALED_HEADER
    )
    body = {"kdf": "scrypt", "n": _SCRYPT_N, "r": _SCRYPT_R, "p": _SCRYPT_P}
    body |= {"salt": salt.hex(), "nonce": nonce.hex(), "sealed": sealed.hex()}
    return SEALED_HEADER + json.dumps(body).encode() + b"\n"


def _unseal(data: bytes, password: str) -> ed25519.Ed25519PrivateKey:
    body = json.loads(data[len(SEALED_HEADER) :])
    if body.get("kdf") != "scrypt":
        raise ValueError(f"unknown key derivation {body.get('kdf')!r}")
    n, r, p = int(body["n"]), int(body["r"]), int(body["p"])
    if not (2**10 <= n <= 2**22 and r <= 32 and p <= 16):
        raise ValueError("key derivation parameters out of range")
    key = _derive(password, bytes.fromhex(body["salt"]), n, r, p)
    nonce, sealed = bytes.fromhex(body["nonce"]), bytes.fromhex(body["sealed"])
    raw = ChaCha20Poly1305(key).decrypt(nonce, sealed, SEALED_HEADER)
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw)


def create(data_dir: Path, name: str, password: str | None = None, replace: bool = False) -> Identity:
    """Make a new key and certificate. Refuses to overwrite an existing identity unless ``replace``:
    a new key means every paired device must pair again."""
    key_path, cert_path = identity_paths(data_dir)
    if exists(data_dir) and not replace:
        raise IdentityError(
            f"{key_path} already exists; replacing it would unpair every device (use --force to do so)"
        )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    private_key = ed25519.Ed25519PrivateKey.generate()
    device_id = device_id_of(private_key.public_key())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"spacedrive-{device_id[:16]}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, (name or "Spacedrive")[:64]),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CERT_YEARS))
        # A self-signed certificate is its own trust anchor when pinned in a TLS trust store.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(f"{device_id[:32]}.spacedrive.invalid")]),
            critical=False,
        )
        .sign(private_key, None)
    )
    if password:
        key_bytes = _seal(private_key, password)
    else:
        key_bytes = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    write_bytes_atomic(key_path, key_bytes, mode=0o600)
    write_bytes_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return Identity(private_key, cert, device_id, key_path, cert_path)


def load(data_dir: Path, password: str | None = None) -> Identity:
    """Read the identity. ``password`` defaults to ``$SPACEDRIVE_KEY_PASSWORD``."""
    key_path, cert_path = identity_paths(data_dir)
    if not exists(data_dir):
        raise IdentityError(f"no network identity in {key_path.parent}; run `spacedrive network init`")
    if password is None:
        password = os.environ.get(PASSWORD_ENV) or None
    try:
        key_bytes = key_path.read_bytes()
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as e:
        raise IdentityError(f"network identity in {key_path.parent} is unreadable: {e}") from e
    encrypted = key_bytes.startswith(SEALED_HEADER)
    if encrypted and not password:
        raise KeyLocked(
            f"the network key is protected by a password; set ${PASSWORD_ENV} or enter it when asked",
            wrong=False,
        )
    try:
        if encrypted:
            assert password is not None
            key: object = _unseal(key_bytes, password)
        else:
            key = serialization.load_pem_private_key(key_bytes, None)
    except InvalidTag as e:
        raise KeyLocked("wrong password for the network key", wrong=True) from e
    except (ValueError, TypeError, KeyError) as e:
        raise IdentityError(f"network key is unreadable: {e}") from e
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise IdentityError("network key is not an Ed25519 key")
    device_id = device_id_of(key.public_key())
    if device_id_of_cert(cert) != device_id:
        raise IdentityError(f"{cert_path} does not belong to {key_path}; the identity is inconsistent")
    return Identity(key, cert, device_id, key_path, cert_path)


def load_or_create(data_dir: Path, name: str, password: str | None = None) -> Identity:
    if exists(data_dir):
        return load(data_dir, password)
    return create(data_dir, name, password)
