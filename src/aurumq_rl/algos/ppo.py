"""PPO for the vectorised market simulator, readable top to bottom (CleanRL style).

The rollout buffer lives on the device and stores date indices, picks and (for holding-aware rewards) the
holdings — never copies of observations: factors are re-gathered from the panel tensor per minibatch, and each
minibatch is built from whole dates so each date is encoded once (in chunks of at most `chunk_rows` stock rows
whose gradients accumulate into the minibatch's one optimiser step). During a rollout (fixed parameters) the
policy output of each visited date is likewise computed once and shared by every env that visits it, unless the
observation holds the current weights (holding-aware rewards). GAE is vectorised over envs; a time-limit
end is a truncation (bootstrapped with the value of the final observation). The only host syncs of an update
are one to group samples by date before the epochs and one per epoch for the target-KL check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from aurumq_rl.envs.market_sim import MarketSim, PanelTensors
from aurumq_rl.policies import plackett_luce as pl
from aurumq_rl.policies.deep_sets import DeepSetsPolicy


@dataclass
class PPOConfig:
    total_timesteps: int = 300_000  # env-steps (decisions) over all envs
    n_envs: int = 128  # many envs share each date's encoding: more samples per unit of compute
    n_steps: int = 32
    batch_size: int = 1024  # samples per minibatch (rounded to whole dates)
    chunk_rows: int = 32_768  # stock rows per forward/backward pass; a minibatch's gradients accumulate over its
    # chunks of whole dates (same step, bounded activations: large cross-sections stay fast and fit in memory)
    n_epochs: int = 4
    learning_rate: float = 1e-3
    value_learning_rate: float = 1e-3
    anneal_lr: bool = True
    gamma: float = 0.9
    gae_lambda: float = 0.9
    clip_coef: float = 0.2
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    target_kl: float | None = 0.05
    norm_adv: bool = True
    pick_credit: bool = True  # add each pick's own contribution (vs the step's other picks) to its advantage
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse settings that would train on nonsense silently (the CLI checks its flags first; this guards
        the Python API): NaN rates, a zero batch, a discount outside [0, 1]."""
        counts = ("total_timesteps", "n_envs", "n_steps", "batch_size", "chunk_rows", "n_epochs")
        bad = [f"{k}={getattr(self, k)}" for k in counts if getattr(self, k) < 1]
        bad += [f"{k}={getattr(self, k)}" for k in ("learning_rate", "value_learning_rate")
                if not math.isfinite(getattr(self, k)) or getattr(self, k) <= 0]
        bad += [f"{k}={getattr(self, k)}" for k in ("gamma", "gae_lambda") if not 0 <= getattr(self, k) <= 1]
        bad += [f"{k}={getattr(self, k)}" for k in ("clip_coef", "ent_coef", "vf_coef", "max_grad_norm")
                if not math.isfinite(getattr(self, k)) or getattr(self, k) < 0]
        if math.isfinite(self.max_grad_norm) and self.max_grad_norm == 0:  # clips every gradient to 0: no step
            bad.append(f"max_grad_norm={self.max_grad_norm}")
        if self.target_kl is not None and not (math.isfinite(self.target_kl) and self.target_kl > 0):
            bad.append(f"target_kl={self.target_kl}")
        if bad:
            raise ValueError(f"PPOConfig: {', '.join(bad)}: counts must be ≥ 1, learning rates and target_kl "
                             "finite and > 0, gamma and gae_lambda in [0, 1], coefficients finite and ≥ 0 "
                             "(max_grad_norm > 0)")


