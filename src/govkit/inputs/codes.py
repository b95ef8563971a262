"""Stable error codes: every problem with the user's inputs has a number scripts and docs can refer to."""

from __future__ import annotations

from govkit.errors import InputError

# code -> readable name. Codes are never reused or renumbered; a retired problem keeps its number.
# GK1xx: files and tables; GK2xx: columns and predictions; GK3xx: model files; GK4xx: outputs;
# GK5xx: limits on the audit's time; GK6xx: the audit history store.
ERROR_CODES: dict[str, str] = {
    "GK100": "no-data",
    "GK101": "file-not-found",
    "GK102": "not-a-file",
    "GK103": "empty-file",
    "GK104": "no-columns",
    "GK105": "no-rows",
    "GK106": "not-a-table",
    "GK107": "truncated-file",
    "GK108": "ragged-rows",
    "GK109": "duplicate-columns",
    "GK110": "malformed-csv",
    "GK111": "unreadable-file",
    "GK112": "too-large",
    "GK113": "no-shared-columns",
    "GK114": "too-many-columns",
    "GK115": "engine-setup",  # govkit.engines: the engine cannot start or was given bad settings
    "GK116": "unsupported-column-type",  # govkit.engines: a nested or binary column, or a reserved name
    "GK201": "column-not-found",
    "GK202": "conflicting-columns",
    "GK203": "missing-predictions",
    "GK204": "invalid-predictions",
    "GK205": "invalid-probabilities",
    "GK206": "unknown-positive-label",
    "GK207": "ambiguous-positive-label",
    "GK208": "task-mismatch",
    "GK209": "invalid-row-id",  # govkit.engines: --row-id names no column, or a column with empty values
    "GK301": "unknown-model-format",
    "GK302": "untrusted-pickle",
    "GK303": "sha256-mismatch",
    "GK304": "untrusted-skops-types",
    "GK305": "unreadable-model",
    "GK306": "model-missing-columns",
    "GK307": "model-cannot-predict",
    "GK308": "not-a-model",
    "GK309": "invalid-sha256-pin",
    "GK401": "output-overwrites-input",  # reserved for govkit.outputs.refuse_to_overwrite_inputs
    "GK402": "output-not-writable",  # raised by govkit.outputs (check_output_folder, output_lock)
    "GK501": "audit-timeout",  # raised by govkit.limits: the audit ran past --timeout
    "GK502": "invalid-time-limit",  # a --timeout or --budget that is not a positive number of seconds
    "GK601": "store-url-invalid",
    "GK602": "store-unreachable",
    "GK603": "store-newer-schema",
    "GK604": "store-locked",
    "GK605": "record-not-found",
    "GK606": "store-not-a-database",
}


def coded(code: str, message: str, kind: type[InputError] = InputError) -> InputError:
    """An error of ``kind`` with the stable ``code`` attached (``error.code``)."""
    assert code in ERROR_CODES, code
    return kind(message, code=code)


def error_code(error: BaseException) -> str | None:
    """``"GK101 file-not-found"`` for a coded error, None for any other."""
    code = getattr(error, "code", None)
    return f"{code} {ERROR_CODES[code]}" if code in ERROR_CODES else None
