"""A self-contained HTML report of `eval.suite.evaluate_sources`: tables and the charts embedded as base64 PNG
data URIs — no external URL, script or stylesheet, so the file can be mailed or archived alone.

Every text taken from the inputs (source names, paths, labels) is escaped with `html.escape`.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from typing import Any

from aurumq_rl.eval.suite import quantile_days, summary_table

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}
img{max-width:100%;border:1px solid #eee;margin:6px 0}.note{color:#666;font-size:12px}
"""

CHART_CAPTIONS = {
    "equity.png": "Net equity of the execution backtest (T+1 fills, limit/suspension rules, first cost level, "
                  "fp-day hold) against the p05–p95 band of random-score books under the same rules.",
    "ic.png": "Rank IC (Spearman of score vs forward return over the universe) per decision date, with its "
              "rolling mean.",
    "quantiles.png": "Mean forward return per score bucket (per-date buckets of equal size, averaged over dates), "
                     "minus the average of the buckets; the raw means are in the tables below.",
    "cost_sweep.png": "Net total return of the execution backtest per round-trip cost.",
}

DEFINITIONS = (
    "Decision at the close of t, entry at the close of t+1 (T+1), forward return over the next fp days.",
    "Top-K: the K highest scores among universe stocks (industry cap as in training); a pick that cannot be "
    "bought at t+1 (suspended, one-price, limit-up) earns 0.",
    "Rank IC t-stat: mean / Hansen–Hodrick standard error with fp − 1 lags (the daily ICs of overlapping fp-day "
    "returns are autocorrelated, so ICIR·√n would overstate it).",
    "Quantiles: per date, B equal slices of the score-rank axis; tied scores are spread evenly over the positions "
    "they share (the average over every order of the ties). 'dates': decision dates used; a date with fewer than "
    "B stocks or one score for all is left out.",
    "Sharpe overlapping: one fp-day return per decision date, mean/std × √(252/fp); non-overlapping: every "
    "fp-th date. Max drawdown: of the compounded non-overlapping series.",
    "Random baseline: uniform random scores over the same candidates, selection and fills, redrawn every date; "
    "percentile of ours among the draws. The draws' spread is that of independent daily books, far narrower than "
    "a persistent score's, so the percentile is no significance test: read 'top-K excess vs random t' (the mean "
    "excess over the draws' mean per date / its Hansen–Hodrick standard error, fp − 1 lags).",
    "Name turnover / rebalance: share of new names in the top K from one rebalance to the next. The backtest's "
    "turnover_per_rebalance: buy + sell weight traded per rebalance after the first (the opening build and the "
    "closing liquidation left out).",
    "Net return: execution backtest with costs per round trip (stamp duty by date), limit-down exits deferred.",
    "Sources are compared on the decision dates where every source has scores.",
)


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _num(v: Any, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, bool) or isinstance(v, str):
        return str(v)
    if isinstance(v, int):
        return str(v)
    return f"{100 * v:.2f}%" if pct else f"{v:.4g}"


