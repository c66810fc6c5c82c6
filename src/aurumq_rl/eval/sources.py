"""Score sources for `aurumq-rl eval` / `compare`: resolve each SOURCE to a dense [T, N] float64 array aligned
to one evaluation `Panel` (NaN = not scored), so every source is judged on identical dates, stocks and masks.

A SOURCE is, in this order of resolution:
- `factor:NAME`: the raw value of a factor column of the data is the score (any factor is a baseline);
- a file: a Parquet of precomputed scores (`ts_code`, `trade_date`, `score`) — the project-wide contract,
  `aurumq_rl.data.scores`; one that records its universe and market rules is judged under them by default;
- a directory holding `scores.parquet` (an SL run writes its test-window scores there): that file, under its
  record, or for a file without one, under the universe and rules the model saved beside it recorded;
- a model directory (`metadata.json` + `policy.onnx`, `manifest.json` with `"kind": "sl_gbdt"`, an RL
  run with `bundle/` or an SL run with `model/`): scored by `aurumq_rl.infer.load_scorer` with the model's own
  preprocessing;
- a bare NAME that is a column of the data: as `factor:NAME`.

The evaluation panel spans [--start − WARMUP_DAYS, --end + max(fp, main-wave hold) + 2 + TAIL_MARGIN_DAYS]
trading days: the tail holds the forward windows of the last decisions (and a margin, see TAIL_MARGIN_DAYS),
the head warms up the MA5/MA10 of the main-wave exit rule. Decision dates stay --start..--end
(`EvalPanel.lo`..`hi`); a model scores only start − warm-up .. --end.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from aurumq_rl.data.check import date_window
from aurumq_rl.data.contract import factor_columns, trade_date_expr
from aurumq_rl.data.labels import LABEL_WARMUP_DAYS, MAIN_WAVE_MAX_HOLD, last_decision_index
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.scores import read_score_frame, read_scores_record
from aurumq_rl.data.source import collect_source, scan_with_schema, to_date
from aurumq_rl.errors import DataError, did_you_mean
from aurumq_rl.infer.scorer import in_sample_message
from aurumq_rl.market.status import MarketConfig

RUN_SCORES_FILE = "scores.parquet"
DEFAULT_UNIVERSE = "main_board_non_st"
WARMUP_DAYS = LABEL_WARMUP_DAYS  # trading days loaded before --start (MA10 of the main-wave exit rule)
TAIL_MARGIN_DAYS = 60  # extra trading days after the forward windows: a stock suspended at an exit date
# that trades again later keeps its later bars in view instead of looking delisted at the panel's end
ACCEPTED = ("a scores Parquet (ts_code, trade_date, score), a run directory holding scores.parquet, a model "
            "directory (metadata.json + policy.onnx, manifest.json with kind sl_gbdt, or a run with bundle/), "
            "or a factor column of the data (NAME or factor:NAME)")


@dataclass
class SourceSpec:
    """One SOURCE argument, classified: kind is factor | parquet | run | model."""

    spec: str
    kind: str
    name: str
    path: Path | None = None
    factor: str | None = None
    negate: bool = False
    scorer: Any = None  # the loaded scorer of a model source
    # the universe and market rules the source was made under: a model's metadata; for a scores Parquet the
    # record `write_scores` left in it, else (a run directory's scores.parquet) the metadata of the model
    # saved beside it; None for a factor or a Parquet written elsewhere
    recorded: dict[str, Any] | None = None

    @property
    def what(self) -> str:
        """How messages name the source whose record they cite."""
        return f"the {'model' if self.kind == 'model' else 'scores'} {self.spec}"


@dataclass
class ScoreSet:
    """A source's scores aligned to the evaluation panel, with what was ignored while aligning."""

    name: str
    kind: str
    spec: str
    scores: np.ndarray  # [T, N] float64, NaN = not scored
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalPanel:
    """The evaluation panel and the decision-date index range lo..hi (inclusive) of --start..--end; a model
    source is scored under the same universe and market rules."""

    panel: Panel
    lo: int
    hi: int
    universe: str
    market: MarketConfig = MarketConfig()


