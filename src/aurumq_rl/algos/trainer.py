"""The one training path: panel → simulator → Deep Sets policy → PPO, with validation, checkpoints and logs.

Run directory: `run.json` (manifest), `metrics.jsonl` (one line per update, canonical keys), `last.pt` and
`best.pt` (atomic writes; `best` by a validation metric, never the training reward), `tb/` (TensorBoard when
installed). `resume=True` continues from `last.pt` with the optimiser, counters and random states, and
refuses a checkpoint trained with other settings (the rules are `algos.resume`'s; `RESUME_MAY_DIFFER` lists
the exceptions).
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

import numpy as np
import torch

from aurumq_rl import __version__
from aurumq_rl.algos.device import resolve_device
from aurumq_rl.algos.ppo import PPO, PPOConfig
from aurumq_rl.algos.resume import check_resumable, load_checkpoint, resume_key, warn_extension
from aurumq_rl.algos.run_dir import clear_run_artefacts, earlier_sessions, trim_metrics_log
from aurumq_rl.algos.validation import policy_scores, validate_scores
from aurumq_rl.data.check import check_window_order, date_counts, date_window
from aurumq_rl.data.labels import days_after_entry, label_warmup_start, trade_label
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.normalize import normalize_params
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.source import date_index, to_date
from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors
from aurumq_rl.errors import DataError
from aurumq_rl.eval.ic import MIN_STOCKS
from aurumq_rl.io import atomic_write_json, atomic_write_with, json_line
from aurumq_rl.market.status import MarketConfig
from aurumq_rl.market.universe import check_top_k
from aurumq_rl.policies.deep_sets import DeepSetsPolicy
from aurumq_rl.provenance import data_provenance, git_commit

BEST_METRICS = ("val_rank_ic", "val_topk_return")
@dataclass
class TrainConfig:
    data: str
    out_dir: str
    train_start: str | None = None
    train_end: str | None = None
    val_start: str | None = None
    val_end: str | None = None
    universe: str = "main_board_non_st"
    market: MarketConfig = field(default_factory=MarketConfig)  # new-listing days, limit method
    factors: str | None = None
    include_columns_file: str | None = None
    feature_group_weights: dict[str, float] = field(default_factory=dict)
    encoder_hidden: tuple[int, ...] = (128, 64)
    env: EnvConfig = field(default_factory=EnvConfig)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    device: str = "auto"
    eval_every: int = 5
    best_metric: str = "val_rank_ic"
    threads: int | None = None


def _date_index(panel: Panel, day: str | None, default: int, side: Literal["start", "end"], flag: str) -> int:
    """`data.source.date_index` on the panel's dates, `default` when `day` is None."""
    i = date_index(panel.dates, day, flag, side)
    return default if i is None else i


def _check_window_order(cfg: TrainConfig) -> None:
    """The validation window follows the training window (checked on the given dates, before any loading;
    a --val-start alone ends training before it, see `Trainer`)."""
    check_window_order({k: getattr(cfg, k) for k in ("train_start", "train_end", "val_start", "val_end")})


def _check_decision_dates(panel: Panel, cfg: TrainConfig, train: tuple[int, int], va_lo: int,
                          last_decision: int) -> None:
    """The training window keeps at least --episode-length decision dates once the label horizon is held
    clear of the validation window (embargo) and of the data's end (as `MarketSim` requires); else a
    DataError naming the window, the flags that shorten it and the data's dates."""
    d, (lo, hi) = panel.dates, train
    horizon = days_after_entry(cfg.env.label_kind, cfg.env.forward_period)
    cut = min(va_lo - horizon - 2, last_decision)  # the last decision whose label ends in time
    n = max(min(hi, cut) - lo + 1, 0)
    if n >= cfg.env.episode_length:
        return
    window = f"{d[lo]} … {d[hi]}" if hi >= lo else f"before --val-start {d[va_lo]} (no date)"
    why = ""
    if cut < hi:
        clear = "the validation window starts" if va_lo - horizon - 2 <= last_decision else "the data ends"
        source = (f"--forward-period {cfg.env.forward_period}" if cfg.env.label_kind == "forward_return"
                  else "the main-wave hold of --reward-mode main_wave")
        why = f" once each label ({horizon} trading days after the next-day fill, from {source}) ends before {clear}"
    raise DataError(f"training window {window}: {n} decision date(s) left{why}, fewer than --episode-length "
                    f"{cfg.env.episode_length}; the data covers {d[0]} … {d[-1]}: widen --train-start/--train-end "
                    "(or --val-start), or lower --forward-period or --episode-length")


