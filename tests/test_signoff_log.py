"""The sign-off log: append-only, hash-chained, locked. Deleting, reordering, inserting or truncating is seen.

Issue 15: "A signed rejection can be deleted" and "two reviewers signing at the same moment can lose one
envelope". Each test here fails on the code before the log was chained (a0a357d).
"""

from __future__ import annotations

import base64
import itertools
import json
import multiprocessing
import shutil
from pathlib import Path

import pytest

from govkit.errors import InputError
from govkit.signoff import SIDECAR_NAME, generate_keypair, read_signoffs, sign_results, verify_signoffs
from test_signing import NOW, Audit, sha

SIGNERS = 8
ROUNDS = 4


@pytest.fixture
def audit(tmp_path: Path) -> Audit:
    return Audit(tmp_path)


@pytest.fixture
def signed(audit: Audit) -> Audit:
    """Alice signed off the audit."""
    audit.alice, _ = audit.person("alice")
    audit.sign(audit.alice)
    audit.publish()
    return audit


def envelopes(audit: Audit) -> list[dict]:
    return json.loads((audit.out / SIDECAR_NAME).read_text())["envelopes"]


def rewrite(audit: Audit, entries: list[dict]) -> None:
    """Write the log as an attacker would, and re-render the report to match (as govkit render would)."""
    (audit.out / SIDECAR_NAME).write_text(json.dumps({"envelopes": entries}, indent=2))
    audit.publish()


def digest(envelope: dict) -> str:
    return sha(base64.b64decode(envelope["payload"]))


@pytest.fixture
def four(audit: Audit) -> Audit:
    """Four trusted reviewers signed in turn: Alice approves, Bob rejects, Carol and Dan approve."""
    for person, name, decision in (
        ("alice", "Alice Adams", "approve"),
        ("bob", "Bob Brown", "reject"),
        ("carol", "Carol Chen", "approve"),
        ("dan", "Dan Dahl", "approve"),
    ):
        key, _ = audit.person(person)
        audit.sign(key, name, "Reviewer", decision=decision)
    audit.publish()
    return audit


# ---------------------------------------------------------------------------------------------
# The chain: what each entry binds
# ---------------------------------------------------------------------------------------------


def test_each_entry_binds_the_digest_of_the_one_before(four: Audit) -> None:
    records = read_signoffs(four.results)
    assert [r.index for r in records] == [1, 2, 3, 4]
    assert records[0].previous is None
    for before, after in itertools.pairwise(records):
        assert after.previous == before.digest
    assert [r.digest for r in records] == [digest(e) for e in envelopes(four)]
    assert all(r.state == "not verified" for r in records)  # no trusted keys: claims, not approvals


@pytest.mark.parametrize("deleted", [1, 2, 3])
def test_deleting_an_entry_fails_verify_naming_the_gap(four: Audit, deleted: int) -> None:
    entries = envelopes(four)
    rewrite(four, [e for n, e in enumerate(entries, 1) if n != deleted])
    outcome = four.verify()
    assert not outcome.ok
    start = "the start of the log" if deleted == 1 else f"sign-off #{deleted - 1}"
    gap = [r for r in outcome.reasons if r.startswith("the log has a gap")]
    assert gap == [
        f"the log has a gap between {start} and sign-off #{deleted}: entry #{deleted} (1 entry) missing;"
        f" sign-off #{deleted} (signed as entry #{deleted + 1}) binds a previous entry with sha256"
        f" {digest(entries[deleted - 1])[:16]}… that is not in the log: an entry was deleted"
    ]
    assert outcome.records[deleted - 1].state == "broken chain"


def test_deleting_a_rejection_between_approvals_fails(audit: Audit) -> None:
    """The issue's attack: delete the second reviewer's reject; the approvals around it are still signed."""
    for person, name, decision in (
        ("alice", "Alice", "approve"),
        ("bob", "Bob", "reject"),
        ("carol", "Carol", "approve"),
    ):
        key, _ = audit.person(person)
        audit.sign(key, name, "Reviewer", decision=decision)
    audit.publish()
    assert not audit.verify().ok  # Bob's reject stands
    entries = envelopes(audit)
    rewrite(audit, [entries[0], entries[2]])
    outcome = audit.verify()
    assert not outcome.ok
    assert any("entry #2 (1 entry) missing" in reason for reason in outcome.reasons), outcome.reasons


