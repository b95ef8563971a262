"""DSSE v1 envelopes (https://github.com/secure-systems-lab/dsse, protocol v1) with Ed25519 signatures.

An envelope is ``{"payload": <base64 body>, "payloadType": <type>, "signatures": [{"keyid", "sig"}]}``;
each signature covers the Pre-Authentication Encoding (``pae``) of the type and the body, never the
JSON around them. This module knows nothing of what the payload says: the in-toto statement inside is
``govkit.signoff.statement``'s business. ``cryptography`` loads inside the functions that need it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from govkit.errors import GovkitError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["SignatureError", "b64decode", "b64encode", "dsse_sign", "dsse_verify", "pae"]


class SignatureError(GovkitError):
    """A DSSE envelope that does not verify; ``str(error)`` is the one-line reason."""


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1 Pre-Authentication Encoding: the exact bytes a signature covers.

    ``"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``, where ``type`` is UTF-8 and LEN is the
    byte length in ASCII decimal.
    """
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(body), body)


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, as govkit writes payloads and signatures."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: Any, what: str) -> bytes:
    """Standard or URL-safe base64, with or without padding (DSSE verifiers must accept either).

    ``SignatureError`` names ``what`` when ``text`` is not base64.
    """
    if not isinstance(text, str):
        raise SignatureError(f"{what} is not a base64 string")
    normalised = text.strip().replace("-", "+").replace("_", "/")
    normalised += "=" * (-len(normalised) % 4)
    try:
        return base64.b64decode(normalised, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what} is not valid base64") from None


def dsse_sign(
    body: bytes, private_key: Ed25519PrivateKey, payload_type: str, keyid: str | None = None
) -> dict[str, Any]:
    """A DSSE envelope holding ``body`` and one Ed25519 signature over ``pae(payload_type, body)``.

    ``keyid`` defaults to ``govkit.signoff.keys.key_id`` of the signing key's public half.
    """
    from govkit.signoff.keys import key_id

    signature = private_key.sign(pae(payload_type, body))
    return {
        "payload": b64encode(body),
        "payloadType": payload_type,
        "signatures": [{"keyid": keyid or key_id(private_key.public_key()), "sig": b64encode(signature)}],
    }


def _unpack(envelope: Any) -> tuple[str, bytes, list[Any]]:
    """The envelope's payloadType, decoded payload and signature entries; ``SignatureError`` if malformed."""
    if not isinstance(envelope, Mapping):
        raise SignatureError("envelope is not a JSON object")
    payload_type = envelope.get("payloadType")
    if not isinstance(payload_type, str):
        raise SignatureError("envelope has no payloadType")
    body = b64decode(envelope.get("payload"), "payload")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise SignatureError("envelope has no signatures")
    return payload_type, body, signatures


def _check_signature(
    entry: Any, message: bytes, trusted_keys: Mapping[str, Ed25519PublicKey], keys_label: str
) -> tuple[str | None, str | None]:
    """``(trusted key id that verified, None)`` or ``(None, one-line problem)`` for one signature entry.

    A keyid narrows the candidates to that trusted key; an entry without keyid tries every trusted key.
    The keyid is only a hint: the key itself always comes from ``trusted_keys``.
    """
    from cryptography.exceptions import InvalidSignature

    if not isinstance(entry, Mapping):
        return None, "a signature entry is not a JSON object"
    keyid = entry.get("keyid")
    if keyid is not None and not isinstance(keyid, str):
        return None, "a signature has a keyid that is not a string"
    try:
        signature = b64decode(entry.get("sig"), "sig")
    except SignatureError as error:
        return None, f"signature by key {keyid}: {error}" if keyid else str(error)
    if keyid and keyid not in trusted_keys:
        return None, f"key {keyid} is not among {keys_label}"
    for candidate in [keyid] if keyid else list(trusted_keys):
        try:
            trusted_keys[candidate].verify(signature, message)
        except InvalidSignature:
            continue
        return candidate, None
    if keyid:
        return None, f"signature by key {keyid} does not verify: the envelope was altered after signing"
    return None, f"a signature without keyid verifies with none of {keys_label}"


def dsse_verify(
    envelope: Mapping[str, Any],
    trusted_keys: Mapping[str, Ed25519PublicKey],
    *,
    supported_types: Collection[str],
    threshold: int = 1,
    require_all: bool = False,
    keys_label: str = "the trusted keys",
) -> tuple[bytes, list[str]]:
    """Check a DSSE envelope against trusted keys; return ``(payload bytes, accepted key ids)``.

    Follows DSSE protocol v1: each signature is checked over the PAE of the envelope's own payloadType
    and decoded payload, only with keys from ``trusted_keys``. The envelope is accepted when at least
    ``threshold`` unique trusted keys verify and its payloadType is one of ``supported_types``; with
    ``require_all`` every signature in it must verify too. Raises ``SignatureError`` with a one-line
    reason otherwise (several problems joined by ``"; "``).
    """
    payload_type, body, signatures = _unpack(envelope)
    message = pae(payload_type, body)
    accepted: list[str] = []
    problems: list[str] = []
    for entry in signatures:
        verified_by, problem = _check_signature(entry, message, trusted_keys, keys_label)
        if problem is not None:
            problems.append(problem)
        elif verified_by is not None and verified_by not in accepted:
            accepted.append(verified_by)  # one key signing twice still counts once towards the threshold

    if len(accepted) < threshold or (require_all and problems):
        if not problems:
            problems.append(f"only {len(accepted)} of the {threshold} required trusted keys signed")
        raise SignatureError("; ".join(problems))
    # Checked after the signatures, as the protocol says: an unsupported type is refused, not just unsigned.
    if payload_type not in supported_types:
        raise SignatureError(f"payloadType {payload_type!r} is not supported (expected {', '.join(supported_types)})")
    return body, accepted