def _check_universe_dates(panel: Panel, universe: str, train: tuple[int, int]) -> None:
    """The universe must hold a stock on the training dates: on a date where it holds none (a membership column
    such as is_hs300 that starts later than the bars) an episode step has nothing to pick and earns nothing. None
    on any training date is a DataError (the policy would stay at its initial weights, every factor 'unseen',
    and still be exported); some such dates are a warning naming how many and where the universe starts."""
    lo, hi = train
    held = (panel.in_universe[lo:hi + 1] & ~panel.blank()[lo:hi + 1]).any(axis=1)
    d = panel.dates[lo:hi + 1]
    if not held.any():
        raise DataError(f"universe '{universe}' holds no stock with factor values on any training date "
                        f"{d[0]} … {d[-1]}, so there is nothing to train on; check its membership column (e.g. "
                        "is_hs300 covers these dates?), move --train-start/--train-end where it has members, or "
                        "choose another --universe")
    if not held.all():
        first = d[np.argmax(held)]
        warnings.warn(f"universe '{universe}' holds no stock with factor values on {int((~held).sum())} of the "
                      f"{len(held)} training dates (first held date {first}); the episode steps on those dates "
                      "pick nothing and learn nothing; start --train-start where the universe has members (e.g. "
                      f"{first}) or check its membership column", stacklevel=3)


def _check_validation_labels(panel: Panel, label: np.ndarray, val_idx: np.ndarray, cfg: TrainConfig,
                             horizon: int) -> None:
    """Validation needs at least one date where two universe stocks have a label: else every validation metric
    is NaN, best.pt is never written and --best-metric chooses nothing, without a word. A window at the data's end
    shorter than the label's reach (a decision's label reads horizon + 1 trading days after it) is the usual cause.
    With --best-metric val_rank_ic a date needs the MIN_STOCKS (scored) stocks a rank IC is computed on: with fewer
    on every date (a small universe) val_rank_ic is NaN at each validation and best.pt is never written either."""
    d = panel.dates
    labelled = np.isfinite(label[val_idx]) & panel.in_universe[val_idx]
    if (labelled.sum(axis=1) >= 2).any():
        scored = (labelled & ~panel.blank()[val_idx]).sum(axis=1)
        if cfg.best_metric != "val_rank_ic" or (scored >= MIN_STOCKS).any():
            return
        raise DataError(f"validation window {d[val_idx[0]]} … {d[val_idx[-1]]}: at most {scored.max()} universe "
                        f"stocks with a label and factor values on a date, fewer than the {MIN_STOCKS} a rank IC "
                        "needs, so val_rank_ic would be NaN at every validation and best.pt never written; pass "
                        "--best-metric val_topk_return, or a wider --universe")
    source = (f"--forward-period {cfg.env.forward_period}" if cfg.env.label_kind == "forward_return"
              else "the main-wave hold of --reward-mode main_wave")
    raise DataError(f"validation window {d[val_idx[0]]} … {d[val_idx[-1]]}: no date with a label for two universe "
                    f"stocks (a decision's label reads {horizon + 1} trading days after it, from {source}; the data "
                    f"ends {d[-1]}), so every validation metric would be NaN and best.pt never written; move "
                    "--val-start earlier, lower --forward-period, or check --universe on those dates")