def data_columns_and_calendar(data: str | Path) -> tuple[list[str], np.ndarray]:
    """The data's column names and its sorted trading dates (datetime64[D]), read without loading factors."""
    lf, name, schema = scan_with_schema(data)
    if "trade_date" not in schema.names():
        raise DataError(f"{name}: no trade_date column; the data contract needs ts_code, trade_date, ...")
    cal = collect_source(lf.select(trade_date_expr(schema["trade_date"], name)).unique().drop_nulls(), name)
    return list(schema.names()), np.sort(cal["trade_date"].to_numpy().astype("datetime64[D]"))


# ---------------------------------------------------------------- classification
def _model_kind(path: Path) -> bool:
    """A bundle, an SL model directory, or a run directory holding one (`infer.find_model`)."""
    from aurumq_rl.infer import find_model

    return find_model(path) is not None


def classify_source(spec: str, columns: Sequence[str], negate: bool = False) -> SourceSpec:
    """Decide what SOURCE `spec` is (see the module docstring); DataError naming it and listing what is
    accepted when it is none of them."""
    sign = "-" if negate else ""
    if spec.startswith("factor:"):
        col = spec.removeprefix("factor:")
        if col not in columns:
            hint = did_you_mean(col, factor_columns(list(columns)))
            raise DataError(f"--scores {spec}: column '{col}' is not in the data{hint}")
        return SourceSpec(spec, "factor", sign + col, factor=col, negate=negate)
    path = Path(spec)
    if path.is_file():
        return SourceSpec(spec, "parquet", sign + path.stem, path=path, negate=negate,
                          recorded=read_scores_record(path))
    if path.is_dir():
        name = sign + (path.resolve().name or spec)
        if (path / RUN_SCORES_FILE).is_file():
            return SourceSpec(spec, "run", name, path=path / RUN_SCORES_FILE, negate=negate,
                              recorded=read_scores_record(path / RUN_SCORES_FILE) or _run_record(path))
        if _model_kind(path):
            return SourceSpec(spec, "model", name, path=path, negate=negate)
        from aurumq_rl.infer import no_model_note

        note = no_model_note(path)
        if note:
            raise DataError(f"--scores {spec}: {note}")
        raise DataError(f"--scores {spec}: directory holds neither {RUN_SCORES_FILE} nor a model "
                        "(metadata.json + policy.onnx, manifest.json, bundle/); SOURCE must be " + ACCEPTED)
    if spec in columns:
        return SourceSpec(spec, "factor", sign + spec, factor=spec, negate=negate)
    hint = did_you_mean(spec, factor_columns(list(columns)))
    raise DataError(f"--scores {spec}: unknown source (not a file, a directory or a column of the data){hint}; "
                    "SOURCE must be " + ACCEPTED)


def _run_record(run: Path) -> dict[str, Any] | None:
    """The metadata of the model a run directory saved beside its scores.parquet (an SL run's model/), read
    without loading the model, so scores from before the file carried its own record are evaluated under the
    universe and rules they were made under."""
    from aurumq_rl.infer import find_model

    found = find_model(run)
    if found is None:
        return None
    from aurumq_rl.export.bundle import METADATA_FILE
    from aurumq_rl.sl.model_io import MANIFEST

    file = found[0] / (METADATA_FILE if found[1] == "rl" else MANIFEST)
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"--scores {run}: cannot read {file} ({exc})") from exc
    return meta if isinstance(meta, dict) else None


def numbered(names: Sequence[str], taken: Sequence[str] = ()) -> list[str]:
    """`names` made unique for keying results: a repeat (or a name in `taken`) becomes `name#2`, `name#3`, …"""
    seen = dict.fromkeys(taken, 1)
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def unique_names(specs: Sequence[SourceSpec]) -> None:
    """Make display names unique in place (`numbered`) so results can be keyed by name."""
    for s, name in zip(specs, numbered([s.name for s in specs]), strict=True):
        s.name = name


