"""The report's charts as PNG bytes (matplotlib, Agg canvas, no pyplot state): net equity against the random
band, rank IC (daily and rolling mean), quantile bucket returns and the cost sweep.

Each function reads the JSON-able report of `eval.suite.evaluate_sources` (None = missing value), so a chart
shows exactly the numbers written to eval.json.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
SIZE = (9.0, 4.2)
DPI = 100


def _figure() -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, dpi=DPI)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.91, bottom=0.13)  # fixed: tight_layout costs a draw
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


def _date_axis(ax: Any) -> None:
    """Few, short date labels that never overlap."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _arr(values: list[Any] | None) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in (values or [])], dtype=np.float64)


def _label(name: str) -> str:
    """A legend label shown literally (a `$` would start matplotlib mathtext)."""
    return name.replace("$", r"\$")


def _dates(values: list[str]) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


def equity_chart(report: dict[str, Any]) -> bytes:
    """Net equity (first cost level, fp hold) of every source over the random books' p05–p95 band and p50."""
    s = report["series"]
    fig, ax = _figure()
    band = s.get("random_band")
    if band:
        d = _dates(s["random_band_dates"])
        ax.fill_between(d, _arr(band["p05"]), _arr(band["p95"]), color="#cccccc", alpha=0.6,
                        label="random p05–p95")
        ax.plot(d, _arr(band["p50"]), color="#888888", lw=1, ls="--", label="random p50")
    d = _dates(s["equity_dates"])
    for i, (name, eq) in enumerate(s["equity"].items()):
        ax.plot(d, _arr(eq), color=COLORS[i % len(COLORS)], lw=1.6, label=_label(name))
    bps = report["settings"]["cost_bps"][0]
    ax.set_title(f"Net equity at {bps:g} bps round trip vs random scores")
    ax.axhline(1.0, color="black", lw=0.5)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    _date_axis(ax)
    return _png(fig)


def ic_chart(report: dict[str, Any]) -> bytes:
    """Daily rank IC (bars, first source) and the rolling mean of every source (lines)."""
    s = report["series"]
    d = _dates(s["decision_dates"])
    fig, ax = _figure()
    names = list(s["rank_ic"])
    if names:
        ax.vlines(d, 0.0, np.nan_to_num(_arr(s["rank_ic"][names[0]])), color="#9ecae1", lw=2.0,
                  label=_label(f"{names[0]} daily"))  # one collection, not a patch per date
    for i, name in enumerate(names):
        ax.plot(d, _arr(s["rank_ic_rolling"][name]), color=COLORS[i % len(COLORS)], lw=1.6,
                label=_label(f"{name} rolling mean"))
    ax.axhline(0.0, color="black", lw=0.5)
    ax.set_title(f"Rank IC per decision date ({report['settings']['forward_period']}-day forward return)")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    _date_axis(ax)
    return _png(fig)


def quantile_chart(report: dict[str, Any], buckets: str = "10") -> bytes:
    """Mean forward return per score bucket (1 = lowest scores) minus the mean over the buckets (the market's
    drift would otherwise hide the slope), grouped bars per source; eval.json holds the raw bucket means."""
    fig, ax = _figure()
    res = report["results"]
    width = 0.8 / max(len(res), 1)
    n_b = int(buckets)
    for i, (name, r) in enumerate(res.items()):
        means = _arr(r["quantiles"][buckets]["bucket_means"])
        excess = means - np.nanmean(means) if np.isfinite(means).any() else means
        x = np.arange(1, len(means) + 1) + (i - (len(res) - 1) / 2) * width
        ax.bar(x, 100 * excess, width=width, color=COLORS[i % len(COLORS)], label=_label(name))
    ax.axhline(0.0, color="black", lw=0.5)
    ax.set_xticks(np.arange(1, n_b + 1))
    ax.set_xlabel("score bucket (1 = lowest)")
    ax.set_ylabel("vs bucket average (%)")
    ax.set_title(f"Mean forward return by score bucket, minus the average of the {buckets} buckets")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)


def cost_chart(report: dict[str, Any]) -> bytes:
    """Net total return of the execution backtest per round-trip cost, per source (fp hold solid, main-wave
    hold dashed)."""
    fig, ax = _figure()
    bps = sorted(report["settings"]["cost_bps"])  # a line along increasing cost, whatever --cost-bps' order
    for i, (name, r) in enumerate(report["results"].items()):
        for hold, style in (("fp", "-"), ("main_wave", "--")):
            sweep = r["backtest"].get(hold)
            if not sweep:
                continue
            y = _arr([sweep[f"{b:g}"]["total_return"] for b in bps])
            ax.plot(bps, 100 * y, style, marker="o", color=COLORS[i % len(COLORS)],
                    label=_label(f"{name} ({hold})"))
    ax.axhline(0.0, color="black", lw=0.5)
    ax.set_xlabel("round-trip cost (bps)")
    ax.set_ylabel("net total return (%)")
    ax.set_title("Cost sweep of the execution backtest")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def all_charts(report: dict[str, Any]) -> dict[str, bytes]:
    """Every chart of the report, keyed by its PNG file name."""
    return {"equity.png": equity_chart(report), "ic.png": ic_chart(report),
            "quantiles.png": quantile_chart(report), "cost_sweep.png": cost_chart(report)}