def test_deleting_two_entries_names_both(four: Audit) -> None:
    entries = envelopes(four)
    rewrite(four, [entries[0], entries[3]])
    [gap] = [r for r in four.verify().reasons if r.startswith("the log has a gap")]
    assert "entries #2–#3 (2 entries) missing" in gap


def test_truncating_the_end_is_seen_with_the_pinned_head(four: Audit) -> None:
    entries = envelopes(four)
    head = digest(entries[-1])
    assert [r for r in four.verify(head=head).reasons if "head" in r] == []
    rewrite(four, entries[:2])
    outcome = four.verify(head=head)
    assert outcome.reasons[0] == (
        f"the log ends at sign-off #2 (sha256 {digest(entries[1])[:16]}…) and has no entry with the expected head"
        f" sha256 {head[:16]}…: entries were removed from its end, or the log was replaced"
    )
    # without a pinned head, the shorter log is still a valid chain: verify says which head it checked
    assert f"log: 2 entries, head sha256 {digest(entries[1])}" in four.verify().summary


def test_reordering_entries_fails(four: Audit) -> None:
    entries = envelopes(four)
    rewrite(four, [entries[0], entries[2], entries[1], entries[3]])
    reasons = four.verify().reasons
    assert "sign-off #2 was signed after the entry now at position #3: the entries were reordered" in reasons
    rewrite(four, [entries[1], entries[0], *entries[2:]])
    reasons = four.verify().reasons
    assert "sign-off #1 was signed after the entry now at position #2: the entries were reordered" in reasons
    assert (
        "sign-off #2 was signed as the first entry of a log, yet entries come before it:"
        " the log was reordered or joined from two logs"
    ) in reasons


def test_an_inserted_entry_is_seen(four: Audit) -> None:
    mallory, _ = four.person("mallory", trusted=False)
    four.sign(mallory, "Mallory", "Reviewer")  # appended, chained to Dan's entry: only its key is wrong
    entries = envelopes(four)
    rewrite(four, [entries[0], entries[4], *entries[1:4]])
    reasons = four.verify().reasons
    assert "sign-off #3 was signed right after sign-off #1: the 1 entry between them were inserted later" in reasons
    assert any(r.startswith("sign-off #2 by Mallory (Reviewer) (unverified claim): key ") for r in reasons)


def test_an_unchained_entry_from_older_govkit_is_refused(signed: Audit) -> None:
    """A sign-off without a place in the log could be dropped unseen: verify refuses it, signing onto it too."""
    from govkit.signoff.dsse import dsse_sign
    from govkit.signoff.keys import load_private_key
    from govkit.signoff.statement import PAYLOAD_TYPE

    [envelope] = envelopes(signed)
    statement = json.loads(base64.b64decode(envelope["payload"]))
    del statement["predicate"]["chain"]
    body = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    rewrite(signed, [dsse_sign(body, load_private_key(signed.alice), PAYLOAD_TYPE)])
    outcome = signed.verify()
    assert not outcome.ok
    assert outcome.reasons == [
        "sign-off #1 is not chained to the entries before it (signed by a govkit older than the hash-chained log),"
        " so its deletion or reordering could not be seen; sign the audit again",
        "0 of the 1 approval(s) the trust policy requires, by distinct trusted keys",
    ]
    bob, _ = signed.person("bob")
    with pytest.raises(InputError, match="the sign-off log was altered"):
        signed.sign(bob, "Bob Brown", "Head of Compliance")