def compute_gae(rewards: torch.Tensor, values: torch.Tensor, truncated: torch.Tensor, boot: torch.Tensor,
                next_value: torch.Tensor, gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE over [S, E] tensors, vectorised over envs. At a truncated step the next value is the bootstrap
    value of the final observation and the advantage chain restarts. Returns (advantages, returns)."""
    n_steps = rewards.shape[0]
    adv = torch.zeros_like(rewards)
    last = torch.zeros_like(next_value)
    for s in reversed(range(n_steps)):
        nxt = next_value if s == n_steps - 1 else values[s + 1]
        nxt = torch.where(truncated[s], boot[s], nxt)
        cont = (~truncated[s]).to(rewards.dtype)
        delta = rewards[s] + gamma * nxt - values[s]
        last = delta + gamma * lam * cont * last
        adv[s] = last
    return adv, adv + values


class PPO:
    def __init__(self, policy: DeepSetsPolicy, data: PanelTensors, sim: MarketSim, cfg: PPOConfig) -> None:
        self.policy, self.data, self.sim, self.cfg = policy, data, sim, cfg
        self.device = data.device
        critic = list(policy.critic.parameters())
        critic_ids = {id(p) for p in critic}
        rest = [p for p in policy.parameters() if id(p) not in critic_ids]
        self.opt = torch.optim.Adam([{"params": rest, "lr": cfg.learning_rate},
                                     {"params": critic, "lr": cfg.value_learning_rate}], eps=1e-5)
        self.gen = torch.Generator(device=self.device).manual_seed(cfg.seed)
        self.np_rng = np.random.default_rng(cfg.seed)
        self.env_steps = 0
        self.updates = 0

    @property
    def steps_per_update(self) -> int:
        return self.cfg.n_envs * self.cfg.n_steps

    @property
    def _dates_per_chunk(self) -> int:
        return max(1, self.cfg.chunk_rows // self.data.n_stocks)

    @property
    def n_updates(self) -> int:
        return max(1, self.cfg.total_timesteps // self.steps_per_update)

    def _env_kw(self, t: torch.Tensor) -> dict:
        s = self.sim
        return {"k": s.cfg.top_k, "industry": self.data.industry[t], "cap_frac": s.cfg.industry_cap,
                "n_industries": self.data.n_industries}

    def _forward(self, t: torch.Tensor, w: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        return self.policy(self.data.factors[t], self.data.valid[t], w)

    @torch.no_grad()
    def _encode_ahead(self, cache: dict[str, torch.Tensor], steps: int) -> None:
        """Fill the rollout's per-date cache with the policy outputs of every date the envs visit in the next
        `steps` steps (and the one after, for bootstrapping). Without holdings in the observation the output
        depends on the date alone and the parameters are fixed during a rollout, so each date is encoded
        once however many envs visit it. Envs move in lockstep until the episodes end together, so the dates
        are known ahead: one host sync per episode segment, not per step."""
        ahead = self.sim.t[:, None] + torch.arange(steps + 1, device=self.device)
        need = torch.unique(ahead[~cache["have"][ahead]])
        for chunk in need.split(self._dates_per_chunk):
            cache["logits"][chunk], cache["value"][chunk] = self._forward(chunk, None)
        cache["have"][need] = True

    @torch.no_grad()
    def collect(self) -> dict[str, torch.Tensor]:
        """Run n_steps in every env; returns the rollout buffer (all tensors on the device)."""
        s_n, e_n, dev = self.cfg.n_steps, self.cfg.n_envs, self.device
        k, hold = self.sim.cfg.top_k, self.sim.cfg.holding_aware
        d = self.data
        cache = None if hold else {"logits": torch.zeros(d.n_dates, d.n_stocks, device=dev),
                                   "value": torch.zeros(d.n_dates, device=dev),
                                   "have": torch.zeros(d.n_dates, dtype=torch.bool, device=dev)}
        buf = {
            "t": torch.zeros(s_n, e_n, dtype=torch.long, device=dev),
            "picks": torch.zeros(s_n, e_n, k, dtype=torch.long, device=dev),
            "logp": torch.zeros(s_n, e_n, k, device=dev), "value": torch.zeros(s_n, e_n, device=dev),
            "reward": torch.zeros(s_n, e_n, device=dev), "boot": torch.zeros(s_n, e_n, device=dev),
            "truncated": torch.zeros(s_n, e_n, dtype=torch.bool, device=dev),
            "contrib": torch.zeros(s_n, e_n, k, device=dev),
        }
        if hold:
            buf["w"] = torch.zeros(s_n, e_n, self.data.n_stocks, device=dev)
        for s in range(s_n):
            t, w = self.sim.t, (self.sim.w if hold else None)
            if cache is None:
                logits, value = self._forward(t, w)
            else:
                if self.sim.steps == 0 or s == 0:  # a new episode segment: its dates are known ahead
                    self._encode_ahead(cache, min(s_n - s, self.sim.cfg.episode_length - self.sim.steps))
                logits, value = cache["logits"][t], cache["value"][t]
            kw = self._env_kw(t)
            picks = pl.sample(logits, self.data.valid[t], generator=self.gen, **kw)
            kw.pop("k")
            logp, _ = pl.pick_log_probs(logits, self.data.valid[t], picks, **kw)
            reward, truncated, info = self.sim.step(logits, pl.picks_to_mask(picks, self.data.n_stocks))
            buf["t"][s], buf["picks"][s], buf["logp"][s], buf["value"][s], buf["reward"][s] = (
                t, picks, logp, value, reward)
            buf["contrib"][s] = info["contrib"].gather(1, picks.clamp(min=0)) * (picks >= 0)
            if hold:
                buf["w"][s] = w
            if truncated:
                buf["truncated"][s] = True
                buf["boot"][s] = (self._forward(info["final_t"], info["final_w"] if hold else None)[1]
                                  if cache is None else cache["value"][info["final_t"]])
        if cache is not None:
            self._encode_ahead(cache, 0)  # the envs were reset by a truncation at the last step
        buf["next_value"] = (self._forward(self.sim.t, self.sim.w if hold else None)[1]
                             if cache is None else cache["value"][self.sim.t])
        self.env_steps += s_n * e_n
        return buf

    def _minibatches(self, t_flat: np.ndarray) -> list[list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]]:
        """Shuffle dates, then cut into minibatches of whole dates, each a list of chunks of at most
        `_dates_per_chunk` dates: (unique dates, sample ids, sample → position in the chunk's dates). With the
        holdings in the observation every sample has its own row of N scores, so a chunk holds at most that many
        samples instead (a date's samples may then span chunks): `chunk_rows` bounds the stock rows either way."""
        uniq, inv = np.unique(t_flat, return_inverse=True)
        order = self.np_rng.permutation(len(uniq))
        by_date = np.argsort(inv, kind="stable")
        starts = np.searchsorted(inv[by_date], np.arange(len(uniq) + 1))
        out, cur, size = [], [], 0
        for d in order:
            cur.append(d)
            size += starts[d + 1] - starts[d]
            if size >= self.cfg.batch_size:
                out.append(cur)
                cur, size = [], 0
        if cur:
            out.append(cur)
        dev, per = self.device, self._dates_per_chunk
        batches = []
        per_sample = self.sim.cfg.holding_aware
        for dates in out:
            dates = np.sort(dates)
            chunks = []
            if per_sample:
                ids_all = np.concatenate([by_date[starts[d]:starts[d + 1]] for d in dates])
                groups = [ids_all[c:c + per] for c in range(0, len(ids_all), per)]
            else:
                groups = [np.concatenate([by_date[starts[d]:starts[d + 1]] for d in dates[c:c + per]])
                          for c in range(0, len(dates), per)]
            for ids in groups:
                part = np.unique(inv[ids])
                chunks.append((torch.as_tensor(uniq[part], device=dev), torch.as_tensor(ids, device=dev),
                               torch.as_tensor(np.searchsorted(part, inv[ids]), device=dev)))
            batches.append(chunks)
        return batches

    def _pick_advantages(self, adv: torch.Tensor, contrib: torch.Tensor, has: torch.Tensor) -> torch.Tensor:
        """[B, K] advantages: the step's advantage for every pick, plus (with pick_credit) K × the pick's own
        contribution minus the mean contribution of the step's picks — a per-pick credit that sums to zero
        over the picks, so the step-level signal is unchanged. It ignores a pick's small effect on which
        stocks remain available to later picks (negligible when N ≫ K). Normalised over the minibatch."""
        a = adv[:, None].expand_as(contrib)
        if self.cfg.pick_credit:
            n = has.sum(-1, keepdim=True).clamp(min=1)
            mean = (contrib * has).sum(-1, keepdim=True) / n
            a = a + n * (contrib - mean) * has
        if self.cfg.norm_adv:
            w = has / has.sum().clamp(min=1)
            mu = (a * w).sum()
            sd = torch.sqrt((((a - mu) ** 2) * w).sum())
            a = (a - mu) / (sd + 1e-8)
        return a

    def _evaluate(self, flat: dict[str, torch.Tensor], uniq: torch.Tensor, ids: torch.Tensor, local: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(log-probs [B, K] of the stored picks, first-pick entropy [B], value [B]) of samples `ids` under the
        current policy; their dates `uniq` are encoded once (`local`: sample → position in `uniq`)."""
        pol, data = self.policy, self.data
        emb_u, ctx_u = pol.encode(data.factors[uniq], data.valid[uniq])
        if "w" in flat:  # the holdings enter the scores: one row of logits per sample
            w = flat["w"][ids]
            # index_select, not emb_u[local]: its backward sums a date's samples in a fixed order (indexing's
            # scatters them with parallel atomic adds on a multi-threaded CPU: the same seed trained other weights)
            emb, ctx = emb_u.index_select(0, local), ctx_u.index_select(0, local)
            logits, value, t_rows, rows = pol.scores(emb, ctx, w), pol.value(emb, ctx, w), flat["t"][ids], None
        else:  # one row of logits per date, shared by its samples
            logits, value, t_rows, rows = pol.scores(emb_u, ctx_u), pol.value(emb_u, ctx_u)[local], uniq, local
        kw = self._env_kw(t_rows)
        kw.pop("k")
        logp, ent = pl.pick_log_probs(logits, data.valid[t_rows], flat["picks"][ids], rows=rows, **kw)
        return logp, ent, value

    def update(self, buf: dict[str, torch.Tensor]) -> dict[str, float]:
        cfg, pol = self.cfg, self.policy
        if cfg.anneal_lr:
            frac = 1.0 - self.updates / self.n_updates
            self.opt.param_groups[0]["lr"] = frac * cfg.learning_rate
            self.opt.param_groups[1]["lr"] = frac * cfg.value_learning_rate
        adv, ret = compute_gae(buf["reward"], buf["value"], buf["truncated"], buf["boot"], buf["next_value"],
                               cfg.gamma, cfg.gae_lambda)
        flat = {k: v.reshape(-1, *v.shape[2:]) for k, v in buf.items() if k != "next_value"}
        adv, ret = adv.reshape(-1), ret.reshape(-1)
        stats = {k: torch.zeros((), device=self.device) for k in ("pg", "v", "ent", "kl", "clip")}
        n_mb = 0
        t_host = flat["t"].cpu().numpy()  # one sync per update: group samples by date
        for _epoch in range(cfg.n_epochs):
            epoch_kl = torch.zeros((), device=self.device)
            batches = self._minibatches(t_host)
            for chunks in batches:
                # minibatch-wide terms first: advantage normalisation and the loss denominators
                ids = torch.cat([c[1] for c in chunks])
                has_all = (flat["picks"][ids] >= 0).to(adv.dtype)
                a_all = self._pick_advantages(adv[ids], flat["contrib"][ids], has_all)
                n_picks, n_samples = has_all.sum().clamp(min=1), len(ids)
                self.opt.zero_grad(set_to_none=True)
                start = 0
                for uniq, cid, local in chunks:  # gradients accumulate over the chunks: one step per minibatch
                    sl = slice(start, start + len(cid))
                    start += len(cid)
                    logp, ent, value = self._evaluate(flat, uniq, cid, local)
                    has, a = has_all[sl], a_all[sl]
                    # one trust region per pick: the joint ratio of K picks would hit the clip after tiny moves
                    log_ratio = (logp - flat["logp"][cid]) * has
                    ratio = log_ratio.exp()
                    pg_each = torch.max(-a * ratio, -a * ratio.clamp(1 - cfg.clip_coef, 1 + cfg.clip_coef))
                    pg = (pg_each * has).sum() / n_picks
                    v_loss = 0.5 * ((value - ret[cid]) ** 2).sum() / n_samples
                    ent_m = ent.sum() / n_samples
                    (pg - cfg.ent_coef * ent_m + cfg.vf_coef * v_loss).backward()
                    with torch.no_grad():
                        kl = (((ratio - 1) - log_ratio) * has).sum() / n_picks  # per pick
                        clip = (((ratio - 1).abs() > cfg.clip_coef) * has).sum() / n_picks
                        epoch_kl += kl  # each chunk's terms are already divided by the minibatch totals
                        for key, val in (("pg", pg), ("v", v_loss), ("ent", ent_m), ("kl", kl), ("clip", clip)):
                            stats[key] += val
                nn.utils.clip_grad_norm_(pol.parameters(), cfg.max_grad_norm)
                self.opt.step()
                n_mb += 1
            if cfg.target_kl is not None and float(epoch_kl / len(batches)) > cfg.target_kl:
                break  # one host sync per epoch
        self.updates += 1
        var_y = ret.var()
        ev = 1 - (ret - flat["value"]).var() / var_y.clamp(min=1e-12)
        out = {k: float(v / max(n_mb, 1)) for k, v in stats.items()}
        return {"policy_loss": out["pg"], "value_loss": out["v"], "entropy": out["ent"], "approx_kl": out["kl"],
                "clip_frac": out["clip"], "explained_variance": float(ev), "reward_mean": float(buf["reward"].mean()),
                "learning_rate": self.opt.param_groups[0]["lr"], "value_learning_rate": self.opt.param_groups[1]["lr"],
                "epochs_run": _epoch + 1}
