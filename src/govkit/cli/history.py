"""`govkit history`, `govkit show`, `govkit diff` and `govkit trend`: read the audit history store.

The store is ``--store`` (a path or database URL), else ``GOVKIT_STORE``, else the config's ``store:``,
else ``.govkit/history.db`` beside govkit.yaml. Reading never creates a store: a missing SQLite file is
a one-line error, as is every problem with the store itself (exit 2).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from govkit.cli.common import handle_errors
from govkit.errors import GovkitError
from govkit.history.engine import STORE_ENV

if TYPE_CHECKING:
    from govkit.history import Store
    from govkit.history.since import Since
    from govkit.results import RunResult

_STORE = click.option("--store", "store_url", metavar="URL", help="History store: a path (SQLite) or database URL.")
_CONFIG = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="Project config (default: ./govkit.yaml)."
)


def store_url_for(store_url: str | None, config_path: str | None) -> str | None:
    """The store's URL as the module docstring says; None when nothing names one (no config file)."""
    from govkit.config import find_config, load_config
    from govkit.history import resolve_url

    found = Path(config_path) if config_path else find_config()
    config, base = load_config(found) if found is not None else (None, None)
    return resolve_url(store_url, config.store if config else None, base)


def open_store(store_url: str | None, config_path: str | None) -> Store:
    """The store to read, as the module docstring says; ``GovkitError`` when there is none."""
    from govkit.errors import InputError
    from govkit.history import Store, StoreError

    url = store_url_for(store_url, config_path)
    if url is None:
        raise InputError("no history store: give --store URL, set GOVKIT_STORE, or run where govkit.yaml is")
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise StoreError(
            f"store {url.removeprefix('sqlite:///')}: no history there yet; run govkit audit first or fix --store",
            code="GK605",
        )
    return Store(url)


def _echo(text: str) -> None:
    from govkit.report.text import terminal_safe

    for line in text.splitlines():
        click.echo(terminal_safe(line))


@click.command("history")
@click.option("--model", help="Only the audits of this model name.")
@_STORE
@_CONFIG
@handle_errors
def history(model: str | None, store_url: str | None, config_path: str | None) -> None:
    """List the recorded audits: when, model version, verdict, counts, sign-offs; altered records are named."""
    from govkit.history.text import history_table

    with open_store(store_url, config_path) as store:
        records = store.list(model)
    _echo(history_table(records) if records else "no recorded audit" + (f" of {model}" if model else ""))


@click.command("show")
@click.argument("audit_id", type=int)
@_STORE
@_CONFIG
@handle_errors
def show(audit_id: int, store_url: str | None, config_path: str | None) -> None:
    """Show one recorded audit: hashes, verdict, sign-offs, and whether each is intact."""
    from govkit.history.text import record_text

    with open_store(store_url, config_path) as store:
        _echo(record_text(store.get(audit_id)))


@click.command("diff")
@click.argument("ids", nargs=-1, type=int)
@click.option(
    "--against", type=click.Choice(["last-approved"]), help="Compare ID (default: the newest) with its baseline."
)
@click.option("--tolerance", type=click.FloatRange(min=0), help="A value moved if it changed by more (default 0.01).")
@click.option("--format", "output", type=click.Choice(["text", "markdown", "json"]), default="text")
@click.option(
    "--trusted-keys",
    type=click.Path(exists=True),
    help="With --against: an approval counts only if a key in this trusted-keys file (or folder) signed it.",
)
@_STORE
@_CONFIG
@handle_errors
def diff(
    ids: tuple[int, ...], against: str | None, tolerance: float | None, output: str, trusted_keys: str | None,
    **where: Any,
) -> None:  # fmt: skip
    """What changed between audits A and B, or from the last approved audit to ID: statuses, values, checks, hashes."""
    from govkit.errors import InputError
    from govkit.history.text import diff_json, diff_markdown, diff_text

    with open_store(where["store_url"], where["config_path"]) as store:
        if against is None:
            if len(ids) != 2:
                raise InputError("govkit diff: give two audit ids (A B), or --against last-approved [ID]")
            before, after = store.get(ids[0]), store.get(ids[1])
        else:
            if len(ids) > 1:
                raise InputError("govkit diff --against last-approved: give at most one audit id")
            after = store.get(ids[0]) if ids else _newest(store)
            accept = None
            if trusted_keys is not None:
                from govkit.api import approved_by_trusted_keys

                accept = approved_by_trusted_keys(trusted_keys)
            found = store.last_approved(after.model_name, before=after.id, accept=accept)
            if found is None:
                raise InputError(f"audit {after.id}: no earlier intact, approved audit of this model to compare with")
            before = found
        try:
            changes = store.diff(before, after, tolerance)
        except ValueError as error:
            raise InputError(str(error)) from None
    _echo({"text": diff_text, "markdown": diff_markdown, "json": diff_json}[output](changes))


def _newest(store: Store) -> Any:
    from govkit.errors import InputError

    records = store.list()
    if not records:
        raise InputError("the history store has no audit yet")
    return records[-1]


