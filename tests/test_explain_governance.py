"""Governance checks on top of SHAP: proxies of sensitive attributes, importance by group, summaries, and
how the report section finds them by their evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from govkit.context import AuditContext, Predictions
from govkit.families import explain
from govkit.families.explain.params import DisparityParams, ExplainParams, ProxyParams
from govkit.families.explain.proxies import proxy_strength
from govkit.report.sections import explain as section
from govkit.results import CheckResult, Status


def _frame(rows: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], size=rows)
    # "title" is a near-copy of sex (a proxy); "hours" and "skill" are independent of it
    title = np.where(rng.random(rows) < 0.95, np.where(sex == "F", "Ms", "Mr"), np.where(sex == "F", "Mr", "Ms"))
    skill = rng.normal(size=rows)
    hours = rng.normal(40, 5, size=rows)
    logit = 1.5 * skill + 2.0 * (title == "Mr") - 1.0
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"title": title, "skill": skill, "hours": hours, "sex": sex, "y": y})


def _context(frame: pd.DataFrame, features: list[str]) -> AuditContext:
    encode = ColumnTransformer(
        [
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                [c for c in features if frame[c].dtype == object],
            )
        ],
        remainder="passthrough",
    )
    model = Pipeline([("encode", encode), ("model", GradientBoostingClassifier(random_state=0))]).fit(
        frame[features], frame["y"]
    )
    labels = model.predict(frame[features])
    return AuditContext(
        current=frame,
        reference=frame,
        target="y",
        sensitive=["sex"],
        features=features,
        task="binary",
        positive_label=1,
        model=model,
        current_predictions=Predictions(labels=labels, scores=None),
    )


def test_proxy_strength_by_hand() -> None:
    sex = pd.Series(["F", "M"] * 200)
    assert proxy_strength(sex.map({"F": "Ms", "M": "Mr"}), sex, seed=0) == pytest.approx(1.0)
    noise = pd.Series(np.random.default_rng(1).normal(size=400))
    assert abs(proxy_strength(noise, sex, seed=0) - 0.5) < 0.1
    assert proxy_strength(pd.Series(["a"] * 400), pd.Series(["F"] * 400), seed=0) is None  # one group only


def test_a_built_proxy_is_flagged_and_independent_columns_are_not() -> None:
    ctx = _context(_frame(), ["title", "skill", "hours"])  # sex itself is not a model input
    measured = explain.run("proxy_features", ProxyParams(), ctx)
    table = {row["column"]: row for row in measured.details["proxies"]}
    assert table["title"]["flagged"] is True
    assert table["title"]["proxy_auc"]["sex"] > 0.9
    assert table["skill"]["flagged"] is False and abs(table["skill"]["proxy_auc"]["sex"] - 0.5) < 0.1
    assert measured.value == 1.0
    assert measured.summary.startswith("Likely proxies: title predicts sex with AUC 0.9")
    # the sensitive column, not being an input, carries no importance directly
    assert explain.run("sensitive_feature_importance", ExplainParams(), ctx).value == 0.0


def test_importance_disparity_sees_groups_that_lean_on_different_inputs() -> None:
    rng = np.random.default_rng(2)
    rows = 2000
    group = rng.choice(["a", "b"], size=rows)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    # for group a the outcome follows x1, for group b it follows x2
    y = np.where(group == "a", x1 > 0, x2 > 0).astype(int)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "g": np.where(group == "a", 0.0, 1.0), "sex": group, "y": y})
    ctx = _context(frame, ["x1", "x2", "g"])
    measured = explain.run("importance_disparity", DisparityParams(), ctx)
    tops = {row["group"]: row["top"][0] for row in measured.details["groups"]}
    assert tops == {"a": "x1", "b": "x2"}
    assert measured.value > 0.2

    same = _frame(rows=1500, seed=3)
    same["sex"] = np.random.default_rng(4).choice(["F", "M"], size=len(same))  # unrelated to everything
    flat = explain.run("importance_disparity", DisparityParams(), _context(same, ["title", "skill", "hours"]))
    assert flat.value < 0.1


def test_summary_plot_and_local_explanations_hold_no_raw_values() -> None:
    frame = _frame(rows=600)
    ctx = _context(frame, ["title", "skill", "hours"])
    measured = explain.run("top_feature_share", ExplainParams(), ctx)
    plot = measured.details["summary_plot"]
    assert [row["column"] for row in plot][:1] == [measured.details["importance"][0]["column"]]
    for row in plot:
        assert row["rank"] is None or all(r is None or 0 <= r <= 1 for r in row["rank"])
    title_row = next(row for row in plot if row["column"] == "title")
    assert title_row["rank"] is None  # non-numeric: no rank, never the category itself
    local = measured.details["local"]
    assert [case["kind"] for case in local] == ["most confident"] * 2 + ["least confident"] * 2
    for case in local:
        total = sum(c["shap"] for c in case["contributions"]) + case["other"] + case["base_value"]
        assert total == pytest.approx(case["output"], abs=1e-9)
        assert set(case) == {"kind", "output", "base_value", "contributions", "other"}


def test_the_report_section_finds_each_check_by_its_evidence() -> None:
    ctx = _context(_frame(rows=600), ["title", "skill", "hours"])

    def check(name: str, recorded_as: str) -> CheckResult:
        measured = explain.run(name, explain.CHECKS[name].params(), ctx)
        return CheckResult(
            id=recorded_as, family="explain", title=name, status=Status.PASS, message="", measurement=measured
        )

    # ids a section must not rely on: a renamed check (or a policy's alias) still shows its table
    skipped = CheckResult(id="explain.additivity", family="explain", title="", status=Status.SKIP, message="")
    checks = [skipped, check("importance_disparity", "explain.by_group"), check("proxy_features", "explain.proxies")]
    view = section.build(checks)
    assert [g.group for g in view.disparity] == ["sex = F", "sex = M"]
    assert [p.column for p in view.proxies if p.flagged] == ["title"]
    assert view.explainer == "TreeExplainer"
    assert view.chart is not None and view.beeswarm is not None and len(view.local) == 4
    assert view.sensitive == []  # no sensitive_feature_importance check: nothing highlighted

    assert section.build([skipped]) == section.ExplainView()


def test_the_report_section_states_the_output_space_and_each_explained_output() -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier

    frame = _frame(rows=600)
    frame["band"] = np.select([frame["skill"] < -0.5, frame["skill"] < 0.5], ["low", "mid"], "high")
    features = ["skill", "hours"]
    forest = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(frame[features], frame["band"])
    ctx = AuditContext(
        current=frame,
        reference=frame,
        target="band",
        sensitive=["sex"],
        features=features,
        task="multiclass",
        positive_label=None,  # no favourable set: every class on its own
        model=forest,
    )
    measured = explain.run("additivity", ExplainParams(), ctx)
    result = CheckResult(
        id="explain.additivity", family="explain", title="", status=Status.PASS, message="", measurement=measured
    )
    view = section.build([result])
    assert view.space == "probability"
    assert [o.name for o in view.outputs] == ["probability of 'high'", "probability of 'low'", "probability of 'mid'"]
    assert view.local == []  # several outputs: no single decision boundary
    assert view.towards == "the explained class the model scores highest for that row"

    regressor = HistGradientBoostingRegressor(max_iter=20, random_state=0).fit(frame[features], frame["hours"] * 2)
    ctx = AuditContext(
        current=frame,
        reference=frame,
        target="hours",
        sensitive=["sex"],
        features=features,
        task="regression",
        positive_label=None,
        model=regressor,
    )
    measured = explain.run("additivity", ExplainParams(), ctx)
    view = section.build([result.model_copy(update={"measurement": measured})])
    assert view.space == "prediction"
    assert view.towards == "a higher prediction"

    # results written before the space was recorded still render, without the statement
    old = measured.model_copy(update={"details": {k: v for k, v in measured.details.items() if k != "space"}})
    view = section.build([result.model_copy(update={"measurement": old})])
    assert view.space is None
