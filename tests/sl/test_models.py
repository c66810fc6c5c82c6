"""Seed ensembles, isotonic calibration, optional model kinds, walk-forward windows, SHAP pruning, stacking."""

from __future__ import annotations

import dataclasses
import importlib
import os
import subprocess
import sys

import numpy as np
import pytest

from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.eval.windows import ensemble_scores
from aurumq_rl.sl.dataset import Dataset, Split, build_dataset
from aurumq_rl.sl.labels import Label, binary_event
from aurumq_rl.sl.models import MODEL_KINDS, apply_isotonic, fit_ensemble, fit_isotonic, require, train_model
from aurumq_rl.sl.pipeline import SLRun, prepare_target, train_split, window_ic
from aurumq_rl.sl.prune import prune
from aurumq_rl.sl.stacking import OOFPredictions, fit_stacker, regime_features, stack_walk_forward
from aurumq_rl.sl.walk_forward import WalkForwardConfig, walk_forward, wf_windows
from tests.sl.helpers import FAST


def test_seed_ensemble_rank_mean_and_mean(panel: Panel, split: Split, run: SLRun) -> None:
    ens = run.ensemble
    assert ens.seeds == [1, 2] and ens.combine == "rank_mean"
    lo, hi = split.test
    ds = build_dataset(panel, None, lo, hi)
    preds = ens.predict_rows(ds.X)
    assert not np.allclose(preds[0], preds[1])  # the seeds give different members (bagging, feature sampling)
    shape = panel.in_universe.shape
    combined = ens.score_dataset(ds, shape)
    per_seed = []
    for p in preds:
        a = np.full(shape, np.nan)
        a[ds.t_idx, ds.n_idx] = p
        per_seed.append(a)
    mask = np.zeros(shape, bool)
    mask[ds.t_idx, ds.n_idx] = True
    np.testing.assert_allclose(combined, ensemble_scores(per_seed, mask, "rank_mean"))
    v = combined[lo:hi + 1][mask[lo:hi + 1]]
    assert v.min() > 0 and v.max() <= 1
    ens.combine = "mean"
    try:
        np.testing.assert_allclose(ens.score_dataset(ds, shape)[mask], np.mean(per_seed, 0)[mask])
    finally:
        ens.combine = "rank_mean"
    np.testing.assert_array_equal(run.scores[lo:hi + 1], combined[lo:hi + 1])


def test_same_seed_same_model(panel: Panel, label: Label, split: Split) -> None:
    y = prepare_target(panel, label)
    tr = build_dataset(panel, y, *split.train)
    va = build_dataset(panel, y, *split.val)
    a, b = train_model(tr, va, FAST, 7), train_model(tr, va, FAST, 7)
    np.testing.assert_array_equal(a.predict(va.X), b.predict(va.X))


def test_isotonic_calibration_on_validation(panel: Panel, split: Split) -> None:
    from sklearn.isotonic import IsotonicRegression

    lab = binary_event(panel, 5, rate=0.1, calib=split.train)
    r = train_split(panel, lab, split, FAST, [1, 2])
    ens = r.ensemble
    assert ens.calibration is not None and ens.combine == "mean"
    val = build_dataset(panel, lab.values, *split.val)
    raw = ens.predict_rows(val.X).mean(0)
    assert ens.calibration == fit_isotonic(raw, val.y)  # fitted on the validation rows
    grid = np.linspace(raw.min() - 0.1, raw.max() + 0.1, 500)
    cal = apply_isotonic(ens.calibration, grid)
    assert (np.diff(cal) >= 0).all() and cal.min() >= 0 and cal.max() <= 1
    iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(raw, val.y)
    np.testing.assert_allclose(cal, iso.predict(grid), atol=1e-12)
    test = r.scores[split.test[0]:split.test[1] + 1]
    fin = test[np.isfinite(test)]
    assert fin.min() >= 0 and fin.max() <= 1
    assert np.isnan(apply_isotonic(ens.calibration, np.array([np.nan])))[0]


def _importable(kind: str) -> bool:
    """Whether the library of a model kind imports here (the oracle `require` is checked against)."""
    try:
        importlib.import_module(kind)
    except ImportError:
        return False
    return True


def test_optional_model_kinds() -> None:
    assert _importable("lightgbm") and require("lightgbm").__name__ == "lightgbm"
    for kind in MODEL_KINDS:
        if not _importable(kind):
            with pytest.raises(DataError, match=f"--model {kind}: the package '{kind}' is not installed"):
                require(kind)
    with pytest.raises(DataError, match="--model sklearn"):
        require("sklearn")


