"""Amplification through errors: ``extends`` names only policies, and no error echoes large or foreign content.

``extends`` used to accept any YAML or JSON file and list what it held as "unknown keys" and "not
allowed" values, so a policy could print a token into a CI log; a megabyte in one value came back as a
megabyte-long "one-line" error. Now a file reached through ``extends`` must be shaped like a policy, and
every quoted value is cut to 60 characters and escaped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import main
from govkit.errors import PolicyError
from govkit.policy import PolicyFile, load_policy
from govkit.registry import family_names
from govkit.resources import bundled_policies

TOKEN = "ghp_" + "Zq7" * 12  # a token-like value: short enough to fit within any 60-character cut
BUNDLED = ", ".join(bundled_policies())  # the bundled names, as the messages list them
FAMILIES = ", ".join(family_names())
NOT_A_POLICY = f"is not a govkit policy file; extends: takes a bundled name ({BUNDLED}) or a policy file"
MEGABYTE = "A" * 1_000_000
CUT = "A" * 59 + "…"  # what an error shows of MEGABYTE


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return caught.value.problems


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("secrets.json", f'{{"api_token": "{TOKEN}", "version": "{TOKEN}"}}'),
        ("creds.yaml", f"version: 1\nname: creds\naws_secret: {TOKEN}\n"),  # a version, but foreign keys
        ("compose.yaml", f"version: '3'\nservices: {{web: {{environment: [TOKEN={TOKEN}]}}}}\n"),
        ("token.yaml", f"{TOKEN}\n"),  # not even a mapping
        ("listed.yaml", f"version: {TOKEN}\nchecks: [{{id: {TOKEN}}}]\n"),  # policy keys, a token for a version
    ],
)
def test_extends_of_a_file_that_is_not_a_policy_is_one_line_without_its_content(
    tmp_path: Path, name: str, content: str
) -> None:
    write(tmp_path / name, content)
    child = write(tmp_path / "child.yaml", f"version: 1\nname: child\nextends: {name}\n")
    assert problems_of(child) == [f"child.yaml: extends: {name}: {NOT_A_POLICY}"]
    result = CliRunner().invoke(main, ["validate", str(child)])
    assert result.exit_code == 2
    assert result.stderr == f"govkit: error: child.yaml: extends: {name}: {NOT_A_POLICY}\n"
    assert "Zq7" not in result.stdout + result.stderr


def test_extends_of_a_policy_file_still_merges(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "version: 1\nname: base\nextends: lending\nchecks: []\n")
    child = write(tmp_path / "child.yaml", "version: 1\nname: child\nextends: base.yaml\n")
    policy = load_policy(child)
    assert [path.stem for path in policy.files] == ["child", "base", "lending", "default"]


def test_a_megabyte_value_is_quoted_as_sixty_characters(tmp_path: Path) -> None:
    policy = write(
        tmp_path / "big.yaml",
        # a key over 1,024 characters is written as an explicit "? key" in YAML
        f"version: '{MEGABYTE}'\nname: big\n? {MEGABYTE}\n: 1\nchecks:\n"
        f"  - id: fairness.demographic_parity_ratio\n    severity: {MEGABYTE}\n"
        f"    params:\n      ? {MEGABYTE}\n      : 1\n"
        f"  - id: {MEGABYTE}\n"
        f"  - id: drift.drifted_columns_share\n    params: {{method: {MEGABYTE}}}\n",
    )
    problems = problems_of(policy)
    assert problems[:3] == [
        f"big.yaml: version: '{CUT}' is not allowed (use 1)",
        f"big.yaml: {CUT}: unknown key '{CUT}' (allowed: {', '.join(PolicyFile.model_fields)})",
        f"big.yaml: checks[0].severity: '{CUT}' is not allowed (use 'blocking' or 'advisory')",
    ]
    # the allowed parameters are the family's to change: only the start of the line is asserted
    assert problems[3].startswith(f"big.yaml: checks[0].params.{CUT}: unknown key '{CUT}' (allowed: ")
    assert problems[4] == f"big.yaml: checks[1].id: unknown check '{CUT}'"
    assert problems[5].startswith(f"big.yaml: checks[2].params.method: unknown drift method '{CUT}'; use one of ")
    assert len(problems) == 6 and all(len(line) < 400 for line in problems), [line[:300] for line in problems]


def test_a_megabyte_family_name_and_extends_are_cut(tmp_path: Path) -> None:
    families = write(tmp_path / "families.yaml", f"version: 1\nname: f\nnot_evaluated: [{MEGABYTE}]\n")
    assert problems_of(families) == [f"families.yaml: not_evaluated[0]: unknown family '{CUT}'; use one of {FAMILIES}"]
    far = write(tmp_path / "far.yaml", f"version: 1\nname: far\nextends: {MEGABYTE}\n")
    assert problems_of(far) == [
        f"far.yaml: extends: policy '{CUT}' not found: give a bundled policy ({BUNDLED}) or the path to a policy file"
    ]


def test_control_and_bidi_characters_in_a_value_are_shown_escaped(tmp_path: Path) -> None:
    policy = write(
        tmp_path / "bidi.yaml",
        "version: 1\nname: b\nchecks:\n"
        '  - id: performance.accuracy\n    severity: "ok\\u202e\\e[31m\\nred"\n'
        '  - id: "performance.f1\\u202e\\e]0;pwned\\a"\n',
    )
    assert problems_of(policy) == [
        "bidi.yaml: checks[0].severity: 'ok\\u202e\\x1b[31m\\nred' is not allowed (use 'blocking' or 'advisory')",
        "bidi.yaml: checks[1].id: unknown check 'performance.f1\\u202e\\x1b]0;pwned\\x07' "
        "(did you mean 'performance.f1'?)",
    ]


def test_a_config_value_is_cut_and_escaped(tmp_path: Path) -> None:
    config = write(tmp_path / "govkit.yaml", f"version: 1\nfail_on: {MEGABYTE}\ndata: {MEGABYTE}\n")
    result = CliRunner().invoke(main, ["validate", str(config)])
    assert result.exit_code == 2
    assert result.stderr == f"govkit: error: govkit.yaml: fail_on: '{CUT}' is not allowed (use 'fail' or 'warn')\n"
    config = write(tmp_path / "govkit.yaml", f"version: 1\ndata: {MEGABYTE}\npolicy: default\n")
    result = CliRunner().invoke(main, ["validate", str(config)])
    assert result.exit_code == 2
    assert result.stderr == f"govkit: error: govkit.yaml: data: file '{CUT}' not found (relative to {tmp_path})\n"
