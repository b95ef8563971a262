"""Drift of the feature columns: which columns, one evidently run for all of them, and the two checks.

``drift.drifted_columns_share`` and ``drift.drifted_columns_count`` share one computation per audit
and parameters: the columns are chosen and screened, sampled, prepared for evidently, tested by
evidently's ``ValueDrift`` calculation, and each result gets its effect size and histogram; p-value decisions are then
corrected for multiple testing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.drift import evidently_adapter, prose, statistics
from govkit.families.drift.params import ColumnDriftParams, Kind, applies, methods_for
from govkit.families.drift.sampling import limited_rows
from govkit.families.drift.schema import screen_columns
from govkit.results import Measurement

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import AuditContext


def columns_measurement(name: str, params: ColumnDriftParams, ctx: AuditContext) -> Measurement:
    """The share (``drifted_columns_share``) or number of the tested columns that drifted."""
    drift = column_drift(ctx, params)
    columns: list[dict[str, Any]] = drift["columns"]
    tested = len(columns)
    drifted = [c for c in columns if c["drifted"]]
    details = {
        "columns": columns,
        "tested": tested,
        "drifted": len(drifted),
        "drifted_columns": [c["column"] for c in drifted],
        "schema_differences": drift["schema_differences"],
        "method_note": drift["method_note"],
        "column_selection": drift["column_selection"],
        "reference_rows": drift["reference_rows"],
        "current_rows": drift["current_rows"],
    }
    summary = prose.columns_summary(columns, drifted, drift["schema_differences"])
    if tested == 0:
        return Measurement(
            inconclusive_reason="no column could be compared between reference and current",
            details=details,
            summary=summary,
            method=drift["method"],
        )
    value = len(drifted) / tested if name == "drifted_columns_share" else float(len(drifted))
    return Measurement(
        value=float(value),
        sample_size=drift["current_rows"],
        method=drift["method"],
        details=details,
        summary=summary,
    )


def column_drift(ctx: AuditContext, params: ColumnDriftParams) -> dict[str, Any]:
    """Per-column drift for the audit's feature columns, computed once per audit and parameters."""
    return ctx.memo(("drift", "columns", params.model_dump_json()), lambda: _column_drift(ctx, params))


def _column_drift(ctx: AuditContext, params: ColumnDriftParams) -> dict[str, Any]:
    import pandas as pd

    assert ctx.reference is not None  # checked by run()
    requested, selection = _requested_columns(ctx, params)
    candidates, problems = screen_columns(requested, ctx)
    names = [c for c, _ in candidates]
    # sample the rows before selecting the columns, so the full frames are never copied
    reference = limited_rows(ctx.reference, names, params.max_rows, ctx, "reference rows tested for column drift")
    current = limited_rows(ctx.current, names, params.max_rows, ctx, "current rows tested for column drift")
    kinds, ref_frame, cur_frame = _prepared_columns(reference, current, candidates, params, problems)

    methods, notes = _resolve_methods(kinds, params)
    thresholds = {c: params.per_column_threshold.get(c, params.threshold) for c in kinds}
    evidently = evidently_adapter.run_evidently(
        pd.DataFrame(ref_frame, index=reference.index),
        pd.DataFrame(cur_frame, index=current.index),
        kinds,
        methods,
        thresholds,
    )
    results = [
        statistics.column_result(column, kinds[column], evidently[column], ref_frame[column], cur_frame[column])
        for column in kinds
    ]
    notes += statistics.adjust_p_value_decisions(results, params, min(len(reference), len(current)))
    results.sort(key=lambda r: (r["effect_size"] is None, -(r["effect_size"] or 0.0), r["column"]))
    version = evidently_adapter.evidently_version()
    return {
        "columns": results,
        "schema_differences": problems,
        "method_note": prose.method_note(results, notes, version),
        "method": f"evidently {version} ValueDrift per column",
        "column_selection": selection,
        "reference_rows": len(reference),
        "current_rows": len(current),
    }


def _requested_columns(ctx: AuditContext, params: ColumnDriftParams) -> tuple[list[str], str]:
    """The columns to test, and how they were chosen (for the report)."""
    if params.columns is not None:
        return list(dict.fromkeys(params.columns)), "explicit"
    assert ctx.reference is not None
    candidates = list(ctx.features) or list(dict.fromkeys([*ctx.reference.columns, *ctx.current.columns]))
    excluded = {ctx.target, ctx.prediction_column, ctx.probability_column} - {None}
    if not params.include_sensitive:
        excluded |= set(ctx.sensitive)
    chosen = [c for c in candidates if c not in excluded]
    how = "features" if ctx.features else "all columns"
    how += " including sensitive" if params.include_sensitive else " without sensitive"
    return chosen, f"{how}, target and prediction columns"


def _prepared_columns(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    candidates: list[tuple[str, str]],
    params: ColumnDriftParams,
    problems: list[dict[str, str]],
) -> tuple[dict[str, Kind], dict[str, pd.Series], dict[str, pd.Series]]:
    """Each column's kind and values as evidently gets them; a column with no finite value joins ``problems``."""
    kinds: dict[str, Kind] = {}
    ref_frame: dict[str, pd.Series] = {}
    cur_frame: dict[str, pd.Series] = {}
    for column, dtype_kind in candidates:
        kind = statistics.column_kind(reference[column], current[column], dtype_kind, params.categorical_max_unique)
        ref_values = statistics.prepared(reference[column], kind, dtype_kind)
        cur_values = statistics.prepared(current[column], kind, dtype_kind)
        # infinities alone leave nothing to compare; evidently would raise on the empty column
        empty = [w for w, s in (("reference", ref_values), ("current", cur_values)) if s.notna().sum() == 0]
        if empty:
            problems.append({"column": column, "problem": "no finite values in " + " and ".join(empty)})
            continue
        kinds[column] = kind
        ref_frame[column], cur_frame[column] = ref_values, cur_values
    return kinds, ref_frame, cur_frame


def _resolve_methods(kinds: dict[str, Kind], params: ColumnDriftParams) -> tuple[dict[str, str | None], list[str]]:
    """Method per column (None: evidently's default), with notes on global choices that did not apply."""
    methods: dict[str, str | None] = {}
    notes: list[str] = []
    for column, kind in kinds.items():
        explicit = params.per_column_method.get(column)
        if explicit is not None:
            if not applies(explicit, kind):
                raise ValueError(
                    f"drift method {explicit!r} for column {column!r} does not apply to {kind} columns; "
                    f"use one of {', '.join(methods_for(kind))}"
                )
            methods[column] = explicit
        elif params.method is not None and applies(params.method, kind):
            methods[column] = params.method
        else:
            methods[column] = None
            if params.method is not None:
                notes.append(f"{column}: {params.method} does not apply to {kind} columns, evidently's default used")
    return methods, notes
