"""Sign-off bound to exactly what was audited: Ed25519 keys, DSSE envelopes, in-toto statements, one log.

A reviewer signs an in-toto Statement v1 whose subjects are ``results.json``, the report *as audited*
(rendered without any sign-off) and every file recorded in ``RunResult.provenance.files`` (current and
reference data, model, policy), each by sha256. The statement travels in a DSSE envelope; the
envelopes of every reviewer form one append-only, hash-chained log, ``signoff.dsse.json`` beside
``results.json``: each statement binds the digest of the entry before it, so a deleted, reordered or
inserted entry breaks a link, and writers take a lock so that none is lost. ``verify`` trusts only
the keys the verifier names (a trusted-keys file giving each key's holder and role, and the trust
policy: how many approvals, which roles, whether a later approval supersedes a rejection, whether a
failed audit may be approved only as an override), takes identity from that file and never from an
envelope, reports every problem as one line, and says what it verified.

The modules, one job each: ``keys`` (Ed25519 key pairs, key ids, a folder of ``*.pub``), ``trust``
(the trusted-keys file and the trust policy), ``dsse`` (the envelope: PAE, sign, verify),
``statement`` (the statement as pydantic models), ``chain`` (the hash chain and its gaps),
``sidecar`` (reading, locking and writing the log), ``assess`` (each sign-off's state),
``decide`` (the trust policy applied), ``request`` (what a signer asks, checked), ``verification``
(every check of ``verify``) and ``protocol`` (``sign_off`` and ``verify`` as a reviewer and a
pipeline run them).

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
    "STATES",
    "SignOff",
    "SignatureError",
    "Statement",
    "Trust",
    "TrustPolicy",
    "TrustedKey",
    "VerifyOutcome",
    "assess_signoffs",
    "dsse_sign",
    "dsse_verify",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "load_trust",
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
    from govkit.attestation import DECISIONS, STATES, SignOff
    from govkit.signoff.assess import assess_signoffs, read_signoffs
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
    from govkit.signoff.sidecar import SIDECAR_NAME, sidecar_path
    from govkit.signoff.statement import (
        PAYLOAD_TYPE,
        PREDICATE_TYPE,
        STATEMENT_TYPE,
        Statement,
        parse_statement,
        statement_bytes,
    )
    from govkit.signoff.trust import Trust, TrustPolicy, load_trust
    from govkit.signoff.verification import VerifyOutcome, verify_signoffs

_HOME = {
    "DECISIONS": "govkit.attestation",
    "STATES": "govkit.attestation",
    "SignOff": "govkit.attestation",
    "assess_signoffs": "govkit.signoff.assess",
    "read_signoffs": "govkit.signoff.assess",
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
    "sidecar_path": "govkit.signoff.sidecar",
    "PAYLOAD_TYPE": "govkit.signoff.statement",
    "PREDICATE_TYPE": "govkit.signoff.statement",
    "STATEMENT_TYPE": "govkit.signoff.statement",
    "Statement": "govkit.signoff.statement",
    "parse_statement": "govkit.signoff.statement",
    "statement_bytes": "govkit.signoff.statement",
    "Trust": "govkit.signoff.trust",
    "TrustPolicy": "govkit.signoff.trust",
    "load_trust": "govkit.signoff.trust",
    "VerifyOutcome": "govkit.signoff.verification",
    "verify_signoffs": "govkit.signoff.verification",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'govkit.signoff' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