def _index_of(sorted_keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index into `sorted_keys`, found) for each value, vectorised."""
    if not len(sorted_keys):
        return np.zeros(len(values), np.int64), np.zeros(len(values), bool)
    i = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return i, sorted_keys[i] == values


def align_long(frame: pl.DataFrame, panel: Panel) -> tuple[np.ndarray, dict[str, int]]:
    """Scatter a long (ts_code, trade_date, score) frame into [T, N] on the panel's dates × codes. Rows on a
    date outside the panel or for a stock absent from it are ignored and counted; so are rows dated inside the
    panel's span on a day that is not one of its trading dates (`ignored_date_not_trading`, a subset of the
    first count: a weekend, a holiday, or dates shifted by a day)."""
    ci, c_ok = _index_of(panel.codes, frame["ts_code"].to_numpy().astype(str))
    days = frame["trade_date"].to_numpy().astype("datetime64[D]")
    di, d_ok = _index_of(panel.dates, days)
    keep = c_ok & d_ok
    out = np.full(panel.pct_chg.shape, np.nan)
    out[di[keep], ci[keep]] = frame["score"].to_numpy()[keep]
    inside = (days >= panel.dates[0]) & (days <= panel.dates[-1]) if len(panel.dates) else np.zeros(len(days), bool)
    return out, {"rows": frame.height, "rows_used": int(keep.sum()), "ignored_date_outside_panel": int((~d_ok).sum()),
                 "ignored_date_not_trading": int((inside & ~d_ok).sum()),
                 "ignored_stock_not_in_panel": int((d_ok & ~c_ok).sum())}


def alignment_warnings(name: str, info: dict[str, int], data: object, universe: str | None = None) -> list[str]:
    """What `align_long` ignored that the user should hear about: score rows dated on days that are not
    trading dates of `data`, and rows for stocks the panel does not hold (outside `universe` when given)."""
    out = []
    if info.get("ignored_date_not_trading", 0):
        out.append(f"{name}: {info['ignored_date_not_trading']} score row(s) dated on days that are not trading "
                   f"dates of {data} ignored (weekends, holidays, or dates shifted by a day?); date each score by "
                   "the trading date whose close it was made after")
    if info.get("ignored_stock_not_in_panel", 0):
        where = f"never in universe '{universe}' in the window" if universe else f"not in {data}"
        out.append(f"{name}: {info['ignored_stock_not_in_panel']} score row(s) for stocks outside the panel "
                   f"({where}) ignored")
    return out


def align_dense(dates: np.ndarray, codes: np.ndarray, values: np.ndarray, panel: Panel) -> np.ndarray:
    """Re-index a [T', N'] array on (dates, codes) onto the panel's dates × codes (NaN where absent)."""
    di, d_ok = _index_of(panel.dates, np.asarray(dates).astype("datetime64[D]"))
    ci, c_ok = _index_of(panel.codes, np.asarray(codes).astype(str))
    out = np.full(panel.pct_chg.shape, np.nan)
    out[np.ix_(di[d_ok], ci[c_ok])] = np.asarray(values, dtype=np.float64)[np.ix_(d_ok, c_ok)]
    return out


# ---------------------------------------------------------------- models (delegated to aurumq_rl.infer)
def load_model(spec: SourceSpec) -> Any:
    """Load a model source's scorer with `aurumq_rl.infer.load_scorer` (imported here, lazily)."""
    from aurumq_rl.infer import load_scorer

    spec.scorer = load_scorer(spec.path)
    spec.recorded = getattr(spec.scorer, "metadata", None) or {}
    return spec.scorer


def model_scores(spec: SourceSpec, ep: EvalPanel, data: str | Path) -> tuple[np.ndarray, dict[str, Any]]:
    """Score the evaluation window with the model's own panel (its factors and preprocessing) and align the
    [T', N'] result to the evaluation panel."""
    scorer = spec.scorer if spec.scorer is not None else load_model(spec)
    dates = ep.panel.dates
    mp = scorer.load_panel(data, start=str(dates[0]), end=str(dates[ep.hi]), universe=ep.universe,
                           market=ep.market)
    raw = np.asarray(scorer.score_panel(mp), dtype=np.float64)
    in_sample = in_sample_message(getattr(scorer, "metadata", {}), dates[ep.lo:ep.hi + 1])
    if in_sample:
        warnings.warn(f"{spec.name}: {in_sample}", stacklevel=2)
    out = align_dense(mp.dates, mp.codes, raw, ep.panel)
    return out, {"model_stocks": len(mp.codes), "model_dates": len(mp.dates),
                 "factors": len(getattr(scorer, "factor_names", []))}


