"""The baseline: the four libraries called directly, the way a team without govkit would write it.

Same data, same model and the same kinds of evidence as govkit's default policy:

- pandas reads the Parquet files; the skops model predicts labels and probabilities on the current data
  and probabilities on the reference data (for prediction drift), one call each;
- great-expectations 1.x: an expectation suite learned from the reference data (the table's columns as a
  set and in order, its row count, and per column the dtype, not-null, the numeric range or the
  categorical domain, with the same tolerances govkit uses) validated on the current data in one suite
  validation through an ephemeral context, with great-expectations' default result format;
- evidently 0.7: ``Report([DataDriftPreset(columns=features)])`` with an explicit ``DataDefinition``
  (numeric dtypes numerical, the rest categorical), plus a ``ValueDrift`` of the positive-class score;
- fairlearn: a ``MetricFrame`` of count / selection rate / TPR / FPR by sex, race and sex x race, and
  ``demographic_parity_ratio`` and ``equalized_odds_difference`` for each grouping (the demographic parity
  difference and equalized odds ratio that govkit's policy also reports are read off the MetricFrame);
- shap: ``TreeExplainer`` on a 2000-row sample of the current data, in the space the booster sees;
- scikit-learn: accuracy, balanced accuracy, F1 and ROC AUC.

Each library is imported where it is first used, so that the per-phase times include its import (as
govkit's per-family times do). ``run_baseline`` returns what it found: per-column drift verdicts, the
fairness numbers and the per-group tables, the metrics, and the time of each phase.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SAMPLE_SIZE = 2000
# The same tolerances as govkit's QualityParams defaults, so the two suites judge alike.
RANGE_TOLERANCE = 0.1
RANGE_MOSTLY = 0.99
NULL_TOLERANCE = 0.05
DOMAIN_MOSTLY = 0.99
MAX_DOMAIN_SIZE = 50
ROW_COUNT_BAND = (0.1, 10.0)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports ru_maxrss in KB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ImportClock:
    """Wall and CPU seconds spent importing modules, counted at the outermost import only.

    ``builtins.__import__`` and ``importlib.import_module`` are wrapped; an import inside an import is
    part of its outer one, so each second is counted once. Installed once per process, before the run;
    a forked worker inherits it and keeps its own count.
    """

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self._depth = 0

    def install(self) -> ImportClock:
        import builtins
        import importlib

        builtins.__import__ = self._timed(builtins.__import__)
        importlib.import_module = self._timed(importlib.import_module)
        return self

    def _timed(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                self._depth += 1
                try:
                    return function(*args, **kwargs)
                finally:
                    self._depth -= 1
            started, cpu = time.perf_counter(), time.process_time()
            self._depth = 1
            try:
                return function(*args, **kwargs)
            finally:
                self._depth = 0
                self.wall += time.perf_counter() - started
                self.cpu += time.process_time() - cpu

        return timed

    def reading(self) -> tuple[float, float]:
        return self.wall, self.cpu


IMPORTS = ImportClock()


class Timer:
    """Wall and CPU time of named phases, in the order they ran, the seconds of each spent importing
    (``IMPORTS``, when installed), and the peak memory after each."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.imports: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started, cpu, imported = time.perf_counter(), time.process_time(), IMPORTS.wall
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - started
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu
            self.imports[name] = self.imports.get(name, 0.0) + IMPORTS.wall - imported
            self.peak_mb[name] = peak_rss_mb()


