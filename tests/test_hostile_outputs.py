"""Outputs as one set: unwritable folders refused first, results.json kept on a renderer failure, no mixed sets."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govkit import api
from govkit.errors import EXIT_INTERNAL, EXIT_USAGE, GovkitError
from govkit.outputs import check_output_folder, output_lock
from govkit.results import RunResult

SMALL = Path(__file__).parent / "data" / "result-small.json"


# api.render behind the CLI's error handler: the line and exit code `govkit render` and `govkit audit` give
RENDER = """
import sys
from govkit import api
from govkit.cli.common import handle_errors
templates = sys.argv[3] if len(sys.argv) > 3 else None
handle_errors(api.render)(sys.argv[1], sys.argv[2], formats=("html", "junit"), templates=templates)
"""


def render_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RENDER, *args], capture_output=True, text=True, timeout=300)


def test_out_naming_an_existing_file_is_one_line_exit_2(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    with pytest.raises(GovkitError, match="exists and is not a folder") as caught:
        check_output_folder(taken)
    assert caught.value.code == "GK402"
    completed = render_cli(str(SMALL), str(taken))
    assert completed.returncode == EXIT_USAGE, completed.stderr
    assert completed.stderr.count("\n") == 1 and "GK" not in completed.stdout
    assert taken.read_text() == "keep me"


@pytest.mark.parametrize("path", ["/proc/govkit-out", "/proc", "/sys/kernel/govkit", "/dev/null"])
def test_out_under_a_system_path_is_refused(path: str) -> None:
    with pytest.raises(GovkitError, match="system path"):
        check_output_folder(path)


def test_out_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(GovkitError, match="is a file, not a folder"):
        check_output_folder(tmp_path / "file" / "deeper" / "out")


def test_out_in_a_folder_without_write_access_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as an unprivileged user sees a 0555 folder
    with pytest.raises(GovkitError, match="is not writable"):
        check_output_folder(tmp_path / "out")


def test_out_in_a_read_only_folder_is_refused() -> None:
    """A real 0555 folder, checked by an unprivileged user (root may write anywhere, so as root the check
    runs in a child process that drops to nobody with util-linux's setpriv)."""
    import subprocess
    import sys
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="govkit-readonly-", dir="/tmp"))
    try:
        shared.chmod(0o755)
        locked = shared / "locked"
        locked.mkdir(mode=0o555)
        code = (
            "from pathlib import Path\n"
            "from govkit.errors import GovkitError\n"
            "from govkit.outputs import check_output_folder\n"
            "try:\n"
            f"    check_output_folder(Path({str(locked / 'out')!r}))\n"
            "except GovkitError as error:\n"
            "    print(error)\n"
        )
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run([*drop, sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "not writable" in done.stdout
    finally:
        (shared / "locked").chmod(0o755)
        import shutil

        shutil.rmtree(shared)


def test_a_failing_renderer_keeps_results_json_and_names_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import govkit.report

    out = tmp_path / "out"
    api.render(SMALL, out, formats=("html", "json", "junit", "markdown"))
    assert (out / "report.html").exists()
    real = govkit.report.render_format

    def broken(result: RunResult, name: str, **kwargs: object) -> str:
        if name == "junit":
            raise RuntimeError("disk on fire")
        return real(result, name, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(govkit.report, "render_format", broken)
    changed = RunResult.read(SMALL).model_copy(deep=True)
    changed.provenance.started_at = "2026-02-02T00:00:00+00:00"
    with pytest.raises(GovkitError, match="the junit output was not written") as caught:
        api.render(changed, out, formats=("html", "json", "junit", "markdown"))
    assert caught.value.exit_code == EXIT_INTERNAL
    assert RunResult.read(out / "results.json").provenance.started_at == "2026-02-02T00:00:00+00:00"
    # the outputs of the earlier run are gone rather than left beside the new results.json
    assert not (out / "report.html").exists() and not (out / "junit.xml").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.govkit-")]  # staging cleaned up


def test_a_broken_user_template_is_exit_2_and_keeps_results_json(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html.j2").write_text("{% if %}")
    completed = render_cli(str(SMALL), str(tmp_path / "out"), str(templates))
    assert completed.returncode == EXIT_USAGE, completed.stderr
    assert "html output was not written" in completed.stderr
    # render of a results file writes no results.json; the library keeps it when asked for it
    with pytest.raises(GovkitError) as caught:
        api.render(RunResult.read(SMALL), tmp_path / "lib", formats=("json", "html"), templates=templates)
    assert caught.value.exit_code == EXIT_USAGE
    assert (tmp_path / "lib" / "results.json").exists()


WRITER = """
import sys
from govkit import api
from govkit.results import RunResult
result = RunResult.read(sys.argv[1])
result.provenance.started_at = sys.argv[3]
for _ in range(int(sys.argv[4])):
    api.render(result, sys.argv[2], formats=("json", "junit", "markdown", "html"))
"""


def _consistent(out: Path) -> str:
    """The started_at every file of the set agrees on (results.json, junit.xml, report.html)."""
    started = RunResult.read(out / "results.json").provenance.started_at
    assert started.replace("+00:00", "") in (out / "junit.xml").read_text()
    report = (out / "report.html").read_text()
    other = "2026-03-03" if started.startswith("2026-04-04") else "2026-04-04"
    assert other not in report and other not in (out / "junit.xml").read_text()
    return started


def test_two_writers_on_one_folder_never_leave_a_mixed_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(SMALL), str(out), stamp, "12"])
        for stamp in ("2026-03-03T00:00:00+00:00", "2026-04-04T00:00:00+00:00")
    ]
    seen: set[str] = set()
    while any(w.poll() is None for w in writers):
        if (out / "junit.xml").exists():
            with output_lock(out, timeout=60):  # a reader holding the lock sees whole sets only
                seen.add(_consistent(out))
        time.sleep(0.05)
    assert [w.wait() for w in writers] == [0, 0]
    seen.add(_consistent(out))
    assert seen <= {"2026-03-03T00:00:00+00:00", "2026-04-04T00:00:00+00:00"}


def test_a_held_lock_is_a_clear_refusal_after_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("GOVKIT_OUTPUT_LOCK_TIMEOUT", "0.2")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from govkit.outputs import output_lock\n"
            "with output_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(GovkitError, match="another govkit has been writing here") as caught:
            api.render(SMALL, out, formats=("junit",))
        assert caught.value.code == "GK402"
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


HOSTILE = [
    "[click](https://evil.example/x)",
    "![pixel](https://evil.example/p.png)",
    "@octocat and @org/team",
    "<img src=x onerror=alert(1)>",
    "<a href='https://evil.example'>a</a>",
    "a | b || c",
    "line\nbreak\r\n# heading",
    "**bold** _em_ `code` ~~gone~~",
    "back\\slash\\[still text]",
    "www.evil.example and https://evil.example/y",
    "<https://evil.example/auto>",
    "[ref]: https://evil.example",
    "&#64;octocat &lt;b&gt;",
    "bidi \u202eevil\u202c \x1b[31mred\x1b[0m \x00nul",
]


def _hostile_result() -> RunResult:
    result = RunResult.read(Path(__file__).parent / "data" / "result-adult.json").model_copy(deep=True)
    result.policy["name"] = " ".join(HOSTILE)
    for check, text in zip(result.checks, HOSTILE * 3, strict=False):
        check.title = text
        check.message = text
        check.measurement.summary = text
    return result


def test_summary_md_of_hostile_names_has_nothing_live() -> None:
    from markdown_it import MarkdownIt

    from govkit.report.markdown import render_markdown

    text = render_markdown(_hostile_result())
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<a " not in html and "<img" not in html
    assert "<script" not in html and "<h1" not in html and "<em>" not in html and "<del>" not in html
    # only the tags of the summary itself: no raw HTML passed through
    import re

    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", html))
    assert tags <= {"h2", "h3", "p", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "code", "strong"}, tags
    # GitHub links bare URLs and @mentions in text: both are broken by a zero-width space
    plain = re.sub(r"<[^>]+>", "", html)
    assert not re.search(r"@\w", plain) and "://" not in plain and "www." not in plain
    # every table row still has its five cells
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 6 for row in rows), rows
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text


def test_hostile_text_shows_literally_in_summary_md() -> None:
    from markdown_it import MarkdownIt

    from govkit.report.markdown import _cell

    for text in HOSTILE:
        rendered = MarkdownIt("commonmark").render(_cell(text)).strip().removeprefix("<p>").removesuffix("</p>")
        import html as markup

        shown = markup.unescape(rendered).replace("\u200b", "")
        expected = "".join(c if c.isprintable() else " " for c in text.replace("\r", " ").replace("\n", " "))
        assert shown == expected


def test_terminal_safe_shows_control_and_bidi_characters_escaped() -> None:
    from govkit.report.text import terminal_safe

    assert terminal_safe("ok é 😀 | < >") == "ok é 😀 | < >"
    assert terminal_safe("a\x1b[31mred\x1b[0m") == "a\\x1b[31mred\\x1b[0m"
    assert terminal_safe("x\u202eevil\u2066y\u200f") == "x\\u202eevil\\u2066y\\u200f"
    assert terminal_safe("two\nlines\r\tand\x7f\x9b") == "two\\x0alines\\x0d\\x09and\\x7f\\x9b"