# ---------------------------------------------------------------- the evaluation panel
def source_universe(specs: Sequence[SourceSpec], universe: str | None) -> str:
    """--universe if given, else the first recorded training universe (a model's, a scores file's, or the model's
    beside a run's scores), else main_board_non_st. The loader's `custom` (a panel loaded with a callable
    universe) names no universe to apply again, so it is passed over."""
    if universe:
        return universe
    for s in specs:
        if s.recorded is not None:
            u = s.recorded.get("universe")
            if isinstance(u, str) and u and u != "custom":
                return u
    return DEFAULT_UNIVERSE


def load_eval_panel(data: str | Path, specs: Sequence[SourceSpec], *, calendar: np.ndarray, universe: str,
                    start: str | date | None, end: str | date | None, forward_period: int,
                    market: MarketConfig = MarketConfig()) -> EvalPanel:
    """Load the evaluation panel (raw factor values of the factor sources, else the first factor) over the
    decision window plus warm-up and forward tail under the `market` rules, and locate --start..--end in it."""
    s, e = to_date(start, "--start"), to_date(end, "--end")
    if s is not None and e is not None and e < s:
        raise DataError(f"--end {e} is before --start {s}")
    if not len(calendar):
        raise DataError(f"{data}: no trading date in the data")
    first, last = date_window(calendar, s, e, str(data), f"in --start {s or calendar[0]} .. --end {e or calendar[-1]}")
    tail = max(forward_period, MAIN_WAVE_MAX_HOLD) + 2 + TAIL_MARGIN_DAYS
    load_lo, load_hi = calendar[max(first - WARMUP_DAYS, 0)], calendar[min(last + tail, len(calendar) - 1)]
    factors = list(dict.fromkeys(sp.factor for sp in specs if sp.factor)) or 1
    with warnings.catch_warnings():
        # raw values are used anyway, so the market-wide notice says nothing here; every other warning shows
        warnings.filterwarnings("ignore", message=r".*market-wide column\(s\) passed through", category=UserWarning)
        panel = load_panel(data, universe=universe, start=str(load_lo), end=str(load_hi), factors=factors,
                           normalize="raw", market=market)
    lo = int(np.searchsorted(panel.dates, calendar[first]))
    hi = int(np.searchsorted(panel.dates, calendar[last], "right")) - 1
    fits = last_decision_index(len(panel.dates), forward_period)  # the end evaluate_scores uses
    window = f"{forward_period}-day forward window and {MAIN_WAVE_MAX_HOLD}-day main-wave hold"
    if hi > fits:
        if fits < lo:  # the window starts too late: an earlier --end cannot help, an earlier --start can
            where = (f"move --start to {panel.dates[fits]} or earlier (the last decision date whose windows fit), "
                     "or lower --forward-period" if fits >= 0 else "the data is too short for them: lower "
                     "--forward-period")
            raise DataError(f"no decision date in {calendar[first]} .. {calendar[last]} has a full {window} "
                            f"in {data} (data ends {calendar[-1]}); {where}")
        warnings.warn(f"decisions after {panel.dates[fits]} have no full {window} in the data; evaluated "
                      f"up to {panel.dates[fits]}", stacklevel=2)
        hi = fits
    _warn_thin_dates(panel, lo, hi + 1 + max(forward_period, MAIN_WAVE_MAX_HOLD))
    return EvalPanel(panel, lo, hi, universe, market)