def table(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table of already-formatted cells (escaped here)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def image(png: bytes, alt: str) -> str:
    """An <img> with the PNG inlined as a data URI."""
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _kv(d: dict[str, Any]) -> str:
    def text(v: Any) -> Any:  # a list as "a, b"; a dict (the market rules) as "k=v, k=v"
        if isinstance(v, dict):
            return ", ".join(f"{k}={x}" for k, x in v.items())
        return ", ".join(map(str, v)) if isinstance(v, list) else v

    return table(["setting", "value"], [[k, text(v)] for k, v in d.items()])


def _sources(report: dict[str, Any]) -> str:
    keys = ("rows_used", "ignored_date_outside_panel", "ignored_date_not_trading", "ignored_stock_not_in_panel",
            "dates_with_scores", "scored_cells_in_window")
    rows = [[s["name"], s["kind"], s["spec"], *(_num(s.get(k)) if k in s else "" for k in keys)]
            for s in report["sources"]]
    return table(["name", "kind", "source", "rows used", "rows ignored (date)", "of which not a trading date",
                  "rows ignored (stock)", "dates scored", "cells scored"], rows)


def _ic(res: dict[str, Any]) -> str:
    keys = ("mean", "std", "icir", "t_stat", "positive_share", "n_days")
    return table(["", *keys], [[k, *(_num(res[k].get(f)) for f in keys)] for k in ("ic", "rank_ic")])


def _quantiles(res: dict[str, Any]) -> str:
    out = []
    for b, q in res["quantiles"].items():
        out.append(table(["buckets", *range(1, len(q["bucket_means"]) + 1), "spread", "spread Sharpe", "dates"],
                         [[b, *(_num(v, True) for v in q["bucket_means"]), _num(q["spread_mean"], True),
                           _num(q["spread_sharpe"]), quantile_days(q)]]))
        if not q["n_days"]:
            out.append(f"<p class='note'>{_e(b)} buckets: no usable date ({_e(q['reason'])})</p>")
    return "".join(out)


def _backtest(res: dict[str, Any]) -> str:
    cols = (("total_return", True), ("annual_return", True), ("annual_vol", True), ("sharpe_daily", False),
            ("max_drawdown", True), ("turnover_per_rebalance", True), ("total_cost", True), ("n_trades", False),
            ("win_rate", True), ("hit_rate", True))
    rows = [[hold, bps, *(_num(s.get(c), pct) for c, pct in cols)]
            for hold, sweep in res["backtest"].items() for bps, s in sweep.items()]
    return table(["hold", "bps", *(c for c, _ in cols)], rows)


def _windows(res: dict[str, Any]) -> str:
    w = res["windows"]
    rows = [[r["window"], r["start"], r["end"], r["n_dates"], _num(r["mean"], True), _num(r["random_p50"], True),
             r["beats_random_p50"], _num(r.get("rank_ic_mean"))] for r in [w["full"], *w["quarters"]]]
    share = w["share_beats_random_p50"]
    note = (f"<p class='note'>share of windows beating the random median: quarters "
            f"{_e(_num(share['quarters'], True))}, rolling 60/20 {_e(_num(share['rolling'], True))}</p>")
    return table(["window", "start", "end", "dates", "top-K mean", "random p50", "beats random", "rank IC"],
                 rows) + note


def _overlap(report: dict[str, Any]) -> str:
    ov = report.get("overlap")
    if not ov:
        return ""
    rows = [[a, *(_num(v) for v in row)] for a, row in zip(ov["names"], ov["jaccard"], strict=True)]
    return ("<h2>Top-K overlap (mean Jaccard per date)</h2>" + table(["", *ov["names"]], rows))


def render_report(report: dict[str, Any], charts: dict[str, bytes], *, title: str,
                  inputs: dict[str, Any] | None = None) -> str:
    """The whole report as one HTML string (see the module docstring)."""
    header, rows = summary_table(report)
    dd = report["decision_dates"]
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
             f"<style>{CSS}</style></head><body><h1>{_e(title)}</h1>",
             f"<p>Decision dates {_e(dd['first'])} … {_e(dd['last'])} ({_e(dd['n'])} dates; {_e(dd['rule'])}).</p>",
             "<h2>Setup</h2>", _kv({**(inputs or {}), **report["settings"]}), "<h2>Sources</h2>", _sources(report),
             "<h2>Summary</h2>", table(header, rows), "<h2>Charts</h2>"]
    for name, png in charts.items():
        parts.append(f"<h3>{_e(name)}</h3>{image(png, name)}<p class='note'>{_e(CHART_CAPTIONS.get(name, ''))}</p>")
    parts.append(_overlap(report))
    for name, res in report["results"].items():
        parts += [f"<h2>{_e(name)}</h2>", "<h3>IC</h3>", _ic(res), "<h3>Quantiles</h3>", _quantiles(res),
                  f"<h3>Execution backtest (cost sweep, {_e(res['config'].get('backtest_sizing', 'equal'))} "
                  "weights)</h3>", _backtest(res), "<h3>Windows</h3>", _windows(res)]
    parts.append("<h2>Definitions</h2><ul>" + "".join(f"<li>{_e(d)}</li>" for d in DEFINITIONS) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
