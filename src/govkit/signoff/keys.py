"""Ed25519 keys for sign-off: making a key pair, loading keys, key ids, and a folder of trusted keys.

A private key is unencrypted PKCS8 PEM (mode 0600), a public key SubjectPublicKeyInfo PEM (``.pub``).
A key id is the hex sha256 of the raw 32-byte public key. Trust comes only from keys a verifier
controls (a trusted-keys file, ``govkit.signoff.trust``, or a folder of ``*.pub`` files), never from a
key an envelope names. ``cryptography`` loads inside the functions that need it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from govkit.errors import InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "TrustedKey",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "load_trusted_keys",
    "public_key_from_pem",
]


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key id govkit uses: hex sha256 of the raw 32-byte Ed25519 public key (64 hex characters)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


def _already_exists(path: Path) -> InputError:
    return InputError(f"{path}: already exists; govkit never overwrites a key file, choose another path")


def _write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode``; fail if anything is already there (no race, no overwrite)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise _already_exists(path) from None
    try:
        os.fchmod(handle, mode)  # the umask may have narrowed it; make it exact
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def generate_keypair(private_path: str | Path, public_path: str | Path | None = None) -> tuple[Path, Path, str]:
    """Create an Ed25519 key pair; return ``(private_path, public_path, key_id)``.

    The private key is written as unencrypted PKCS8 PEM with mode 0600; the public key as
    SubjectPublicKeyInfo PEM to ``public_path``, by default ``<private_path>.pub``. Missing parent
    folders are created. An existing file at either path is never overwritten: ``InputError`` names it.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private_path = Path(private_path)
    public_path = Path(public_path) if public_path is not None else private_path.with_name(private_path.name + ".pub")
    if private_path.resolve() == public_path.resolve():
        raise InputError(f"{private_path}: the private and public key need different paths")
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise _already_exists(path)

    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    _write_new_file(private_path, private_pem, 0o600)
    try:
        _write_new_file(public_path, public_pem, 0o644)
    except BaseException:
        private_path.unlink(missing_ok=True)  # half a key pair is no use to anyone
        raise
    return private_path, public_path, key_id(key.public_key())


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what} file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the {what}: {error.strerror or error}") from None


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Read an unencrypted Ed25519 private key in PEM (as ``generate_keypair`` writes it)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read_key_file(Path(path), "private key")
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        raise InputError(f"{path}: the private key is encrypted; govkit signs with unencrypted keys") from None
    except (ValueError, UnsupportedAlgorithm):
        raise InputError(
            f"{path}: not a PEM private key (is it the .pub file?); make a key pair with govkit keygen"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path}: not an Ed25519 private key; make a key pair with govkit keygen")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """Read an Ed25519 public key in SubjectPublicKeyInfo PEM (a ``.pub`` file from ``generate_keypair``)."""
    return public_key_from_pem(_read_key_file(Path(path), "public key"), str(path))


def public_key_from_pem(data: bytes, where: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM bytes; ``InputError`` names ``where`` when it is not one."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise InputError(f"{where}: not a PEM public key; trust the .pub file govkit keygen wrote") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{where}: not an Ed25519 public key; trust the .pub file govkit keygen wrote")
    return key


@dataclass(frozen=True)
class TrustedKey:
    """A public key the verifier trusts, the file it came from and, from a trusted-keys file, its holder.

    ``name`` and ``role`` are None for a key from a folder of ``*.pub`` files: such a key says nothing
    about who holds it.
    """

    keyid: str
    path: Path
    key: Ed25519PublicKey
    name: str | None = None
    role: str | None = None

    @property
    def holder(self) -> str | None:
        """``"Name (Role)"`` as the trusted-keys file records the holder, or None."""
        return f"{self.name} ({self.role})" if self.name is not None else None


def load_trusted_keys(directory: str | Path) -> dict[str, TrustedKey]:
    """Every ``*.pub`` PEM public key in ``directory`` (not recursive), by key id.

    Hidden files (``.cache.pub``) are never trusted: a tool or an editor may leave them there unseen.
    Raises ``InputError`` when the directory is missing, holds no ``*.pub`` file, or a ``*.pub`` file is
    not an Ed25519 public key. The same key in two files is listed once, from the first file by name.
    """
    directory = Path(directory)
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "not found"
        raise InputError(f"{directory}: trusted keys directory {what}")
    found: dict[str, TrustedKey] = {}
    for path in sorted(directory.glob("*.pub")):
        if path.name.startswith(".") or not path.is_file():
            continue
        key = load_public_key(path)
        found.setdefault(key_id(key), TrustedKey(key_id(key), path, key))
    if not found:
        raise InputError(f"{directory}: no *.pub public keys to trust; copy each signer's .pub file there")
    return found
