"""Which process runs each check: the forked workers' groups, the order a worker runs its checks in,
and the models the explain worker may take.

``govkit.parallel`` forks and feeds the workers; this module only decides, from the checks' declared
inputs (``CheckDef.requires``) and the model's classes, so the rules can be read and tested alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.registry import find_check, split_check_id

if TYPE_CHECKING:
    from govkit.policy import ResolvedCheck

# One forked worker per group. Quality's checks read only the frames (never the plan or the predictions).
DRIFT_GROUP = frozenset({"drift"})
WORKER_GROUPS: tuple[frozenset[str], ...] = (DRIFT_GROUP, frozenset({"quality"}))
WORKER_FAMILIES = frozenset().union(*WORKER_GROUPS)
PLAN_FREE_FAMILIES = frozenset({"quality"})
# Checks of these families that never touch the model go to the drift worker too. They read the frames,
# the plan and the predictions, which that worker has, and not the model, which only this process loads.
# Here they would run one after another on one core once the predictions are in, while the drift worker,
# its columns tested, waits for those predictions with nothing to do (at 1M rows: 2 s of robustness
# checks here, beside 7 s of the worker waiting).
BORROWED_BY_DRIFT = frozenset({"robustness"})
# Forked once the model is loaded (see govkit.parallel's docstring): its checks need the model, not the
# predictions; only for models scikit_learn_only accepts.
MODEL_FAMILIES = frozenset({"explain"})
PREDICTION_INPUTS = frozenset({"prediction", "probability", "classifier"})


def in_worker(check: ResolvedCheck) -> bool:
    return any(_taken_by(group, check) for group in WORKER_GROUPS)


def _taken_by(group: frozenset[str], check: ResolvedCheck) -> bool:
    family = split_check_id(check.spec.id)[0]
    if family in group:
        return True
    if group is not DRIFT_GROUP or family not in BORROWED_BY_DRIFT:
        return False
    found = find_check(check.spec.id)
    return found is not None and "model" not in found[1].requires


def worker_groups(checks: list[ResolvedCheck]) -> list[list[ResolvedCheck]]:
    """The checks each worker runs, one list per group of ``WORKER_GROUPS`` that has any, in policy order."""
    groups = [[c for c in checks if _taken_by(group, c)] for group in WORKER_GROUPS]
    return [group for group in groups if group]


def run_order(checks: list[ResolvedCheck]) -> list[int]:
    """The order a worker runs its checks in: those that need no predictions first (policy order within
    each part), so that the wait for the model's predictions comes as late as it can."""
    return sorted(range(len(checks)), key=lambda index: needs_predictions(checks[index]))


def needs_plan(checks: list[ResolvedCheck]) -> bool:
    """Whether these checks read what the plan decides (columns, task, predictions)."""
    return any(split_check_id(c.spec.id)[0] not in PLAN_FREE_FAMILIES for c in checks)


def needs_predictions(check: ResolvedCheck) -> bool:
    found = find_check(check.spec.id)
    return found is not None and bool(found[1].requires & PREDICTION_INPUTS)


def scikit_learn_only(model: Any) -> bool:
    """Whether ``model`` and every estimator inside it (pipeline steps, column transformers' parts, the
    members of a stacking or voting ensemble, a wrapped estimator) is one of scikit-learn's own classes."""
    seen: set[int] = set()

    def own(part: Any) -> bool:
        if id(part) in seen:
            return True
        seen.add(id(part))
        if not type(part).__module__.startswith("sklearn."):
            return False
        return all(own(inner) for inner in _estimators_inside(part))

    return own(model)


def _estimators_inside(part: Any) -> list[Any]:
    """The estimators a scikit-learn meta-estimator holds: in (name, estimator, ...) lists such as
    ``steps``, ``transformers`` and ``estimators``, fitted lists (``estimators_``), or one attribute."""
    found: list[Any] = []
    for name in ("steps", "transformers", "transformers_", "estimators"):
        for entry in getattr(part, name, None) or []:
            if isinstance(entry, tuple):
                found += [item for item in entry[1:2] if not isinstance(item, str) and item is not None]
    fitted = getattr(part, "estimators_", None)
    if isinstance(fitted, list):  # stacking, voting, bagging (a gradient boosting's trees are an array)
        found += [item for item in fitted if not isinstance(item, (str, list, tuple))]
    for name in ("estimator", "base_estimator", "estimator_", "final_estimator", "final_estimator_"):
        item = getattr(part, name, None)
        if item is not None and not isinstance(item, str):
            found.append(item)
    return found
