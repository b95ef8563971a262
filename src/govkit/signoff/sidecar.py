"""The sidecar ``signoff.dsse.json`` beside ``results.json``: every reviewer's envelope, in signing order.

::

    {"envelopes": [
        {"payload": "<base64 statement>", "payloadType": "application/vnd.in-toto+json",
         "signatures": [{"keyid": "<hex sha256 of the raw 32-byte public key>", "sig": "<base64>"}]},
        ...
    ]}

Reading it gives the sign-offs as CLAIMS (``verified=False``): good enough to show in a report, never
to decide on; ``govkit.signoff.verification`` decides. Writing is atomic (temporary file, then rename).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govkit.attestation import SignOff
from govkit.errors import InputError

__all__ = [
    "SIDECAR_NAME",
    "claimed_signoff",
    "read_envelopes",
    "read_signoffs",
    "sidecar_path",
    "write_envelopes",
]

SIDECAR_NAME = "signoff.dsse.json"


def sidecar_path(results_path: str | Path) -> Path:
    """Where the sign-offs for ``results_path`` live: ``signoff.dsse.json`` in the same folder."""
    return Path(results_path).parent / SIDECAR_NAME


def read_envelopes(sidecar: Path) -> list[Any]:
    """The envelopes in a sidecar (``[]`` when there is none); ``InputError`` when it is malformed.

    The entries are returned as found, unchecked: a verifier must be able to report a broken one.
    """
    try:
        text = sidecar.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{sidecar}: cannot read the sign-offs: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{sidecar}: not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("envelopes"), list):
        raise InputError(f'{sidecar}: expected a JSON object {{"envelopes": [...]}}')
    envelopes: list[Any] = data["envelopes"]
    return envelopes


def write_envelopes(sidecar: Path, envelopes: Sequence[Any]) -> Path:
    """Replace the sidecar with ``envelopes``, atomically: a reader sees the old list or the new one."""
    from govkit.outputs import write_text_atomic

    return write_text_atomic(sidecar, json.dumps({"envelopes": list(envelopes)}, indent=2, ensure_ascii=False) + "\n")


def _first_keyid(envelope: Mapping[str, Any]) -> str:
    signatures = envelope.get("signatures")
    if isinstance(signatures, list) and signatures and isinstance(signatures[0], Mapping):
        keyid = signatures[0].get("keyid")
        if isinstance(keyid, str):
            return keyid
    return ""


def claimed_signoff(envelope: dict[str, Any]) -> SignOff:
    """What an envelope's statement claims, WITHOUT checking its signature or payloadType (display only).

    ``ValueError`` with a one-line reason when the payload is not a govkit sign-off statement.
    """
    from govkit.signoff.dsse import SignatureError, b64decode
    from govkit.signoff.statement import parse_statement, to_signoff

    try:
        body = b64decode(envelope.get("payload"), "payload")
    except SignatureError as error:
        raise ValueError(str(error)) from None
    return to_signoff(parse_statement(body), keyid=_first_keyid(envelope), envelope=envelope)


def read_signoffs(results_path: str | Path) -> list[SignOff]:
    """The sign-offs beside ``results_path``, in signing order, for display. NOT verified.

    Signatures, trust in keys, expiry and file hashes are not checked here (every record has
    ``verified=False``); the report shows them as claims and ``verify`` decides. A missing sidecar
    gives ``[]``; a malformed one raises ``InputError`` naming the envelope.
    """
    sidecar = sidecar_path(results_path)
    records = []
    for number, envelope in enumerate(read_envelopes(sidecar), start=1):
        if not isinstance(envelope, dict):
            raise InputError(f"{sidecar}: envelope #{number} is not a JSON object")
        try:
            records.append(claimed_signoff(envelope))
        except ValueError as error:
            raise InputError(f"{sidecar}: envelope #{number}: {error}") from None
    return records