def test_walk_forward_windows() -> None:
    cfg = WalkForwardConfig(train_days=200, test_days=50, gap=10, min_train_days=100)
    ws = wf_windows(600, horizon=6, cfg=cfg)
    assert ws[0].test[0] == 110 and ws[-1].test[1] == 599
    for i, w in enumerate(ws):
        assert w.train[1] + 6 < w.val[0]  # embargo inside the training span
        assert w.test[0] - w.val[1] - 1 == 10  # the gap
        assert w.val[1] + 6 < w.test[0]  # no test date inside (or reached by a label of) the training span
        assert w.train[0] <= w.train[1] < w.val[0] <= w.val[1] < w.test[0] <= w.test[1]
        assert w.val[1] - w.train[0] + 1 <= 200  # the rolling span
        if i:
            assert w.test[0] == ws[i - 1].test[1] + 1
    assert ws[0].train[0] == 0 and ws[-1].train[0] > 0  # expanding first, rolling once data allow
    with pytest.raises(DataError, match="gap 3 is shorter"):
        wf_windows(600, 6, dataclasses.replace(cfg, gap=3))
    assert wf_windows(3000, 6)[0].val[1] - wf_windows(3000, 6)[-1].train[0] < 5 * 252 + 1  # default 5 years


@pytest.fixture(scope="module")
def wf(panel: Panel, label: Label):  # noqa: ANN201
    cfg = WalkForwardConfig(train_days=150, test_days=40, min_train_days=100)
    return walk_forward(panel, label, FAST, [1], cfg)


def label_h(wf) -> int:  # noqa: ANN001
    return wf.windows[0].embargo - 1


def test_walk_forward_scores_only_out_of_sample(panel: Panel, wf) -> None:  # noqa: ANN001
    assert np.isnan(wf.scores[~wf.oos]).all()
    for w in wf.windows:
        lo, hi = w.test
        assert np.isfinite(wf.scores[lo:hi + 1][panel.in_universe[lo:hi + 1]]).all()
        assert w.val[1] + label_h(wf) < w.test[0]  # no training label window reaches the test window
    first_test = wf.windows[0].test[0]
    assert not wf.oos[:first_test].any()
    assert wf.metrics["label"]["rank_ic"] > 0.08 and wf.metrics["n_windows"] == len(wf.windows)


def test_prune_retrains_and_reports(panel: Panel, label: Label, split: Split, run: SLRun) -> None:
    rep = prune(panel, label, split, FAST, [1, 2], rel_threshold=0.5, base=run)
    assert rep.dropped and rep.kept and set(rep.kept) | set(rep.dropped) == set(panel.factor_names)
    assert "alpha_001" in rep.kept
    assert rep.after.ensemble.feature_names == rep.kept
    assert rep.after.ensemble.members[0].model.num_feature() == len(rep.kept)  # a real retrain on fewer columns
    assert np.isfinite(rep.val_rank_ic_before) and np.isfinite(rep.val_rank_ic_after)
    assert rep.to_dict()["retrained"] and rep.val_rank_ic_before == run.metrics["val"]["label"]["rank_ic"]
    with pytest.raises(DataError, match="drops every column"):
        prune(panel, label, split, FAST, [1], threshold=1e9, base=run)


def test_stacker_fits_only_out_of_fold(panel: Panel, label: Label, wf) -> None:  # noqa: ANN001
    leaky = np.where(wf.oos[:, None], wf.scores, label.values)  # in-sample dates: the label itself
    blank = np.where(wf.oos[:, None], wf.scores, np.nan)
    second = np.where(wf.oos[:, None], panel.factors[:, :, panel.factor_names.index("alpha_002")], np.nan)
    a = fit_stacker([OOFPredictions("gbdt", leaky, wf.oos), OOFPredictions("a2", second, wf.oos)],
                    label.values, panel)
    b = fit_stacker([OOFPredictions("gbdt", blank, wf.oos), OOFPredictions("a2", second, wf.oos)],
                    label.values, panel)
    assert set(a.fit_dates) <= set(np.flatnonzero(wf.oos))
    np.testing.assert_array_equal(a.coef, b.coef)
    assert a.coef[0] > 0
    reg = regime_features(panel)
    assert np.isnan(reg[:19]).all() and np.isfinite(reg[19:]).all()
    oof = stack_walk_forward([OOFPredictions("gbdt", blank, wf.oos)], label.values, panel, label.horizon,
                             step=40, min_fit_dates=30)
    assert np.isnan(oof[~wf.oos]).all() and np.isfinite(oof).any()
    first = np.flatnonzero(np.isfinite(oof).any(1))[0]
    assert wf.oos[:first - label.horizon - 1].sum() >= 30  # each block uses only earlier OOF dates