def _warn_thin_dates(panel: Panel, lo: int, hi: int) -> None:
    """Warn of dates lo..hi (the decisions and their forward windows) holding far fewer stocks than the dates
    before them (`data.check.thin_dates`, as `data check` and `infer` judge them): the stocks missing there
    count as suspended with a 0 return, which biases every figure whose window reaches such a date."""
    from aurumq_rl.data.check import thin_dates

    counts = panel.present.sum(1)
    thin, median = thin_dates(counts)
    days = np.flatnonzero(thin[lo:hi + 1]) + lo
    if len(days):
        t = int(days[0])
        more = f" (and {len(days) - 1} other date(s))" if len(days) > 1 else ""
        warnings.warn(f"{panel.dates[t]} holds {counts[t]} stocks against a median of {median[t]:.0f} on the dates "
                      f"before it{more}: its data looks incomplete, and the stocks missing there count as suspended "
                      "(a 0 return), so the figures of decisions whose forward windows reach it are biased",
                      stacklevel=3)


def factor_scores(panel: Panel, factor: str) -> np.ndarray:
    """The raw factor values of a loaded column as scores (NaN where missing or outside the universe)."""
    f = panel.factor_names.index(factor)
    x = panel.factors[..., f].astype(np.float64)
    return np.where(panel.missing_col(f) | ~panel.in_universe, np.nan, x)


def load_scores(spec: SourceSpec, ep: EvalPanel, data: str | Path) -> ScoreSet:
    """Resolve one classified source to its aligned [T, N] scores (negated when asked)."""
    info: dict[str, Any]
    if spec.kind == "factor":
        assert spec.factor is not None
        scores, info = factor_scores(ep.panel, spec.factor), {"column": spec.factor}
    elif spec.kind in ("parquet", "run"):
        assert spec.path is not None
        scores, info = align_long(read_score_frame(spec.path), ep.panel)
        info["file"] = str(spec.path)
        # scores of a model over its own training/validation dates (`sl score` of the whole history): say so,
        # as for a model source, from the windows the file recorded
        scored = (np.isfinite(scores) & ep.panel.in_universe)[ep.lo:ep.hi + 1].any(axis=1)
        in_sample = in_sample_message(spec.recorded or {}, ep.panel.dates[ep.lo:ep.hi + 1][scored])
        if in_sample:
            warnings.warn(f"{spec.name}: {in_sample}", stacklevel=2)
    elif spec.kind == "model":
        scores, info = model_scores(spec, ep, data)
    else:
        raise DataError(f"--scores {spec.spec}: unknown source kind {spec.kind}")
    if spec.negate:
        scores = -scores
    window = slice(ep.lo, ep.hi + 1)
    scored = np.isfinite(scores[window]) & ep.panel.in_universe[window]
    info["scored_cells_in_window"] = int(scored.sum())
    info["dates_with_scores"] = int(scored.any(1).sum())
    per_date = scored.sum(1)
    info["median_scored_per_date"] = float(np.median(per_date[per_date > 0])) if per_date.any() else 0.0
    s = scores[window]
    width = np.where(scored, s, -np.inf).max(1) - np.where(scored, s, np.inf).min(1)
    info["constant_dates"] = int(((per_date >= 2) & (width == 0)).sum())  # top-K there: a hash tie-break
    info["negated"] = spec.negate
    return ScoreSet(spec.name, spec.kind, spec.spec, scores, info)


def common_dates(sets: Sequence[ScoreSet], ep: EvalPanel) -> np.ndarray:
    """[T] bool: decision dates in lo..hi where every source scores at least one universe stock. Sources are
    compared on exactly these dates; DataError when there is none, naming each source's coverage."""
    ok = np.zeros(len(ep.panel.dates), dtype=bool)
    ok[ep.lo:ep.hi + 1] = True
    covered = {}
    for s in sets:
        has = (np.isfinite(s.scores) & ep.panel.in_universe).any(1)
        idx = np.flatnonzero(has)
        covered[s.name] = f"{ep.panel.dates[idx[0]]} .. {ep.panel.dates[idx[-1]]}" if len(idx) else "no date"
        ok &= has
    if not ok.any():
        span = "; ".join(f"{k}: {v}" for k, v in covered.items())
        raise DataError(f"no decision date in {ep.panel.dates[ep.lo]} .. {ep.panel.dates[ep.hi]} where every source "
                        f"has scores in the universe '{ep.universe}' ({span}); check --start/--end and the sources")
    return ok