def test_signing_onto_an_altered_log_is_refused(four: Audit) -> None:
    entries = envelopes(four)
    rewrite(four, [entries[0], *entries[2:]])
    before = (four.out / SIDECAR_NAME).read_bytes()
    erin, _ = four.person("erin")
    with pytest.raises(InputError) as caught:
        four.sign(erin, "Erin", "Reviewer")
    assert "the sign-off log was altered (the log has a gap between sign-off #1 and sign-off #2" in str(caught.value)
    assert (four.out / SIDECAR_NAME).read_bytes() == before


# ---------------------------------------------------------------------------------------------
# Writers at the same moment: a lock, and atomic writes
# ---------------------------------------------------------------------------------------------


def _signer(barrier, results: list[str], key: str, number: int, unsigned_sha: str, protocol: bool) -> None:
    """One reviewer's process: wait for the others, then sign every round's audit at the same moment."""
    from govkit.signoff import sign_off, sign_results

    for path in results:
        barrier.wait(timeout=120)
        if protocol:
            sign_off(path, key, f"Reviewer {number}", "Reviewer", "approve", now=NOW)
        else:
            sign_results(path, unsigned_sha, key, f"Reviewer {number}", "Reviewer", "approve", now=NOW)


def _race(tmp_path: Path, audits: list[Audit], protocol: bool) -> Path:
    """SIGNERS processes sign each audit in ``audits`` at once; returns the folder of their public keys."""
    trusted = tmp_path / "race-trusted"
    trusted.mkdir()
    keys = []
    for number in range(SIGNERS):
        private, public, _ = generate_keypair(tmp_path / "race-keys" / f"r{number}.pem")
        shutil.copy(public, trusted / f"r{number}.pub")
        keys.append(str(private))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(SIGNERS)
    paths = [str(a.results) for a in audits]
    unsigned = sha(audits[0].unsigned_report)
    processes = [
        context.Process(target=_signer, args=(barrier, paths, keys[n], n, unsigned, protocol)) for n in range(SIGNERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [p.exitcode for p in processes] == [0] * SIGNERS
    return trusted


def test_eight_concurrent_signers_all_keep_their_entries(tmp_path: Path) -> None:
    audits = []
    for round_number in range(ROUNDS):
        root = tmp_path / f"round-{round_number}"
        root.mkdir()
        audits.append(Audit(root))
    trusted = _race(tmp_path, audits, protocol=False)
    for each in audits:
        records = read_signoffs(each.results)
        assert sorted(r.name for r in records) == [f"Reviewer {n}" for n in range(SIGNERS)]
        assert [r.index for r in records] == list(range(1, SIGNERS + 1))
        each.publish()
        outcome = verify_signoffs(
            each.results, trusted, report_path=each.report, expected_report_bytes=each.signed_report(), now=NOW
        )
        assert outcome.reasons == []
        assert len(outcome.approvals) == SIGNERS
        assert sorted(p.name for p in each.out.iterdir()) == [
            "report.html",
            "results.json",
            SIDECAR_NAME,
            SIDECAR_NAME + ".lock",  # beside the log, never deleted; no temporary file left behind
        ]


def test_eight_concurrent_sign_offs_all_show_in_the_report(tmp_path: Path) -> None:
    """The whole of sign_off holds the lock, so the report re-written last shows all eight."""
    from govkit.api import render
    from govkit.signoff import verify

    (tmp_path / "project").mkdir()
    project = Audit(tmp_path / "project")
    render(project.results, project.out, formats=["html"])
    trusted = _race(tmp_path, [project], protocol=True)
    outcome = verify(project.results, trusted, now=NOW)
    assert outcome.reasons == []
    assert len(outcome.approvals) == SIGNERS
    assert all(f"Reviewer {n}" in project.report.read_text() for n in range(SIGNERS))


def test_sign_results_still_refuses_another_audit(signed: Audit) -> None:
    rerun = signed.result.model_copy(update={"fail_on": "warn"})
    rerun.write_json(signed.results)
    bob, _ = signed.person("bob")
    with pytest.raises(InputError, match=r"earlier sign-offs are for a different results\.json"):
        sign_results(signed.results, sha(signed.unsigned_report), bob, "Bob", "Reviewer", "approve", now=NOW)
