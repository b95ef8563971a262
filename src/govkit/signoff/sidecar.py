"""The sign-off log ``signoff.dsse.json`` beside ``results.json``: every reviewer's envelope, in signing order.

::

    {"envelopes": [
        {"payload": "<base64 statement>", "payloadType": "application/vnd.in-toto+json",
         "signatures": [{"keyid": "<hex sha256 of the raw 32-byte public key>", "sig": "<base64>"}]},
        ...
    ]}

The log is append-only and hash-chained (``govkit.signoff.chain``): each statement binds the digest
of the entry before it. Whoever appends holds ``log_lock`` (an exclusive lock on
``signoff.dsse.json.lock`` beside it: ``fcntl`` on Linux and macOS) from reading the log to writing it,
and writes atomically (a temporary file, then rename), so signers at the same moment all keep their
entries and a reader sees the old log or the new one, never half of one.

Reading gives the sign-offs as CLAIMS (state "not verified"): good enough to show in a report, never
to decide on; ``govkit.signoff.assess`` and ``govkit.signoff.verification`` decide.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from govkit.attestation import SignOff
from govkit.errors import InputError

__all__ = [
    "SIDECAR_NAME",
    "claimed_signoff",
    "log_lock",
    "read_envelopes",
    "sidecar_path",
    "write_envelopes",
]

SIDECAR_NAME = "signoff.dsse.json"
LOCK_SUFFIX = ".lock"


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


def claimed_signoff(envelope: dict[str, Any], position: int = 1) -> SignOff:
    """What an envelope's statement claims, WITHOUT checking its signature or payloadType (display only).

    ``position`` is the envelope's place in the log. ``ValueError`` with a one-line reason when the
    payload is not a govkit sign-off statement.
    """
    from govkit.signoff.chain import entry_digest
    from govkit.signoff.dsse import SignatureError, b64decode
    from govkit.signoff.statement import parse_statement, to_signoff

    try:
        body = b64decode(envelope.get("payload"), "payload")
    except SignatureError as error:
        raise ValueError(str(error)) from None
    return to_signoff(
        parse_statement(body),
        keyid=_first_keyid(envelope),
        envelope=envelope,
        digest=entry_digest(body),
        position=position,
    )


@contextmanager
def log_lock(sidecar: Path) -> Iterator[None]:
    """Hold the exclusive lock on ``sidecar``'s log: one writer at a time, waiting for its turn.

    The lock is on ``<sidecar>.lock`` (created if missing, never deleted: deleting a lock file lets two
    writers lock two different files). It is released when the block ends or the process dies.
    """
    sidecar.parent.mkdir(parents=True, exist_ok=True)
    lock_path = sidecar.with_name(sidecar.name + LOCK_SUFFIX)
    try:
        handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise InputError(f"{lock_path}: cannot open the sign-off lock: {error.strerror or error}") from None
    try:
        _lock(handle)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def _lock(handle: int) -> None:
    if sys.platform == "win32":  # no fcntl: msvcrt locks the first byte, retrying for about 10 seconds
        import msvcrt

        msvcrt.locking(handle, msvcrt.LK_LOCK, 1)
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)