def run_baseline(
    reference_path: Path,
    current_path: Path,
    model_path: Path,
    target: str,
    sensitive: list[str],
    trusted_types: list[str],
    seed: int = 0,
) -> dict[str, Any]:
    timer = Timer()
    with timer.phase("read"):
        import pandas as pd

        reference = pd.read_parquet(reference_path)
        current = pd.read_parquet(current_path)
    with timer.phase("load model"):
        import skops.io as sio

        model = sio.load(model_path, trusted=trusted_types)
        features = [str(c) for c in model.feature_names_in_]

    with timer.phase("predict"):
        y_pred = model.predict(current[features])
        y_score = model.predict_proba(current[features])[:, 1]
        reference_score = model.predict_proba(reference[features])[:, 1]
    y_true = current[target].to_numpy()

    with timer.phase("quality"):
        quality = _great_expectations(reference, current)
    with timer.phase("drift"):
        drift_columns = [c for c in features if c not in sensitive]
        drift, prediction_drift = _evidently(reference, current, drift_columns, reference_score, y_score)
    with timer.phase("performance"):
        from sklearn import metrics

        performance = {
            "accuracy": float(metrics.accuracy_score(y_true, y_pred)),
            "balanced_accuracy": float(metrics.balanced_accuracy_score(y_true, y_pred)),
            "f1": float(metrics.f1_score(y_true, y_pred)),
            "roc_auc": float(metrics.roc_auc_score(y_true, y_score)),
        }
    with timer.phase("fairness"):
        fairness = _fairlearn(current, y_true, y_pred, sensitive)
    with timer.phase("explain"):
        explain = _shap(model, current[features], features, sensitive, seed)
    return {
        "phases": timer.phases,
        "cpu_phases": timer.cpu,
        "import_phases": timer.imports,
        "peak_mb_after": timer.peak_mb,
        "rows": {"reference": len(reference), "current": len(current)},
        "quality": quality,
        "drift": drift,
        "prediction_drift": prediction_drift,
        "performance": performance,
        "fairness": fairness,
        "explain": explain,
    }


# ---------------------------------------------------------------------------------------------
# great-expectations


def _great_expectations(reference: Any, current: Any) -> dict[str, Any]:
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import numpy as np
    import pandas as pd

    columns = [str(c) for c in reference.columns]
    rows = len(reference)
    expectations: list[Any] = [
        gxe.ExpectTableColumnsToMatchSet(column_set=columns, exact_match=True),
        gxe.ExpectTableColumnsToMatchOrderedList(column_list=columns),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=max(1, math.floor(rows * ROW_COUNT_BAND[0])),
            max_value=math.ceil(rows * ROW_COUNT_BAND[1]),
        ),
    ]
    for column in columns:
        values = reference[column]
        share = float(values.notna().mean())
        expectations.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column=column, mostly=max(0.0, round(share - NULL_TOLERANCE, 6))
            )
        )
        if pd.api.types.is_numeric_dtype(values):
            expectations.append(gxe.ExpectColumnValuesToBeOfType(column=column, type_=str(values.dtype)))
            low, high = float(values.min()), float(values.max())
            width = (high - low) or abs(high) or 1.0
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column,
                    min_value=low - RANGE_TOLERANCE * width,
                    max_value=high + RANGE_TOLERANCE * width,
                    mostly=RANGE_MOSTLY,
                )
            )
        else:
            expectations.append(gxe.ExpectColumnValuesToBeOfType(column=column, type_="str"))
            domain = values.dropna().unique()
            if len(domain) <= MAX_DOMAIN_SIZE:
                expectations.append(
                    gxe.ExpectColumnValuesToBeInSet(
                        column=column, value_set=sorted(np.asarray(domain).tolist()), mostly=DOMAIN_MOSTLY
                    )
                )

    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("baseline")
        .add_dataframe_asset("current")
        .add_batch_definition_whole_dataframe("whole table")
        .get_batch(batch_parameters={"dataframe": current})
    )
    suite = context.suites.add(gx.ExpectationSuite(name="learned from reference"))
    for expectation in expectations:
        suite.add_expectation(expectation)
    outcome = batch.validate(suite)
    results = list(outcome.results)
    failed = sorted(
        f"{r.expectation_config.type}:{r.expectation_config.kwargs.get('column', '')}"
        for r in results
        if not r.success
    )
    return {
        "evaluated": len(results),
        "passed": len(results) - len(failed),
        "failed": len(failed),
        "failed_expectations": failed,
        "success_share": (len(results) - len(failed)) / len(results) if results else None,
    }


# ---------------------------------------------------------------------------------------------
# evidently


