"""Sign-off bound to exactly what was audited: Ed25519 keys, DSSE envelopes, in-toto statements.

A reviewer signs an in-toto Statement v1 whose subjects are ``results.json``, the report *as audited*
(rendered without any sign-off) and every file recorded in ``RunResult.provenance.files`` (current and
reference data, model, policy), each by sha256. The statement travels in a DSSE envelope; envelopes
from every reviewer accumulate in the sidecar ``signoff.dsse.json`` beside ``results.json``. ``verify``
trusts only the public keys in a folder the verifier controls and reports every problem as one line.

The modules, one job each: ``keys`` (Ed25519 key pairs, key ids, the trusted-keys folder), ``dsse``
(the envelope: PAE, sign, verify), ``statement`` (the statement as pydantic models), ``sidecar``
(reading and writing ``signoff.dsse.json``), ``verification`` (every check of ``verify``) and
``protocol`` (``sign_off`` and ``verify`` as a reviewer and a pipeline run them).

The names below load on first use, so ``import govkit.signoff`` imports neither ``cryptography`` nor
pydantic. No printing, no ``sys.exit``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "DECISIONS",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "SIDECAR_NAME",
    "STATEMENT_TYPE",
    "SignOff",
    "SignatureError",
    "Statement",
    "TrustedKey",
    "VerifyOutcome",
    "dsse_sign",
    "dsse_verify",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "load_trusted_keys",
    "pae",
    "parse_statement",
    "read_signoffs",
    "sidecar_path",
    "sign_off",
    "sign_results",
    "statement_bytes",
    "verify",
    "verify_signoffs",
]

if TYPE_CHECKING:
    from govkit.attestation import DECISIONS, SignOff
    from govkit.signoff.dsse import SignatureError, dsse_sign, dsse_verify, pae
    from govkit.signoff.keys import (
        TrustedKey,
        generate_keypair,
        key_id,
        load_private_key,
        load_public_key,
        load_trusted_keys,
    )
    from govkit.signoff.protocol import sign_off, sign_results, verify
    from govkit.signoff.sidecar import SIDECAR_NAME, read_signoffs, sidecar_path
    from govkit.signoff.statement import (
        PAYLOAD_TYPE,
        PREDICATE_TYPE,
        STATEMENT_TYPE,
        Statement,
        parse_statement,
        statement_bytes,
    )
    from govkit.signoff.verification import VerifyOutcome, verify_signoffs

_HOME = {
    "DECISIONS": "govkit.attestation",
    "SignOff": "govkit.attestation",
    "SignatureError": "govkit.signoff.dsse",
    "dsse_sign": "govkit.signoff.dsse",
    "dsse_verify": "govkit.signoff.dsse",
    "pae": "govkit.signoff.dsse",
    "TrustedKey": "govkit.signoff.keys",
    "generate_keypair": "govkit.signoff.keys",
    "key_id": "govkit.signoff.keys",
    "load_private_key": "govkit.signoff.keys",
    "load_public_key": "govkit.signoff.keys",
    "load_trusted_keys": "govkit.signoff.keys",
    "sign_off": "govkit.signoff.protocol",
    "sign_results": "govkit.signoff.protocol",
    "verify": "govkit.signoff.protocol",
    "SIDECAR_NAME": "govkit.signoff.sidecar",
    "read_signoffs": "govkit.signoff.sidecar",
    "sidecar_path": "govkit.signoff.sidecar",
    "PAYLOAD_TYPE": "govkit.signoff.statement",
    "PREDICATE_TYPE": "govkit.signoff.statement",
    "STATEMENT_TYPE": "govkit.signoff.statement",
    "Statement": "govkit.signoff.statement",
    "parse_statement": "govkit.signoff.statement",
    "statement_bytes": "govkit.signoff.statement",
    "VerifyOutcome": "govkit.signoff.verification",
    "verify_signoffs": "govkit.signoff.verification",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'govkit.signoff' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
