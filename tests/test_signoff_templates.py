"""The sign-off binds the report template set; ``verify`` refuses to judge the report with another one.

Issue 15, "Templates in a sandbox": the sign-off and verify paths use the bundled templates or a template
set whose digest is recorded and signed. The statement's ``templates`` is "bundled" or the sha256 of a
custom ``--templates`` folder; ``verify`` with another set exits 1 with one line naming the templates.
Sign-offs made before the field existed carry none and still verify. Exit codes: 0 verified, 1 not verified.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest

from govkit.errors import EXIT_FAILED, EXIT_PASSED, EXIT_USAGE
from govkit.resources import templates_dir
from govkit.signoff import read_signoffs
from govkit.signoff.sidecar import read_envelopes, sidecar_path
from govkit.signoff.statement import BUNDLED_TEMPLATES, parse_statement, statement_bytes, templates_id
from test_signing import NOW, Audit
from test_signoff_verify import HOLDERS, cli, signoff, verify
from test_signoff_verify import audit as audit  # the fixture: a rendered audit, keys, a trusted-keys file


def custom_templates(root: Path) -> Path:
    """A custom set: the bundled stylesheet with one rule of the team's own."""
    folder = root / "templates"
    folder.mkdir()
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    (folder / "report.css").write_text(css + "\n.team-rule { color: #123456; }\n", encoding="utf-8")
    return folder


def signed_templates(audit: Audit) -> list[str | None]:
    """The ``templates`` each statement in the log records, read from the signed payloads."""
    envelopes = read_envelopes(sidecar_path(audit.results))
    return [parse_statement(base64.b64decode(e["payload"])).predicate.templates for e in envelopes]


@pytest.fixture
def templated(audit: Audit) -> tuple[Audit, Path]:
    """The audit rendered with a custom template set and signed off by Alice with that set."""
    from govkit.api import render

    folder = custom_templates(audit.root)
    render(audit.results, audit.out, formats=["html"], templates=folder)
    signed = signoff(audit, "alice", "approve", "--templates", folder)
    assert signed.exit_code == EXIT_PASSED, signed.output
    return audit, folder


def test_the_digest_is_over_relative_paths_and_bytes(tmp_path: Path) -> None:
    folder = custom_templates(tmp_path)
    (folder / "families").mkdir()
    (folder / "families" / "note.html.j2").write_text("{{ view.verdict }}\n", encoding="utf-8")
    digest = hashlib.sha256()
    for name in ("families/note.html.j2", "report.css"):  # path order
        for part in (name.encode(), (folder / name).read_bytes()):
            digest.update(len(part).to_bytes(8, "big") + part)
    assert templates_id(folder) == digest.hexdigest()
    assert templates_id(None) == BUNDLED_TEMPLATES
    (folder / "families" / "note.html.j2").rename(folder / "families" / "other.html.j2")
    assert templates_id(folder) != digest.hexdigest()  # a renamed file is another set


def test_a_symlink_out_of_the_folder_has_no_digest(tmp_path: Path) -> None:
    from govkit.errors import InputError

    folder = custom_templates(tmp_path)
    outside = tmp_path / "secret.txt"
    outside.write_text("not a template\n", encoding="utf-8")
    os.symlink(outside, folder / "extra.html.j2")
    with pytest.raises(InputError, match="leads outside the templates folder"):
        templates_id(folder)


def test_signed_with_custom_templates_verifies_with_the_same_set(templated: tuple[Audit, Path]) -> None:
    audit, folder = templated
    assert signed_templates(audit) == [templates_id(folder)]
    result = verify(audit, "--templates", folder)
    assert result.exit_code == EXIT_PASSED, result.output
    assert f"checked: report templates: custom templates sha256 {templates_id(folder)}" in result.output


def test_a_changed_template_file_is_named(templated: tuple[Audit, Path]) -> None:
    audit, folder = templated
    signed = templates_id(folder)
    with (folder / "report.css").open("a", encoding="utf-8") as css:
        css.write(".another-rule { color: red; }\n")
    result = verify(audit, "--templates", folder)
    assert result.exit_code == EXIT_FAILED
    refusals = [line for line in result.output.splitlines() if line.startswith("NOT VERIFIED")]
    assert refusals == [
        "NOT VERIFIED: report templates differ from the set signed: Alice Adams (Chief Risk Officer) signed the"
        f" report rendered with custom templates sha256 {signed}, verify was given custom templates sha256"
        f" {templates_id(folder)}; give --templates the set that was signed"
    ]


def test_an_added_file_that_changes_no_rendering_is_still_another_set(templated: tuple[Audit, Path]) -> None:
    audit, folder = templated
    (folder / "unused.html.j2").write_text("<p>never included</p>\n", encoding="utf-8")
    result = verify(audit, "--templates", folder)
    assert result.exit_code == EXIT_FAILED
    assert "report templates differ from the set signed" in result.output


def test_custom_signed_verified_with_the_bundled_templates_fails(templated: tuple[Audit, Path]) -> None:
    audit, _ = templated
    result = verify(audit)
    assert result.exit_code == EXIT_FAILED
    assert "verify was given the bundled templates; give --templates the set that was signed" in result.output


def test_bundled_signed_verified_with_a_custom_set_fails(audit: Audit) -> None:
    assert signoff(audit, "alice").exit_code == EXIT_PASSED
    assert signed_templates(audit) == [BUNDLED_TEMPLATES]
    assert verify(audit).exit_code == EXIT_PASSED
    folder = custom_templates(audit.root)
    result = verify(audit, "--templates", folder)
    assert result.exit_code == EXIT_FAILED
    refusals = [line for line in result.output.splitlines() if line.startswith("NOT VERIFIED")]
    assert refusals == [
        "NOT VERIFIED: report templates differ from the set signed: Alice Adams (Chief Risk Officer) signed the"
        f" report rendered with the bundled templates, verify was given custom templates sha256"
        f" {templates_id(folder)}; leave --templates out"
    ]


def test_verify_with_templates_leading_outside_is_a_usage_error(audit: Audit) -> None:
    assert signoff(audit, "alice").exit_code == EXIT_PASSED
    folder = custom_templates(audit.root)
    os.symlink("/etc/passwd", folder / "report.html.j2")
    result = cli("verify", audit.results, "--trusted-keys", audit.trusted_file, "--templates", folder)
    assert result.exit_code == EXIT_USAGE
    assert "leads outside the templates folder" in result.output


def test_a_sign_off_made_before_template_sets_were_signed_still_verifies(audit: Audit) -> None:
    """An envelope whose statement has no ``templates`` (as every sign-off did before) verifies as before."""
    from govkit.api import render
    from govkit.signoff.protocol import sign_results

    unsigned = hashlib.sha256(audit.report.read_bytes()).hexdigest()
    name, role = HOLDERS["alice"]
    sign_results(audit.results, unsigned, audit.keys / "alice.pem", name, role, "approve", now=NOW)
    payload = base64.b64decode(read_envelopes(sidecar_path(audit.results))[0]["payload"])
    assert b'"templates"' not in payload
    statement = parse_statement(payload)
    assert statement.predicate.templates is None
    assert statement_bytes(statement) == payload  # re-serialised, an old statement is the bytes it was
    render(audit.results, audit.out, formats=["html"], signoffs=read_signoffs(audit.results))  # as govkit render
    result = verify(audit)
    assert result.exit_code == EXIT_PASSED, result.output
    assert "report templates" not in result.output
