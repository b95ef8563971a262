"""Preflight: turn the user's inputs into an AuditContext, or stop with one clear line.

Everything that would make the whole audit meaningless (a missing file, a target that is not a
column, predictions that are not labels of the target, a model that cannot predict on the data) is
found here, before any engine runs, and raised as an ``InputError`` with a stable code (see
``govkit.inputs.ERROR_CODES``). Problems confined to one column (all missing, mixed types, a target
with one class, a sensitive column with thousands of values) are let through on purpose: the
families downgrade only the checks they affect. Predictions are computed here, once: for every current
row, and for the reference rows the checks read (see ``predictions.reference_rows``).

``Preflight`` works in three phases (``read_frames``, ``plan``, ``predict``) so that the runner can
start work that needs only the frames while the model loads and predicts; ``prepare`` runs all three.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.context import AuditContext
from govkit.errors import InputError
from govkit.inputs import check_sha256_pin, coded, load_model, sha256_file
from govkit.inputs.tables import narrow_frames
from govkit.preflight.applicable import refuse_inapplicable
from govkit.preflight.batches import BatchPredictor
from govkit.preflight.engine import (
    EngineTables,
    attach_rows,
    chosen_engine,
    open_tables,
    sampled_frames,
    too_large_for_memory,
)
from govkit.preflight.frames import check_columns, frame_bytes, guard_memory, read_frame
from govkit.preflight.labels import check_class_columns, task_and_label
from govkit.preflight.predictions import (
    model_features,
    plan_model_task,
    predict_with_model,
    predictions_from_columns,
)
from govkit.preflight.tasks import settle_task

if TYPE_CHECKING:
    import pandas as pd

    from govkit.engines import EngineOptions
    from govkit.policy import Policy

__all__ = ["Preflight", "frame_bytes", "prepare"]


class Preflight:
    """The user's inputs on their way to an ``AuditContext``; see the module docstring for the phases."""

    def __init__(
        self,
        *,
        data: Any,
        reference: Any = None,
        model: Any = None,
        target: str | None = None,
        sensitive: list[str] | None = None,
        features: list[str] | None = None,
        prediction_column: str | None = None,
        probability_column: str | None = None,
        positive_label: Any = None,
        seed: int = 0,
        trusted_types: list[str] | None = None,
        trust_pickle: bool = False,
        model_sha256: str | None = None,
        task: str | None = None,
        policy: Policy | None = None,
        columns: list[str] | None = None,
        max_columns: int | None = None,
        class_probabilities: dict[Any, str] | None = None,
        engine: EngineOptions | None = None,
    ) -> None:
        self.data, self.reference, self.model = data, reference, model
        self.target, self.sensitive = target, list(dict.fromkeys(sensitive or []))
        self.features, self.positive_label, self.seed = features, positive_label, seed
        self.prediction_column, self.probability_column = prediction_column, probability_column
        self.trusted_types, self.trust_pickle, self.model_sha256 = trusted_types, trust_pickle, model_sha256
        # the task asked for (checked against the evidence) and the policy whose checks must apply to it
        self.task, self.policy = task, policy
        # predictions given as columns: class label -> the column of its probability (a multiclass matrix)
        self.class_probabilities = dict(class_probabilities or {})
        self.columns, self.max_columns = columns, max_columns  # the columns audited, and the width refused
        # what provenance records: role -> {path, sha256} of every file read, and the model's type
        self.files: dict[str, dict[str, str]] = {}
        self.model_type: str | None = None
        self.engine = engine  # where the rows live (``govkit.engines``); None: in memory, with pandas
        self.tables: EngineTables | None = None  # the tables on a stream or Spark engine
        self._context: AuditContext | None = None
        self._names = ("", "")  # how messages name the current and reference data
        self._predicted = False
        self._engine_samples: list[dict[str, Any]] = []

    @property
    def context(self) -> AuditContext:
        if self._context is None:
            raise RuntimeError("Preflight.read_frames() has not run yet")
        return self._context

    @property
    def engine_record(self) -> dict[str, Any] | None:
        """What provenance records about the stream or Spark engine; None in memory."""
        return None if self.tables is None else self.tables.describe()

    @property
    def predictions_pending(self) -> bool:
        """True while a model's predictions are still to be computed by ``predict``."""
        return self.model is not None and not self._predicted

    def read_frames(self) -> AuditContext:
        """Phase 1: check the arguments, read both frames, check the named columns; a context of frames."""
        self._check_arguments()
        current, current_name, reference, reference_name = self._read_tables()
        if reference is not None and not set(current.columns) & set(reference.columns):
            raise coded(
                "GK113",
                f"{reference_name}: shares no column with {current_name}; give reference data with the same columns",
            )
        if self.tables is None:
            guard_memory([(current, current_name), (reference, reference_name)])
        roles = [self.target, self.prediction_column, self.probability_column, *self.sensitive, *(self.features or [])]
        roles += list(self.class_probabilities.values())
        current, reference = narrow_frames(  # a chosen set of columns; a table too wide refused (GK114)
            (current, current_name), (reference, reference_name), self.columns, roles, self.max_columns
        )
        check_columns(
            current, current_name, self.target, self.sensitive, self.prediction_column, self.probability_column
        )
        check_class_columns(current, current_name, self.class_probabilities)
        self._names = (current_name, reference_name)
        self._context = AuditContext(
            current=current,
            reference=reference,
            target=self.target,
            sensitive=self.sensitive,
            features=[],
            task="unknown",
            positive_label=None,
            seed=self.seed,
            prediction_column=self.prediction_column,
            probability_column=self.probability_column,
        )
        if self.tables is not None:
            self._context.sampling.extend(self._engine_samples)
        return self._context

    def _read_tables(self) -> tuple[pd.DataFrame, str, pd.DataFrame | None, str]:
        """Both tables: read into memory, or sampled on an engine (chosen, or because they would not fit)."""
        options = chosen_engine(self.data, self.engine)
        reason = None
        if options.name == "pandas":
            try:
                current, current_name = read_frame(self.data, "current", "--data", self.files)
                reference, reference_name = (None, "")
                if self.reference is not None:
                    reference, reference_name = read_frame(self.reference, "reference", "--reference", self.files)
                return current, current_name, reference, reference_name
            except InputError as error:
                if not too_large_for_memory(error, self.data):
                    raise
            from dataclasses import replace

            options, reason = replace(options, name="stream"), "the data would not fit in memory"
            self.files.clear()
        self.tables = open_tables(self.data, self.reference, options, reason)
        sampled, other, self._engine_samples = sampled_frames(self.tables, self.seed)
        for role, table in (("current", self.tables.current), ("reference", self.tables.reference)):
            if table is not None and table.files:
                self.files[role] = dict(table.files)
        other_name = "" if self.tables.reference is None else self.tables.reference.name
        return sampled, self.tables.current.name, other, other_name

    def plan(self) -> None:
        """Phase 2: load the model; decide input columns, task and favourable label (predictions from columns too);
        refuse a policy with checks that do not apply to the task."""
        ctx = self.context
        fitted = self._load_model()
        roles = (self.target, self.prediction_column, self.probability_column, *self.class_probabilities.values())
        excluded = {column for column in roles if column is not None}
        ctx.features = model_features(fitted, self.features, list(ctx.current.columns), excluded, self._names[0])
        ctx.model = fitted
        if fitted is not None:
            plan_model_task(ctx, self.positive_label, self.task, self._names[0])
        elif self.prediction_column is not None:
            predictions_from_columns(ctx, self.positive_label, self.task, *self._names, self.class_probabilities)
        elif self.target is not None:
            # no predictions: no check judges the favourable outcome, so a given one is checked, none inferred
            observed = ctx.current[self.target].dropna()
            ctx.task, ctx.positive_label = task_and_label(
                observed, None, self.positive_label, False, False, self.task, infer=False
            )
        elif self.task is not None:
            ctx.task = settle_task("unknown", self.task, [], False, False)
        if self.policy is not None:
            refuse_inapplicable(self.policy, ctx.task)  # before any check runs, not as a row of skips
        if self.tables is not None and not self.predictions_pending:
            attach_rows(ctx, self.tables, self._batch_predictor())

    def predict(self) -> None:
        """Phase 3: the model's predictions on the current frame and on the reference rows the policy's checks
        read (nothing to do without a model)."""
        if self.predictions_pending:
            predict_with_model(self.context, *self._names, self.policy)
            self._predicted = True
            if self.tables is not None:
                attach_rows(self.context, self.tables, self._batch_predictor())

    def _batch_predictor(self) -> BatchPredictor | None:
        """The model's (or the prediction columns') outputs for the engine's batches; None without predictions."""
        ctx = self.context
        if ctx.model is None and ctx.prediction_column is None:
            return None
        seen: list[Any] = []
        if ctx.prediction_column is not None:
            import pandas as pd

            columns = [c for c in (ctx.prediction_column, ctx.target) if c is not None]
            seen = list(pd.unique(pd.concat([ctx.current[c] for c in columns]).dropna()))
        predictor = BatchPredictor.of(ctx, self._names[0], labels=seen, mapping=self.class_probabilities)
        assert self.tables is not None
        if self.tables.options.name == "spark" and isinstance(self.model, (str, os.PathLike)):
            # executors load the file's bytes with the same trust rules, not an object pickled here
            pinned = self.files["model"]["sha256"]
            return predictor.shipping_model_file(Path(self.model), pinned, self.trusted_types, self.trust_pickle)
        return predictor

    def __enter__(self) -> Preflight:
        return self

    def __exit__(self, *exc: object) -> None:
        """Free what an engine kept for the audit (a no-op in memory)."""
        if self._context is not None and self._context.source is not None:
            self._context.source.release()

    def run(self) -> AuditContext:
        """All three phases."""
        self.read_frames()
        self.plan()
        self.predict()
        return self.context

    def _check_arguments(self) -> None:
        if self.data is None:
            raise coded("GK100", "no current data given; pass --data FILE (or data: in govkit.yaml)")
        if self.model is not None and self.prediction_column is not None:
            raise coded("GK202", "give either --model or --prediction-column, not both")
        if self.class_probabilities and (self.prediction_column is None or self.probability_column is not None):
            raise coded(
                "GK202",
                "--class-probability gives the class probabilities of predictions in --prediction-column; give it "
                "with --prediction-column, and instead of --probability-column",
            )
        if self.model_sha256 and not isinstance(self.model, (str, os.PathLike)):
            raise coded(
                "GK309",
                "--model-sha256 pins a model file, but no model file was given; pass the model as a path, or drop "
                "the pin",
            )
        if self.model_sha256:
            check_sha256_pin(self.model_sha256)  # a malformed pin is reported before any file is read

    def _load_model(self) -> Any:
        if self.model is None:
            return None
        if isinstance(self.model, (str, os.PathLike)):
            path = Path(self.model)
            fitted = load_model(
                path,
                trusted_types=self.trusted_types,
                trust_pickle=self.trust_pickle,
                expected_sha256=self.model_sha256,
            )
            self.files["model"] = {"path": str(path), "sha256": sha256_file(path)}
        else:
            fitted = self.model
        self.model_type = f"{type(fitted).__module__}.{type(fitted).__qualname__}"
        return fitted


def prepare(**inputs: Any) -> Preflight:
    """Run every phase of preflight on ``inputs`` (the arguments of ``Preflight``); ``.context`` is the result."""
    preflight = Preflight(**inputs)
    preflight.run()
    return preflight
