"""The verifier's trust: which keys it trusts, who holds each, and what it requires of the sign-offs.

A trusted-keys file (YAML, or JSON when its name ends in ``.json``) names every key by key id, with
its holder's name and role, and may set the trust policy::

    version: 1
    keys:
      - keyid: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        name: Alice Adams
        role: Chief Risk Officer
        public_key: keys/alice.pem.pub      # a .pub file, relative to this file ...
      - keyid: 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
        name: Bob Brown
        role: Head of Compliance
        public_key: |                       # ... or the PEM text itself
          -----BEGIN PUBLIC KEY-----
          MCowBQYDK2VwAyEA...
          -----END PUBLIC KEY-----
    policy:                                 # every setting optional; the defaults are shown
      approvals: 1                          # distinct trusted keys whose approval counts
      required_roles: []                    # each needs an approval by a key whose holder has the role
      later_approval_supersedes_rejection: false   # a key's later approval replaces its earlier reject
      require_pass: false                   # approving an audit that did not pass needs an override reason

The key id must be the sha256 of the key (``govkit keygen`` prints it), so a copied key that does not
match is caught when the file is read. Identity comes from this file: a sign-off counts only when the
name and role its signer claims are exactly those recorded for the key that verified it. Names and
roles may not contain bidi overrides, zero-width or control characters.

A folder of ``*.pub`` files still works, for verification without identities: each key is trusted,
the names in the sign-offs are shown as unchecked claims, and ``required_roles`` cannot be used.
Hidden files (``.cache.pub``) are never trusted. Options given to ``verify`` can only make the policy
stricter: more approvals, more required roles, ``require_pass`` on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, field_validator

from govkit.attestation import unsafe_characters
from govkit.errors import InputError
from govkit.signoff.keys import TrustedKey, key_id, load_public_key, load_trusted_keys, public_key_from_pem

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = ["Trust", "TrustPolicy", "check_holder_text", "load_trust"]


@dataclass(frozen=True)
class TrustPolicy:
    """What ``verify`` requires beyond valid signatures; see the module docstring for each setting."""

    approvals: int = 1
    required_roles: tuple[str, ...] = ()
    supersede_rejections: bool = False
    require_pass: bool = False

    def describe(self) -> str:
        """The policy in one line, for ``verify``'s output."""
        roles = ", ".join(self.required_roles) or "none"
        return (
            f"{self.approvals} approval(s) by distinct trusted keys; required roles: {roles};"
            f" a later approval supersedes the same key's rejection: {'yes' if self.supersede_rejections else 'no'};"
            f" approving an audit that did not pass needs an override: {'yes' if self.require_pass else 'no'}"
        )


@dataclass(frozen=True)
class Trust:
    """Trusted keys by key id, the policy, and where they came from.

    ``identities`` is True when the keys come from a trusted-keys file that names each holder.
    """

    keys: dict[str, TrustedKey]
    policy: TrustPolicy
    source: Path
    identities: bool

    @property
    def label(self) -> str:
        """How reasons name the trusted keys, e.g. ``the trusted keys in trusted/``."""
        return f"the trusted keys in {self.source}"