def test_the_stacker_names_bases_other_than_those_it_was_fitted_on(panel: Panel, label: Label, wf) -> None:  # noqa: ANN001
    blank = np.where(wf.oos[:, None], wf.scores, np.nan)
    second = np.where(wf.oos[:, None], panel.factors[:, :, panel.factor_names.index("alpha_002")], np.nan)
    gbdt, a2 = OOFPredictions("gbdt", blank, wf.oos), OOFPredictions("a2", second, wf.oos)
    st = fit_stacker([gbdt, a2], label.values, panel)
    assert np.isfinite(st.predict([gbdt, a2], panel)).any()
    with pytest.raises(DataError, match=r"fitted on bases \['gbdt', 'a2'\]; got \['a2', 'gbdt'\]"):
        st.predict([a2, gbdt], panel)


def test_the_stacker_needs_a_base_and_out_of_fold_rows_to_fit_on(panel: Panel, label: Label, wf) -> None:  # noqa: ANN001
    """No base, or a date mask that keeps no out-of-fold date (here: only the in-sample dates before the first
    test window), is named; the whole out-of-fold span fits."""
    base = OOFPredictions("gbdt", np.where(wf.oos[:, None], wf.scores, np.nan), wf.oos)
    with pytest.raises(DataError, match="at least one base model"):
        fit_stacker([], label.values, panel)
    with pytest.raises(DataError, match="too few out-of-fold rows"):
        fit_stacker([base], label.values, panel, dates=~wf.oos)
    assert fit_stacker([base], label.values, panel, dates=wf.oos).fit_dates.size > 0


@pytest.mark.parametrize("calibrate", [False, True])
def test_prune_retrain_keeps_the_calibration_setting(panel: Panel, split: Split, calibrate: bool) -> None:
    """The pruned model is calibrated exactly when the model before is: otherwise the keep-or-drop decision
    compares raw probabilities with validation-fitted isotonic scores."""
    lab = binary_event(panel, 5, rate=0.1, calib=split.train)
    base = train_split(panel, lab, split, FAST, [1], calibrate=calibrate)
    assert (base.ensemble.calibration is not None) is calibrate
    rep = prune(panel, lab, split, FAST, [1], rel_threshold=0.5, base=base)
    assert rep.dropped and (rep.after.ensemble.calibration is not None) is calibrate
    assert rep.after.ensemble.combine == base.ensemble.combine
    if not calibrate:  # without `base`, `calibrate` applies to the fit before and so to the retrain
        fresh = prune(panel, lab, split, FAST, [1], rel_threshold=0.5, calibrate=False)
        assert fresh.before.ensemble.calibration is None and fresh.after.ensemble.calibration is None


def test_walk_forward_binary_ic_uses_each_window_label(panel: Panel) -> None:
    """A binary label rebuilt per window (threshold calibrated on that window's training span) is the truth of
    that window's out-of-sample IC, not a label whose threshold saw every date, test windows included."""
    calls: list[tuple[int, int]] = []

    def build(calib: tuple[int, int]) -> Label:
        calls.append(calib)
        return binary_event(panel, 5, rate=0.1, calib=calib)

    res = walk_forward(panel, build, FAST, [1], WalkForwardConfig(test_days=50, min_train_days=120))
    truth = np.full(panel.in_universe.shape, np.nan)
    for w in res.windows:
        truth[w.test[0]:w.test[1] + 1] = build(w.train).values[w.test[0]:w.test[1] + 1]
    lo, hi = res.windows[0].test[0], res.windows[-1].test[1]
    assert res.metrics["label"] == window_ic(res.scores, truth, panel.in_universe, lo, hi)
    everything = binary_event(panel, 5, rate=0.1, calib=(0, len(panel.dates) - 1))
    differ = (truth != everything.values) & np.isfinite(truth) & panel.in_universe
    assert differ.sum() > 0  # the construction separates the two truths ...
    assert res.metrics["label"] != window_ic(res.scores, everything.values, panel.in_universe, lo, hi)  # ... and ICs


def test_catboost_best_iteration_is_the_tree_count(panel: Panel, split: Split) -> None:
    """CatBoost's recorded best iteration is a tree count (best 0-based index + 1), like LightGBM / XGBoost,
    also when the first tree is the best."""
    pytest.importorskip("catboost", reason="the [catboost] extra is part of [dev]")
    params = dataclasses.replace(FAST, num_boost_round=40, early_stopping_rounds=5)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 1)).astype(np.float32)
    idx = np.arange(400)
    train = Dataset(x, x[:, 0].astype(np.float64), idx, idx, ["alpha_000"])
    val = Dataset(x, -x[:, 0].astype(np.float64), idx, idx, ["alpha_000"])  # every tree makes it worse
    first = train_model(train, val, params, 1, "catboost")
    assert first.model.get_best_iteration() == 0 and first.best_iteration == first.model.tree_count_ == 1
    good = train_model(train, train, params, 1, "catboost")
    assert good.best_iteration == good.model.get_best_iteration() + 1 == good.model.tree_count_
    assert train_model(train, None, params, 1, "catboost").best_iteration == 40