@click.command("trend")
@click.option("--model", required=True, help="The model name whose audits to chart.")
@click.option("--check", "check_id", help="Only this check (default: every measured check).")
@click.option("--out", type=click.Path(dir_okay=False), default="trend.html", show_default=True)
@_STORE
@_CONFIG
@handle_errors
def trend(model: str, check_id: str | None, out: str, store_url: str | None, config_path: str | None) -> None:
    """Write one offline HTML page with each check's value over the model's audits, against its thresholds."""
    from govkit.errors import InputError
    from govkit.history.trend import render_trend
    from govkit.outputs import write_text_atomic

    with open_store(store_url, config_path) as store:
        records = store.list(model)
    if not records:
        raise InputError(f"no recorded audit of model {model!r}; see govkit history for the names")
    page = render_trend(model, records, check_id)
    try:
        write_text_atomic(Path(out), page)
    except OSError as error:
        raise InputError(f"{out}: cannot write the trend page ({error.strerror})", code="GK402") from None
    click.echo(f"trend: {out}")


class AuditHistory:
    """The history side of ``govkit audit``: ``compare`` the result with the last approved audit before
    the report is written (so the report can say what changed), ``record`` it after. Nothing happens
    without a store (no --store, GOVKIT_STORE, ``store:`` or govkit.yaml). ``record`` False (--no-record)
    skips only the write: the comparison, and so the reapproval gate, still run against an existing store.
    A store that cannot be used never stops the outputs: its one-line error (exit 2) is raised by
    ``record``, once they are written.

    The reapproval gate fails closed: an approval counts as the baseline only when its signature verifies
    with ``trusted_keys``; without them, an approval in the store is a claim, and a policy with
    ``reapproval:`` rules then asks for a verified approval (exit 1) instead of trusting it."""

    def __init__(
        self,
        *,
        store_url: str | None,
        config_path: str | None,
        record: bool = True,
        model_name: str | None = None,
        model_version: str | None = None,
        quiet: bool = False,
        trusted_keys: str | None = None,
    ) -> None:
        self.url = store_url_for(store_url, config_path) if record else existing_store_url(store_url, config_path)
        self.write = record
        self.trusted_keys = trusted_keys
        self.quiet = quiet
        self.model_name, self.model_version = model_name, model_version
        self.since: Since | None = None
        self._error: GovkitError | None = None

    def compare(self, result: RunResult) -> Since | None:
        """What changed since the last approved audit of the model (None without one or without a store)."""
        from govkit import api

        if self.url is not None:
            try:
                self.since = api.since_last_approved(
                    result, self.url, model_name=self.model_name, trusted_keys=self.trusted_keys
                )
            except GovkitError as error:  # raised by record(), after the outputs are written
                self._error = error
        return self.since

    def attach(self, result: RunResult) -> RunResult:
        """``result`` with what changed since the last approved audit, for the report's first screen."""
        from govkit.results import SinceApproved

        since = self.compare(result)
        if since is None:
            return result
        shown = SinceApproved.model_validate({**since.as_view(), "verified": self.trusted_keys is not None})
        return result.model_copy(update={"since_approved": shown})

    def record(self, result: RunResult, out: Path) -> list[str]:
        """Record the audit and print what changed; return the material changes that need a fresh
        approval under the policy's ``reapproval`` (the audit then exits 1)."""
        from govkit import api

        if self.url is None:
            return []
        if self._error is not None:
            raise self._error
        audit_id = None
        if self.write:
            audit_id = api.record(
                result, self.url, out=out, model_name=self.model_name, model_version=self.model_version
            )
        since = self.since
        material = [] if since is None else list(since.material)
        if since is not None and self.trusted_keys is None and result.policy.get("reapproval") is not None:
            material.append(
                "the last approval is not verified: the policy's reapproval rules count only approvals whose "
                "signatures verify; give --trusted-keys"
            )
        if not self.quiet:
            self._print(audit_id, since, material)
        return material

    def _print(self, audit_id: int | None, since: Since | None, material: list[str]) -> None:
        if audit_id is not None:
            _echo(f"  history: recorded as audit {audit_id}")
        if since is None:
            return
        by = ", ".join(since.approved_by)
        _echo(f"  since the last approved audit ({since.approved_at[:10]}, by {by}): "
              + (f"{len(since.changes)} change(s)" if since.changes else "no change"))  # fmt: skip
        for line in since.changes:
            _echo(f"    {line}")
        for reason in material:
            _echo(f"  reapproval needed: {reason}")


def record_audit(result: RunResult, out: Path, **where: Any) -> list[str]:
    """``AuditHistory(**where)``: compare, then record (for a caller that rendered the report already)."""
    history = AuditHistory(**where)
    history.compare(result)
    return history.record(result, out)


def existing_store_url(store_url: str | None, config_path: str | None = None) -> str | None:
    """The store ``govkit verify`` checks the sign-off log against: as ``store_url_for``, but a default
    SQLite store that does not exist yet is no store (nothing was recorded); a named one must exist."""
    from govkit.history import StoreError

    url = store_url_for(store_url, config_path)
    if url is None or not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).is_file():
        return url
    if store_url is None and not os.environ.get(STORE_ENV):
        return None
    raise StoreError(f"store {url.removeprefix('sqlite:///')}: no history there; fix --store", code="GK605")
