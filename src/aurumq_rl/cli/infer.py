"""`aurumq-rl infer`: tomorrow's picks (or a date range's) from a bundle or SL model, on CPU."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import polars as pl

from aurumq_rl.cli.market_args import add_market_args, model_market
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.source import to_date
from aurumq_rl.errors import DataError
from aurumq_rl.io import atomic_write_parquet, atomic_write_text, check_not_input, check_writable
from aurumq_rl.market.selection import INDUSTRY_CAP, SIZINGS

OUTPUT_SUFFIXES = (".csv", ".json", ".parquet")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("infer", help="score a date's cross-section and write the top-K picks")
    p.add_argument("--bundle", required=True, help="RL bundle, RL run dir (bundle/), or SL model / run dir")
    p.add_argument("--data", required=True, help="panel Parquet (file, directory or glob)")
    p.add_argument("--date", help="decision date YYYY-MM-DD (default: the last date in the data)")
    p.add_argument("--start", help="batch mode: first decision date")
    p.add_argument("--end", help="batch mode: last decision date")
    p.add_argument("--top-k", type=int, help="number of picks (default: the model's)")
    p.add_argument("--universe", help="universe (default: the model's)")
    p.add_argument("--sizing", choices=SIZINGS, help="position weights (default: the model's)")
    add_market_args(p, model=True)
    p.add_argument("--threads", type=int, default=1, help="onnxruntime threads (default 1)")
    p.add_argument("-o", "--output", help="picks file: .csv, .json or .parquet")
    p.set_defaults(func=run)


def _write(df: pl.DataFrame, path: str, panel: Panel) -> None:
    """Write the picks; a Parquet records the universe and market rules they were made under, as the `sl`
    score files do, so `eval --scores PICKS.parquet` judges them under those."""
    from aurumq_rl.data.scores import scores_record

    suffix = Path(path).suffix
    if suffix == ".parquet":
        atomic_write_parquet(df, path, metadata=scores_record(panel, "infer"))
    elif suffix == ".csv":
        atomic_write_text(df.write_csv(), path)
    else:
        atomic_write_text(df.with_columns(pl.col("trade_date").cast(pl.String)).write_json(), path)


def run(args: argparse.Namespace) -> int:
    from aurumq_rl.data.check import date_counts, date_window
    from aurumq_rl.infer import load_scorer
    from aurumq_rl.infer.picks import picks_for_range, thin_date_warning, thin_next_day_warning
    from aurumq_rl.infer.scorer import extend_end, in_sample_message

    if args.output and Path(args.output).suffix not in OUTPUT_SUFFIXES:
        raise DataError(f"-o {args.output}: choose a .csv, .json or .parquet file")
    if args.date and (args.start or args.end):
        raise DataError("pass either --date or --start/--end (batch mode), not both")
    if args.output:
        check_not_input(args.output, args.data)
        _check_not_model_file(args.output, args.bundle)
        check_writable(args.output)
    if args.threads < 1:
        raise DataError(f"--threads {args.threads}: must be ≥ 1 (a fixed thread count keeps the scores reproducible)")
    if args.start and args.end and to_date(args.start, "--start") > to_date(args.end, "--end"):
        raise DataError(f"--start {args.start} is after --end {args.end}; pass a start on or before the end")
    counts = date_counts(args.data)  # the whole history's dates: a window outside them says where the data ends
    calendar = counts["trade_date"].drop_nulls().to_numpy().astype("datetime64[D]")
    if args.date:  # a day inside the data's range but off its calendar is named below, with the next trading day
        day = to_date(args.date, "--date")
        if not len(calendar) or not calendar[0] <= np.datetime64(day, "D") <= calendar[-1]:
            date_window(calendar, day, day, args.data, f"on --date {args.date}")  # raises: outside the data
    elif args.start or args.end:
        date_window(calendar, to_date(args.start, "--start"), to_date(args.end, "--end"), args.data,
                    f"in --start {args.start or calendar[0]} .. --end {args.end or calendar[-1]}")
    scorer = load_scorer(args.bundle, threads=args.threads)
    market = model_market(args, scorer.metadata)
    top_k = args.top_k if args.top_k is not None else int(scorer.metadata.get("top_k", 30))
    sizing = args.sizing or str(scorer.metadata.get("sizing", "equal"))
    if top_k < 1:
        raise DataError(f"--top-k {top_k}: must be ≥ 1")
    first, last = args.date or args.start, args.date or args.end
    if first is None and last is None and len(calendar):
        # the default decision date is the data's last: load that date's window, not the whole history (the
        # market rules still read the history they need; at 5000 stocks × 1250 days this is 4 s instead of 35)
        first = last = str(calendar[-1])
    flag = "--date" if args.date else "--end"
    trained = scorer.metadata.get("universe")
    if args.universe and trained and args.universe != trained:
        print(f"universe: {args.universe} (the model's is {trained}); the factors are normalised per date over "
              f"{args.universe}, so each stock's inputs are its standing there, not in the training universe")
    panel = scorer.load_panel(args.data, start=first, end=extend_end(last, flag), universe=args.universe,
                              market=market)
    if last is None:  # no end: up to the latest date in the data (only that one without --start)
        hi = len(panel.dates) - 1
        lo = hi if first is None else 0
    else:
        lo = 0  # the panel starts at the first trading date ≥ --start / --date
        hi = int(np.searchsorted(panel.dates, np.datetime64(to_date(last, flag), "D"), side="right")) - 1
    if args.date and panel.dates[0] != np.datetime64(to_date(args.date, "--date"), "D"):
        raise DataError(f"--date {args.date}: not a trading date in {args.data} (the next one is {panel.dates[0]})")
    if hi < lo:
        raise DataError(f"--start {args.start} / --end {args.end}: no trading date in between")
    scores = scorer.score_panel(panel)
    _check_scored(panel, scores, lo, hi, args.data)
    cap = scorer.metadata.get("industry_cap", INDUSTRY_CAP)
    picks = picks_for_range(panel, scores, np.arange(lo, hi + 1), top_k, sizing=sizing, industry_cap=cap)
    _warn_uncapped(panel, lo, hi, cap, args.data)
    in_sample = in_sample_message(scorer.metadata, panel.dates[lo:hi + 1])
    if in_sample:
        warnings.warn(in_sample, stacklevel=2)
    # every decision date, those without a single pick included (an empty universe that day, e.g. a membership
    # column that starts later): a date with no row in the picks file must not pass for a date with K picks
    decided = pl.DataFrame({"trade_date": panel.dates[lo:hi + 1].astype("datetime64[D]")}).with_columns(
        pl.col("trade_date").cast(pl.Date))
    made = picks.group_by("trade_date").len().with_columns(pl.col("trade_date").cast(pl.Date))
    short = (decided.join(made, on="trade_date", how="left").with_columns(pl.col("len").fill_null(0))
             .filter(pl.col("len") < top_k))
    none = short.filter(pl.col("len") == 0)
    if none.height:
        warnings.warn(f"no stock could be picked on {none.height} of the {hi - lo + 1} decision date(s) (e.g. "
                      f"{', '.join(str(d) for d in none['trade_date'].head(3))}): the universe '"
                      f"{args.universe or trained}' holds no scored stock buyable the next session there, so those "
                      "dates have no row in the picks; check the universe's membership column on those dates",
                      stacklevel=1)
        short = short.filter(pl.col("len") > 0)
    if short.height:
        others = f" and {short.height - 1} other date(s)" if short.height > 1 else ""
        warnings.warn(f"--top-k {top_k}: only {short['len'].min()} stock(s) could be picked on "
                      f"{short.sort('len')['trade_date'][0]}{others} (the universe's scored stocks, less those "
                      "unbuyable the next session, under the industry cap); the weights spread over the picks made",
                      stacklevel=1)
    if (thin := thin_date_warning(counts, panel.dates[lo:hi + 1])) is not None:  # every decision date
        warnings.warn(thin, stacklevel=1)
    if (thin := thin_next_day_warning(counts, panel, scores, np.arange(lo, hi + 1))) is not None:
        warnings.warn(thin, stacklevel=1)
    if args.output:
        _write(picks, args.output, panel)
    _print(picks, args, hi - lo + 1)
    return 0


def _check_not_model_file(out: str, bundle: str) -> None:
    """Refuse an existing -o file of the model: inside --bundle, or inside the run directory around it
    (`--bundle RUN/bundle -o RUN/run.json` replaced the run's record, which `export` and `eval` read)."""
    homes = [Path(bundle).resolve()]
    if (homes[0].parent / "run.json").is_file():  # RUN/bundle or RUN/model: the run's files are the model's too
        homes.append(homes[0].parent)
    target = Path(out).resolve()
    if Path(out).is_file() and any(target.is_relative_to(h) for h in homes):
        raise DataError(f"-o {out}: is a file of the model --bundle {bundle}{' or its run' if len(homes) > 1 else ''}"
                        ", which the picks would overwrite; choose another output path")


def _check_scored(panel: Panel, scores: np.ndarray, lo: int, hi: int, data: str) -> None:
    """A decision date whose universe has no factor value at all (today's bars loaded, factors not computed
    yet) is an error, not picks in code order; universe stocks left unscored for that reason are counted, and
    a model factor with no value for any universe stock on a scored date is named (`_warn_empty_factors`)."""
    uni = panel.in_universe[lo:hi + 1]
    unscored = uni & ~np.isfinite(scores[lo:hi + 1])
    empty = uni.any(axis=1) & unscored.all(axis=1, where=uni)
    if empty.any():
        days = ", ".join(str(d) for d in panel.dates[lo:hi + 1][empty][:5])
        raise DataError(f"{data}: no stock of the universe has any of the model's factors on {days}; compute "
                        "the factors for the date(s) first (aurumq-rl factors compute, or your own pipeline)")
    if unscored.any():
        warnings.warn(f"{data}: {int(unscored.sum())} universe stock-date(s) have none of the model's factors "
                      "(e.g. a new listing, or factors not computed yet) and are not scored or picked",
                      stacklevel=2)
    _warn_empty_factors(panel, lo, hi, data)


def _warn_empty_factors(panel: Panel, lo: int, hi: int, data: str) -> None:
    """Warn about each model factor null for every universe stock on a decision date in [lo, hi]: the loader
    fills it with 0, the neutral value, so the model scores that date without it (a factor computed late, or
    legitimately empty then, e.g. a series that starts later)."""
    uni = panel.in_universe[lo:hi + 1]
    # AND of the packed missing bits over each date's universe stocks: a bit left set is a factor missing for all
    bits = np.bitwise_and.reduce(np.where(uni[:, :, None], panel.factor_missing_bits[lo:hi + 1], np.uint8(255)),
                                 axis=1)
    empty = np.unpackbits(bits, axis=1, count=len(panel.factor_names)).astype(bool) & uni.any(axis=1)[:, None]
    if not empty.any():
        return
    dates = panel.dates[lo:hi + 1]
    cols = np.flatnonzero(empty.any(axis=0))
    said = [f"{panel.factor_names[f]} on {', '.join(str(d) for d in dates[empty[:, f]][:3])}"
            f"{f' and {int(empty[:, f].sum()) - 3} other date(s)' if empty[:, f].sum() > 3 else ''}"
            for f in cols[:10]]
    warnings.warn(f"{data}: {len(cols)} model factor(s) have no value for any universe stock on a decision date, "
                  f"so they were filled with the neutral 0 and the model scored without them: {'; '.join(said)}"
                  f"{' …' if len(cols) > 10 else ''}; compute them for those dates, unless the factor has no data "
                  "then (e.g. a series that starts later)", stacklevel=3)


def _warn_uncapped(panel: Panel, lo: int, hi: int, cap: float | None, data: str) -> None:
    """Warn when the model's industry cap cannot be applied on a decision date: the data has no industry_code,
    or none for that date's universe (the picks are then uncapped, unlike the model's training)."""
    if cap is None:
        return
    uni = panel.in_universe[lo:hi + 1]
    known = np.zeros_like(uni) if panel.industry is None else panel.industry[lo:hi + 1] >= 0
    bad = uni.any(axis=1) & ~(known & uni).any(axis=1)
    if bad.any():
        days = ", ".join(str(d) for d in panel.dates[lo:hi + 1][bad][:3])
        warnings.warn(f"{data}: no industry_code for the universe on {days}{' …' if bad.sum() > 3 else ''}: the "
                      f"model's industry cap ({cap:g} of K) cannot be applied, so the picks there are uncapped",
                      stacklevel=2)


def _print(picks: pl.DataFrame, args: argparse.Namespace, n_dates: int) -> None:
    if picks.height == 0:
        print("no picks: no stock in the universe could be scored and bought")
        return
    last = picks.filter(pl.col("trade_date") == pl.col("trade_date").max())
    known = bool(last["next_day_known"][0])
    day = last["trade_date"][0]
    print(f"picks for the close of {day} ({last.height} stocks, fill at the next close; next session "
          f"{'known: unbuyable names excluded' if known else 'not in the data yet'})")
    with pl.Config(tbl_rows=min(last.height, 50), tbl_hide_dataframe_shape=True, float_precision=4):
        print(last.drop("trade_date", "next_day_known"))
    if n_dates > 1:
        print(f"({n_dates} decision dates in batch mode)")
    if args.output:
        print(f"wrote {args.output}")