def _check_windows_in_data(cfg: TrainConfig) -> np.ndarray:
    """Before loading: a training or validation window with no trading date of the data is a DataError that
    names the flags and the data's own date range (read from the whole file, not the loaded window).
    Returns the file's trading dates [datetime64[D]]."""
    calendar = date_counts(cfg.data)["trade_date"].drop_nulls().to_numpy().astype("datetime64[D]")
    for lo_key, hi_key in (("train_start", "train_end"), ("val_start", "val_end")):
        lo_day, hi_day = getattr(cfg, lo_key), getattr(cfg, hi_key)
        lo_flag, hi_flag = (f"--{k.replace('_', '-')}" for k in (lo_key, hi_key))
        if lo_day or hi_day:
            date_window(calendar, to_date(lo_day, lo_flag), to_date(hi_day, hi_flag), cfg.data,
                        f"in {lo_flag} {lo_day or calendar[0]} .. {hi_flag} {hi_day or calendar[-1]}")
    return calendar


class Trainer:
    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        self._provenance: dict | None = None
        if cfg.best_metric not in BEST_METRICS:
            raise DataError(f"best_metric='{cfg.best_metric}': choose one of {BEST_METRICS}")
        if isinstance(cfg.eval_every, bool) or not isinstance(cfg.eval_every, int) or cfg.eval_every < 1:
            raise DataError(f"eval_every={cfg.eval_every!r}: must be an integer ≥ 1 (updates between validations)")
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.ppo.seed)
        self.device = resolve_device(cfg.device)
        _check_window_order(cfg)
        calendar = _check_windows_in_data(cfg)
        horizon = days_after_entry(cfg.env.label_kind, cfg.env.forward_period)
        # one panel from the train start (or the data's first date) to the validation end (or its last), plus
        # the label horizon after it when the data has it: the last validation dates keep their labels, as
        # `eval` over the same window sees them (no decision is made on the extra dates)
        start, end = to_date(cfg.train_start, "--train-start"), to_date(cfg.val_end, "--val-end")
        if start is not None and cfg.env.label_kind == "main_wave":
            # the main-wave label's MA10 warm-up before the first decision, as `eval` loads it: the label of a
            # date is then the one eval reads, whatever --train-start is (no decision is made on these dates)
            start = label_warmup_start(calendar, start)
        if end is not None:
            last = int(np.searchsorted(calendar, np.datetime64(end, "D"), "right")) - 1
            end = calendar[min(last + horizon + 1, len(calendar) - 1)].astype(object)
        self.panel = load_panel(cfg.data, universe=cfg.universe, start=start, end=end, factors=cfg.factors,
                                include_columns_file=cfg.include_columns_file, market=cfg.market)
        check_top_k(self.panel.in_universe, cfg.env.top_k, str(cfg.universe), self.panel.dates,
                    self.panel.industry, cfg.env.industry_cap)
        self.panel.scale_factor_groups(cfg.feature_group_weights)
        t_n = len(self.panel.dates)
        tr_lo = _date_index(self.panel, cfg.train_start, 0, "start", "--train-start")
        va_lo = _date_index(self.panel, cfg.val_start, -1, "start", "--val-start")
        default_hi = va_lo - 1 if va_lo >= 0 else tr_lo + int((t_n - tr_lo) * 0.8)  # 80% of the dates from tr_lo
        tr_hi = _date_index(self.panel, cfg.train_end, default_hi, "end", "--train-end")
        va_lo = va_lo if va_lo >= 0 else tr_hi + 1
        va_hi = _date_index(self.panel, cfg.val_end, t_n - 1, "end", "--val-end")
        # embargo: a training label (its horizon after a T+1 entry) must end before the validation window
        self.train_range = (tr_lo, min(tr_hi, va_lo - horizon - 2))
        self.val_idx = np.arange(va_lo, va_hi + 1)
        if len(self.val_idx) < 2:
            raise DataError("the validation window holds fewer than 2 dates; set --val-start/--val-end")
        _check_universe_dates(self.panel, str(cfg.universe), self.train_range)
        # a factor with no value on any training date is only ever its fill (0) in training, so its encoder
        # weights never learn: it stays 0 on the validation dates too, and the bundle records it so that
        # inference feeds it the same 0 (`infer.scorer.prepare_panel`)
        self.unseen_factors = self.panel.factors_without_value(*self.train_range)
        if self.unseen_factors:
            cols = [self.panel.factor_names.index(n) for n in self.unseen_factors]
            self.panel.factors[:, :, cols] = 0.0
            warnings.warn(f"factor(s) with no value on any training date, held at their fill (0) on every date of "
                          f"the run and at inference: {', '.join(self.unseen_factors[:10])}"
                          f"{' …' if len(cols) > 10 else ''}; start training where they exist, or drop them",
                          stacklevel=2)
        self.data = PanelTensors(self.panel, cfg.env, self.device)
        _check_decision_dates(self.panel, cfg, (tr_lo, tr_hi), va_lo, self.data.last_decision)
        try:
            self.sim = MarketSim(self.data, cfg.env, cfg.ppo.n_envs, seed=cfg.ppo.seed, t_range=self.train_range)
        except ValueError as exc:
            raise DataError(f"training window: {exc} (--train-start/--train-end, --episode-length)") from exc
        self.policy = DeepSetsPolicy(self.data.n_factors, cfg.encoder_hidden, cfg.env.holding_aware).to(self.device)
        self.ppo = PPO(self.policy, self.data, self.sim, cfg.ppo)
        # validated on the label the reward reads: a main_wave run on its hold return, any other on the fp-day
        # forward return (the holding-aware modes' daily returns have no per-decision label)
        self.label = trade_label(self.panel, cfg.env.label_kind, cfg.env.forward_period)
        _check_validation_labels(self.panel, self.label, self.val_idx, cfg, horizon)
        # per decision date: the buy rate of the fill (t+1) and the sell rate of the exit, the label's last day
        buy, sell = cfg.env.cost.rates(self.panel.dates)
        t_next = np.minimum(np.arange(t_n) + 1, t_n - 1)
        self.round_trip = buy[t_next] + sell[np.minimum(t_next + horizon, t_n - 1)]
        self.out = Path(cfg.out_dir)
        self.best = -math.inf

    def describe(self, budget: bool = True) -> str:
        """The windows and (`budget`: our PPO's) step budget actually used, one line each, the embargo and the
        rounding of --total-timesteps to whole updates included, for the CLI to print before training."""
        d, (lo, hi), ppo = self.panel.dates, self.train_range, self.ppo
        gap = int(self.val_idx[0]) - hi - 1
        steps = ppo.n_updates * ppo.steps_per_update
        plan = f"{ppo.n_updates} updates × {ppo.steps_per_update} env-steps = {steps}"
        if steps != self.cfg.ppo.total_timesteps:
            plan += f" (--total-timesteps {self.cfg.ppo.total_timesteps} rounded to whole updates)"
        windows = (f"  train {d[lo]} … {d[hi]} ({hi - lo + 1} dates), embargo {gap} dates (label horizon), "
                   f"validation {d[self.val_idx[0]]} … {d[self.val_idx[-1]]} ({len(self.val_idx)} dates)")
        return f"{windows}\n  {plan}" if budget else windows

    def validation_metrics(self, scores: np.ndarray | None = None) -> dict[str, float]:
        """val_rank_ic, val_ic and val_topk_return of the policy's greedy scores (or of `scores` [validation
        dates, N]) on the validation dates, the top K picked under the env's own industry cap."""
        if scores is None:
            scores = policy_scores(self.policy, self.data, self.val_idx)
        return validate_scores(scores, self.data, self.label, self.val_idx, self.cfg.env.top_k, self.round_trip,
                               self.panel.industry, self.cfg.env.industry_cap, self.cfg.env.sizing)

    # -- persistence ------------------------------------------------------------------------------
    def _state(self) -> dict:
        return {"policy": self.policy.state_dict(), "opt": self.ppo.opt.state_dict(),
                "updates": self.ppo.updates, "env_steps": self.ppo.env_steps, "best": self.best,
                "ppo_gen": self.ppo.gen.get_state(), "np_rng": self.ppo.np_rng.bit_generator.state,
                "sim": {"t": self.sim.t, "w": self.sim.w, "steps": self.sim.steps, "hist": self.sim.hist,
                        "gen": self.sim.gen.get_state()},
                "torch_rng": torch.get_rng_state(), "config": self._config(),
                "resume_key": self._resume_key()}

    def _resume_key(self) -> dict:
        """What a checkpoint is tied to beyond its config (`resume.resume_key`)."""
        return resume_key(self._data_provenance()["data_sha256"], self.panel, self.device)

    def _data_provenance(self) -> dict:
        """`data_sha256` / `data_files` of --data, hashed once per run (the manifest and checkpoints reuse it)."""
        if self._provenance is None:
            self._provenance = data_provenance(self.cfg.data)
        return self._provenance

    def _save(self, name: str) -> None:
        state = self._state()
        atomic_write_with(self.out / name, lambda tmp: torch.save(state, tmp))  # no temp left on failure

    def _restore(self, path: Path) -> None:
        """Continue from checkpoint `path` once `resume.check_resumable` accepts it (else one DataError listing
        every difference, before anything is loaded or written), warning when a raised --total-timesteps makes
        the learning rate jump (`resume.warn_extension`)."""
        st = load_checkpoint(path)
        total_then = check_resumable(path, st, self._resume_key(), self._config())
        warn_extension(self.ppo, total_then, st["updates"])
        self.policy.load_state_dict(st["policy"])
        self.ppo.opt.load_state_dict(st["opt"])
        self.ppo.updates, self.ppo.env_steps, self.best = st["updates"], st["env_steps"], st["best"]
        self.ppo.np_rng.bit_generator.state = st["np_rng"]
        s = st["sim"]
        self.sim.t, self.sim.w, self.sim.hist = (s[k].to(self.device) for k in ("t", "w", "hist"))
        self.sim.steps = s["steps"]
        try:  # a checkpoint from before the device type was recorded can hold the other device's generators
            self.ppo.gen.set_state(st["ppo_gen"])
            self.sim.gen.set_state(s["gen"])
            torch.set_rng_state(st["torch_rng"])
        except RuntimeError as exc:
            raise DataError(f"--resume: {path}'s random generator states do not fit this {self.device.type} run "
                            f"({str(exc).splitlines()[0]}); it was trained on another device type: resume it "
                            "with that --device, or train into a new --out-dir") from exc

    def _config(self) -> dict:
        """The TrainConfig as JSON, the market rules as their recorded knobs (`MarketConfig.settings`)."""
        return {**_jsonable(dataclasses.asdict(self.cfg)), "market": self.cfg.market.settings()}

    def manifest(self) -> dict:
        import polars

        return {
            "aurumq_rl_version": __version__, "git_commit": git_commit(),
            "config": self._config(), "algorithm": "ppo",
            **self._data_provenance(), "universe_size": int(self.panel.in_universe.sum(1).max()),
            "n_dates": len(self.panel.dates), "n_stocks": len(self.panel.codes),
            "factor_names": self.panel.factor_names, "market_wide": self.panel.market_wide,
            "normalize": self.panel.meta.get("normalize"), "normalize_params": normalize_params(),
            "unseen_factors": self.unseen_factors,
            "train_dates": [str(self.panel.dates[self.train_range[0]]), str(self.panel.dates[self.train_range[1]])],
            "val_dates": [str(self.panel.dates[self.val_idx[0]]), str(self.panel.dates[self.val_idx[-1]])],
            "seed": self.cfg.ppo.seed, "device": str(self.device),
            "versions": {"torch": torch.__version__, "numpy": np.__version__, "polars": polars.__version__},
        }

    # -- loop -------------------------------------------------------------------------------------
    def run(self, resume: bool = False, progress: bool = True) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        last = self.out / "last.pt"
        if resume:
            if not last.is_file():
                raise DataError(f"--resume: no checkpoint at {last}")
            self._restore(last)
            trim_metrics_log(self.out / "metrics.jsonl", self.ppo.updates)
        else:
            clear_run_artefacts(self.out)
        manifest = self.manifest()
        if resume:
            manifest["earlier_sessions"] = earlier_sessions(self.out / "run.json", self.ppo.updates)
        atomic_write_json(manifest, self.out / "run.json")
        # on resume, TensorBoard hides what an interrupted run logged after the checkpoint (an update is logged
        # at its env-step count, so the checkpoint's own update stays)
        writer = _tensorboard(self.out / "tb", purge_step=self.ppo.env_steps + 1 if resume else None)
        from tqdm import tqdm

        bar = tqdm(total=self.ppo.n_updates, initial=self.ppo.updates, disable=not progress, unit="upd")
        metrics: dict = {}
        shown = float("nan")  # the bar's val=: the last validation's --best-metric, kept between validations
        t0, steps0 = time.perf_counter(), self.ppo.env_steps
        with (self.out / "metrics.jsonl").open("a", encoding="utf-8") as log:
            while self.ppo.updates < self.ppo.n_updates:
                stats = self.ppo.update(self.ppo.collect())
                sps = (self.ppo.env_steps - steps0) / max(time.perf_counter() - t0, 1e-9)
                metrics = {"update": self.ppo.updates, "steps": self.ppo.env_steps, "env_steps_per_s": sps, **stats}
                _check_finite(metrics, self.ppo.policy, log)
                final = self.ppo.updates == self.ppo.n_updates
                if self.ppo.updates % self.cfg.eval_every == 0 or final:
                    metrics.update(self.validation_metrics())
                    score = metrics[self.cfg.best_metric]
                    if np.isfinite(score) and score > self.best:
                        self.best = score
                        self._save("best.pt")
                # the row (and TensorBoard) before last.pt: a kill between them leaves a row past the checkpoint,
                # which --resume trims and writes again; the other order would lose the row for good
                log.write(json_line(metrics))
                log.flush()
                if writer is not None:
                    for k, v in metrics.items():
                        writer.add_scalar(k, v, self.ppo.env_steps)
                self._save("last.pt")
                shown = metrics.get(self.cfg.best_metric, shown)
                bar.set_postfix(sps=f"{sps:.0f}", val=f"{shown:.4f}")
                bar.update(1)
        bar.close()
        if writer is not None:
            writer.close()
        return metrics


