"""The model's outputs for any batch of rows: what an engine calls where the rows are.

``BatchPredictor`` carries what preflight decided (features, task, favourable label, prediction
columns) and either the loaded model (the stream engine, in this process) or the model file's bytes
(Spark's executors, in other processes), which it loads with ``govkit.inputs.load_model``, so the
sha256 pin, skops' trusted types and the pickle rule hold on every executor as they do here. It
predicts with the very functions preflight uses on the in-memory frames.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.inputs import coded, load_model
from govkit.preflight.predictions import _column_predictions, _model_outputs

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import AuditContext, Predictions

# Models loaded in this process from file bytes, by sha256: an executor loads each model once.
_LOADED: dict[str, Any] = {}


@dataclass
class BatchPredictor:
    """Callable on a batch (a DataFrame) -> ``Predictions``; see the module docstring."""

    plan: AuditContext  # the decided context, without rows
    name: str  # how messages name the data
    labels: list[Any] = field(default_factory=list)  # predictions from columns: the labels seen
    mapping: dict[Any, str] = field(default_factory=dict)  # predictions from columns: class -> column
    model_file: bytes | None = None
    model_sha256: str | None = None  # the digest of the file preflight loaded: the bytes must still match
    trusted_types: list[str] | None = None
    trust_pickle: bool = False

    @classmethod
    def of(cls, ctx: AuditContext, name: str, *, labels: list[Any], mapping: dict[Any, str]) -> BatchPredictor:
        """The predictor for ``ctx`` as preflight left it, holding the loaded model."""
        plan = dataclasses.replace(
            ctx,
            current=ctx.current.iloc[:0],
            reference=None,
            current_predictions=None,
            reference_predictions=None,
            source=None,
            sampling=[],
            _memo={},
        )
        return cls(plan=plan, name=name, labels=labels, mapping=mapping)

    def shipping_model_file(
        self, path: Path, sha256: str, trusted_types: list[str] | None, trust_pickle: bool
    ) -> BatchPredictor:
        """A copy that travels with the model file's bytes (loaded again where it runs, and refused there
        unless they hash to ``sha256``, the digest of the file preflight loaded), not the object."""
        plan = dataclasses.replace(self.plan, model=None, _memo={})
        return dataclasses.replace(
            self,
            plan=plan,
            model_file=path.read_bytes(),
            model_sha256=sha256,
            trusted_types=trusted_types,
            trust_pickle=trust_pickle,
        )

    def __call__(self, frame: pd.DataFrame) -> Predictions:
        if self.plan.prediction_column is not None:
            predicted = frame[self.plan.prediction_column]
            if predicted.isna().any():
                raise coded(
                    "GK203",
                    f"{self.name}: prediction column {self.plan.prediction_column!r} has "
                    f"{int(predicted.isna().sum())} empty value(s); every row needs a prediction, so drop the rows "
                    "without one",
                )
            return _column_predictions(self.plan, frame, self.labels, self.name, self.mapping)
        if self.plan.model is None and self.model_file is not None:
            self.plan.model = self._load()
        return _model_outputs(self.plan, frame, self.name)

    def _load(self) -> Any:
        assert self.model_file is not None
        digest = self.model_sha256 or hashlib.sha256(self.model_file).hexdigest()
        if digest not in _LOADED:
            with tempfile.TemporaryDirectory(prefix="govkit-model-") as folder:
                path = Path(folder) / "model"
                path.write_bytes(self.model_file)
                _LOADED[digest] = load_model(
                    path, trusted_types=self.trusted_types, trust_pickle=self.trust_pickle, expected_sha256=digest
                )
        return _LOADED[digest]