def _evidently(
    reference: Any, current: Any, columns: list[str], reference_score: Any, current_score: Any
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift
    from evidently.presets import DataDriftPreset

    numerical = [c for c in columns if pd.api.types.is_numeric_dtype(reference[c])]
    categorical = [c for c in columns if c not in numerical]
    score = "prediction_score"
    definition = DataDefinition(numerical_columns=[*numerical, score], categorical_columns=categorical)
    ref = reference[columns].assign(**{score: reference_score})
    cur = current[columns].assign(**{score: current_score})
    report = Report([DataDriftPreset(columns=columns), ValueDrift(column=score)], include_tests=True)
    snapshot = report.run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
    )
    verdicts: dict[str, dict[str, Any]] = {}
    for result in snapshot.metric_results.values():
        config = result.metric_value_location.metric.params
        column = config.get("column")
        if column is None:  # DriftedColumnsCount
            continue
        tests = [t for t in (result.tests or []) if t.id == "drift"]
        verdicts[column] = {
            "kind": "numerical" if column in numerical or column == score else "categorical",
            "method": config.get("method"),
            "threshold": config.get("threshold"),
            "score": float(result.value),
            "drifted": bool(tests) and getattr(tests[0].status, "value", tests[0].status) == "FAIL",
        }
    prediction = verdicts.pop(score)
    return verdicts, prediction


# ---------------------------------------------------------------------------------------------
# fairlearn


def _fairlearn(current: Any, y_true: Any, y_pred: Any, sensitive: list[str]) -> dict[str, Any]:
    from fairlearn.metrics import (
        MetricFrame,
        count,
        demographic_parity_ratio,
        equalized_odds_difference,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )

    groupings: dict[str, Any] = {column: current[column] for column in sensitive}
    if len(sensitive) > 1:
        groupings[" × ".join(sensitive)] = current[sensitive]
    metrics: dict[str, Callable[..., Any]] = {
        "count": count,
        "selection_rate": selection_rate,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
    }
    found: dict[str, Any] = {}
    for name, features in groupings.items():
        frame = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=features)
        table = frame.by_group.reset_index()
        keys = [c for c in table.columns if c not in metrics]
        groups = [
            {
                "values": {str(k): str(row[k]) for k in keys},
                **{m: float(row[m]) for m in metrics},
            }
            for _, row in table.iterrows()
        ]
        # The two headline metrics through fairlearn's own functions; the difference and ratio that
        # govkit's default policy also reports are read off the MetricFrame (no extra pass over the rows).
        difference, ratio = frame.difference(), frame.ratio()
        found[name] = {
            "columns": list(sensitive) if " × " in name else [name],
            "demographic_parity_ratio": float(
                demographic_parity_ratio(y_true, y_pred, sensitive_features=features)
            ),
            "equalized_odds_difference": float(
                equalized_odds_difference(y_true, y_pred, sensitive_features=features)
            ),
            "demographic_parity_difference": float(difference["selection_rate"]),
            "equalized_odds_ratio": float(min(ratio["tpr"], ratio["fpr"])),
            "groups": groups,
        }
    return found


# ---------------------------------------------------------------------------------------------
# shap


def _shap(model: Any, inputs: Any, features: list[str], sensitive: list[str], seed: int) -> dict[str, Any]:
    import numpy as np
    import shap

    sample = inputs.sample(n=min(SAMPLE_SIZE, len(inputs)), random_state=seed)
    encoded = model[:-1].transform(sample)
    explainer = shap.TreeExplainer(model[-1])
    values = np.asarray(explainer.shap_values(encoded))
    # Sum the one-hot columns back to the input column they came from ("categorical__sex_Male" -> sex).
    names = list(model[:-1].get_feature_names_out())
    sources = [max((f for f in features if name.split("__", 1)[1].startswith(f)), key=len) for name in names]
    per_input = np.zeros((values.shape[0], len(features)))
    for j, source in enumerate(sources):
        per_input[:, features.index(source)] += values[:, j]
    importance = dict(zip(features, np.abs(per_input).mean(axis=0).tolist(), strict=True))
    total = sum(importance.values())
    return {
        "sample_size": len(sample),
        "sensitive_share": sum(importance[c] for c in sensitive if c in importance) / total if total else 0.0,
        "top": sorted(importance, key=lambda c: -importance[c])[:5],
    }