def _check_finite(metrics: dict, policy: torch.nn.Module, log: TextIO) -> None:
    """Stop at the first update that leaves the weights, the losses or the reward NaN/inf: training on would
    only export a NaN policy. The update's metrics are logged; last.pt keeps the update before it, for
    inspection: a --resume of the same settings repeats the same update, and a changed learning rate is another
    run, so the fix is a fresh run. One host sync per update."""
    bad = [f"{k} = {metrics[k]}" for k in ("policy_loss", "value_loss", "reward_mean")
           if not math.isfinite(metrics[k])]
    if not torch.stack([torch.isfinite(p).all() for p in policy.parameters()]).all():
        bad.append("non-finite weights")
    if bad:
        log.write(json_line(metrics))
        log.flush()
        raise DataError(f"update {metrics['update']}: {', '.join(bad)}; the weights are no longer finite, so "
                        "training stops (last.pt holds the update before; --resume would repeat this update). "
                        "Train afresh with a lower --learning-rate, or run `aurumq-rl data check` on --data for "
                        "NaN/inf or extreme values")


def _tensorboard(path: Path, purge_step: int | None = None):  # noqa: ANN202
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(path), purge_step=purge_step)


def _jsonable(obj: object) -> object:
    return json.loads(json.dumps(obj, default=lambda o: dataclasses.asdict(o) if dataclasses.is_dataclass(o)
                                 else str(o)))