def check_holder_text(value: Any, what: str) -> str:
    """``value`` stripped, if it is one line of visible text; ``InputError`` naming ``what`` otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InputError(f"{what} is empty; give it")
    if "\n" in text or "\r" in text:
        raise InputError(f"{what} must be one line")
    hidden = unsafe_characters(text)
    if hidden:
        raise InputError(
            f"{what} contains invisible or control characters ({', '.join(hidden)}): they can disguise"
            " a name in the report and in verify's output; type it plainly"
        )
    return text


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _KeyRecord(_Entry):
    keyid: str = Field(pattern=r"^[0-9a-f]{64}$")
    name: str
    role: str
    public_key: str

    @field_validator("name", "role")
    @classmethod
    def _plain(cls, value: str) -> str:
        try:
            return check_holder_text(value, "the text")
        except InputError as error:
            raise ValueError(str(error).removeprefix("the text ")) from None


class _PolicyRecord(_Entry):
    approvals: StrictInt = Field(default=1, ge=1)
    required_roles: list[str] = Field(default_factory=list)
    later_approval_supersedes_rejection: StrictBool = False
    require_pass: StrictBool = False


class _TrustFile(_Entry):
    version: Literal[1]
    keys: list[_KeyRecord] = Field(min_length=1)
    policy: _PolicyRecord = Field(default_factory=_PolicyRecord)


def load_trust(
    path: str | Path,
    *,
    approvals: int | None = None,
    required_roles: Sequence[str] = (),
    require_pass: bool = False,
) -> Trust:
    """The trust a verifier declared in ``path``: a trusted-keys file, or a folder of ``*.pub`` keys.

    ``approvals``, ``required_roles`` and ``require_pass`` tighten the file's policy (never loosen
    it). Raises ``InputError`` naming the file and the entry for anything unusable.
    """
    path = Path(path)
    if path.is_dir():
        trust = Trust(load_trusted_keys(path), TrustPolicy(), path, identities=False)
    elif path.is_file():
        trust = _load_file(path)
    else:
        raise InputError(f"{path}: trusted keys not found; give a trusted-keys file or a folder of *.pub keys")
    return _tightened(trust, approvals, required_roles, require_pass)


def _tightened(trust: Trust, approvals: int | None, required_roles: Sequence[str], require_pass: bool) -> Trust:
    if approvals is not None and approvals < 1:
        raise InputError(f"--approvals must be at least 1, not {approvals}")
    policy = trust.policy
    roles = tuple(dict.fromkeys([*policy.required_roles, *(r.strip() for r in required_roles)]))
    if roles and not trust.identities:
        raise InputError(
            f"{trust.source}: a folder of *.pub keys says nothing about roles; required roles need a"
            " trusted-keys file that names each key's holder and role"
        )
    held = {record.role for record in trust.keys.values()}
    unheld = [role for role in roles if role not in held]
    if unheld:
        raise InputError(f"{trust.source}: no trusted key is held by a {', '.join(unheld)}, so it could never approve")
    policy = replace(
        policy,
        approvals=max(policy.approvals, approvals or 0),
        required_roles=roles,
        require_pass=policy.require_pass or require_pass,
    )
    return replace(trust, policy=policy)


def _load_file(path: Path) -> Trust:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the trusted keys: {error}") from None
    data = _parse(path, text)
    try:
        record = _TrustFile.model_validate(data)
    except ValidationError as error:
        problems = [_located(problem) for problem in error.errors(include_url=False)]
        raise InputError(f"{path}: {'; '.join(problems)}") from None
    keys: dict[str, TrustedKey] = {}
    for number, entry in enumerate(record.keys):
        where = f"{path}: keys[{number}]"
        key, source = _public_key(path, entry.public_key, where)
        actual = key_id(key)
        if actual != entry.keyid:
            raise InputError(f"{where}: keyid {entry.keyid} does not match the public key (its key id is {actual})")
        if actual in keys:
            raise InputError(f"{where}: key {actual} is listed twice; a key has one holder")
        keys[actual] = TrustedKey(actual, source, key, name=entry.name, role=entry.role)
    policy = record.policy
    trust_policy = TrustPolicy(
        approvals=policy.approvals,
        required_roles=tuple(role.strip() for role in policy.required_roles),
        supersede_rejections=policy.later_approval_supersedes_rejection,
        require_pass=policy.require_pass,
    )
    return Trust(keys, trust_policy, path, identities=True)


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}: not valid JSON (line {error.lineno}: {error.msg})") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InputError(f"{path}: not valid YAML{where}: {getattr(error, 'problem', None) or error}") from None


def _public_key(path: Path, value: str, where: str) -> tuple[Any, Path]:
    """The key in a record's ``public_key``: PEM text, or a file relative to the trusted-keys file."""
    if "-----BEGIN" in value:
        return public_key_from_pem(value.strip().encode("ascii", "replace") + b"\n", f"{where}.public_key"), path
    key_file = (path.parent / value.strip()).resolve()
    try:
        return load_public_key(key_file), key_file
    except InputError as error:
        raise InputError(f"{where}.public_key: {error}") from None


def _located(problem: ErrorDetails) -> str:
    loc = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"]).lstrip(".")
    message = problem["msg"].removeprefix("Value error, ")
    if problem["type"] == "string_pattern_mismatch":
        message = "must be the key's 64 hex-digit key id (govkit keygen prints it)"
    elif problem["type"] == "literal_error" and loc == "version":
        message = "must be 1"
    elif problem["type"] == "missing":
        message = "is missing"
    elif problem["type"] == "extra_forbidden":
        message = "is not a setting govkit knows (check the spelling)"
    return f"{loc or 'the file'}: {message}"
