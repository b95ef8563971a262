"""The README's table of checks is the output of `govkit checks --format markdown`, never edited by hand."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from govkit.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- checks:start -->\n"
END = "<!-- checks:end -->"


def generated_table() -> str:
    result = CliRunner().invoke(main, ["checks", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_readme_checks_table_is_generated_from_the_registry(update_golden: bool) -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, f"README.md needs one {START.strip()} ... {END} block"
    head, rest = text.split(START)
    table, tail = rest.split(END)
    expected = generated_table()
    if update_golden:
        README.write_text(head + START + expected + END + tail, encoding="utf-8")
        return
    assert table == expected, (
        "README.md's checks table is out of date: paste the output of `govkit checks --format markdown` "
        f"between {START.strip()} and {END} (or run `pytest tests/test_readme.py --update-golden`)"
    )


def test_markdown_table_has_one_row_per_check_and_escapes_pipes() -> None:
    from govkit.catalog import describe_checks

    rows = [line for line in generated_table().splitlines() if line.startswith("| `")]
    assert len(rows) == len(describe_checks())
    # A pipe inside a doc would split its row into extra cells.
    assert all(line.replace("\\|", "").count("|") == 5 for line in rows)