@pytest.mark.parametrize(("kind", "hint"), [("lightgbm", r"\(pip install -e '\.\[sl\]'\)$"),
                                            ("xgboost", r"\[xgboost\]'\), or use --model lightgbm$")])
def test_a_model_kind_whose_package_is_missing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, kind: str,
                                                                       hint: str) -> None:
    monkeypatch.setitem(sys.modules, kind, None)
    with pytest.raises(DataError, match=rf"--model {kind}: the package '{kind}' is not installed .*{hint}"):
        require(kind)


def test_require_waits_passively_unless_the_user_chose_an_openmp_policy() -> None:
    """The OpenMP wait policy is set before the library first loads (a fresh interpreter), never overriding one."""
    code = ("import os; from aurumq_rl.sl.models import require; require('lightgbm'); "
            "print(os.environ['OMP_WAIT_POLICY'])")
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    for policy, want in ((None, "PASSIVE"), ("ACTIVE", "ACTIVE")):
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                             env=env if policy is None else {**env, "OMP_WAIT_POLICY": policy})
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == want


def _rows(n: int, y: np.ndarray | None = None) -> Dataset:
    x = np.random.default_rng(0).normal(size=(n, 1)).astype(np.float32)
    idx = np.arange(n)
    return Dataset(x, (x[:, 0] > 0).astype(np.float64) if y is None else y, idx, idx, ["alpha_000"])


def test_prepare_target_names_an_unknown_target(panel: Panel, label: Label) -> None:
    with pytest.raises(DataError, match="target='gauss'"):
        prepare_target(panel, label, "gauss")


def test_a_split_without_the_label_embargo_is_refused_before_training(panel: Panel, label: Label) -> None:
    """The label of date t reads up to t + horizon (6 at fp 5: fill t+1, exit t+6), so the validation window
    must start more than `horizon` dates after training ends, and the test window after validation; a window
    starting exactly `horizon` dates later is refused."""
    h = label.horizon
    assert h == 6
    for bad in (Split((0, 50), (50 + h, 120), (200, 250), h + 1), Split((0, 50), (60, 120), (120 + h, 250), h + 1)):
        with pytest.raises(DataError, match=rf"leaves no embargo for the label horizon {h}"):
            train_split(panel, label, bad, FAST, [1])


def test_training_on_no_rows_says_to_widen_the_dates() -> None:
    with pytest.raises(DataError, match="no training row .* widen the dates"):
        train_model(_rows(0), None, FAST)


def test_a_catboost_binary_model_predicts_probabilities() -> None:
    """Not the 0/1 classes of `CatBoostClassifier.predict`: scores must rank stocks."""
    pytest.importorskip("catboost", reason="the [catboost] extra is part of [dev]")
    rows = _rows(400)
    m = train_model(rows, None, dataclasses.replace(FAST, objective="binary", num_boost_round=20), 1, "catboost")
    p = m.predict(rows.X)
    assert p.dtype == np.float64 and ((p > 0) & (p < 1)).all() and len(np.unique(p)) > 2
    assert np.corrcoef(p, rows.y)[0, 1] > 0.5


def test_isotonic_calibration_needs_both_classes() -> None:
    scores = np.linspace(0, 1, 50)
    with pytest.raises(DataError, match=r"needs both classes; widen it \(sl train: --val-start/--val-end; "
                                        r"sl walk-forward: --train-days, or --positive-rate\)"):
        fit_isotonic(scores, np.zeros(50))
    with pytest.raises(DataError, match="needs both classes"):
        fit_isotonic(scores, np.where(np.arange(50) < 49, np.nan, 1.0))  # one finite row


def test_isotonic_calibration_without_scikit_learn_says_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.isotonic", None)
    with pytest.raises(DataError, match=r"needs scikit-learn: pip install -e '\.\[sl\]'"):
        fit_isotonic(np.linspace(0, 1, 10), np.arange(10) % 2.0)


def test_calibrating_a_regression_ensemble_is_refused(run: SLRun, panel: Panel, split: Split) -> None:
    ens = dataclasses.replace(run.ensemble)
    with pytest.raises(DataError, match="binary labels only"):
        ens.calibrate(build_dataset(panel, None, *split.val))
    assert ens.calibration is None and ens.combine == "rank_mean"


@pytest.mark.parametrize(("seeds", "combine", "message"), [([], None, "--seeds: give at least one seed"),
                                                           ([1], "median", "combine='median': choose one of")])
def test_fit_ensemble_names_a_bad_setting(seeds: list[int], combine: str | None, message: str) -> None:
    with pytest.raises(DataError, match=message):
        fit_ensemble(_rows(100), None, FAST, seeds, combine=combine)
