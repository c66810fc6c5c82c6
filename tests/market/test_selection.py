"""Top-K under the industry cap: numpy and torch against a plain greedy loop."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.market.selection import UNKNOWN_INDUSTRY, industry_cap, select_top_k


def _greedy(scores: np.ndarray, valid: np.ndarray, k: int, industry: np.ndarray | None, cap_frac: float | None
            ) -> np.ndarray:
    """One row, one stock at a time: best score first (lower index on ties), skip invalid and full industries."""
    out = np.zeros(len(scores), bool)
    counts: dict[int, int] = {}
    for i in sorted(range(len(scores)), key=lambda j: (-scores[j], j)):
        if out.sum() == k:
            break
        if not valid[i]:
            continue
        g = int(industry[i]) if industry is not None and cap_frac is not None else UNKNOWN_INDUSTRY
        if g != UNKNOWN_INDUSTRY and counts.get(g, 0) >= industry_cap(k, cap_frac):
            continue
        counts[g] = counts.get(g, 0) + 1
        out[i] = True
    return out


def _case(seed: int, n: int = 60, rows: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.standard_normal((rows, n)), 1)  # rounded: many ties
    valid = rng.random((rows, n)) < 0.8
    valid[0] = False  # a row with nothing valid
    valid[1, :5] = True
    valid[1, 5:] = False  # fewer valid stocks than K
    industry = rng.integers(-1, 4, (rows, n))  # few industries (the cap binds) and unknowns (never capped)
    industry[2] = 0  # one industry: only the cap's worth can be picked
    return scores, valid, industry


@pytest.mark.parametrize("cap_frac", [0.3, None])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numpy_matches_the_greedy_loop(seed: int, cap_frac: float | None) -> None:
    scores, valid, industry = _case(seed)
    k = 10
    got = select_top_k(scores, valid, k, industry, cap_frac)
    want = np.stack([_greedy(s, v, k, g, cap_frac) for s, v, g in zip(scores, valid, industry, strict=True)])
    np.testing.assert_array_equal(got, want)
    assert not got[0].any() and got[1].sum() == 5 and got[2].sum() <= industry_cap(k, cap_frac or 1.0)


@pytest.mark.parametrize("seed", [0, 3])
def test_torch_matches_numpy(seed: int) -> None:
    torch = pytest.importorskip("torch")
    scores, valid, industry = _case(seed)
    want = select_top_k(scores, valid, 10, industry, 0.3)
    got = select_top_k(torch.as_tensor(scores), torch.as_tensor(valid), 10, torch.as_tensor(industry), 0.3)
    np.testing.assert_array_equal(got.numpy(), want)


def _wide_case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """N = 200 ≫ PREFIX · K: rows the prefix settles and rows it must hand to the full sort."""
    rng = np.random.default_rng(seed)
    rows, n = 48, 200
    scores = rng.standard_normal((rows, n))
    scores[:12] = np.round(scores[:12], 1)  # ties everywhere, also across the prefix's edge
    scores[12:16] = 0.0  # all tied: the stable order is the index order
    valid = rng.random((rows, n)) < 0.8
    valid[16, 30:] = False  # fewer valid stocks than the prefix holds
    industry = rng.integers(-1, 8, (rows, n))
    top = np.argsort(-scores, axis=1, kind="stable")
    industry[17:22, :] = 5
    np.put_along_axis(industry[17:22], top[17:22, 150:], 6, axis=1)  # prefix all one industry: short of K
    industry[22] = UNKNOWN_INDUSTRY
    scores[23, :60] = -np.inf  # valid stocks scored -inf (NaN scores after nan_to_num), ordered by index
    scores[24, [150, 3, 77, 20, 199]] = 10.0  # ties inside the prefix only: still the lower index first
    valid[24, [150, 3, 77, 20, 199]] = True
    return scores, valid, industry


@pytest.mark.parametrize("cap_frac", [0.3, None])
@pytest.mark.parametrize("seed", [0, 1])
def test_prefix_rows_and_full_sort_rows_match_the_greedy_loop(seed: int, cap_frac: float | None) -> None:
    """More stocks than the PREFIX · K that select_top_k solves first: numpy and torch still equal the loop."""
    scores, valid, industry = _wide_case(seed)
    k = 10
    want = np.stack([_greedy(s, v, k, g, cap_frac) for s, v, g in zip(scores, valid, industry, strict=True)])
    np.testing.assert_array_equal(select_top_k(scores, valid, k, industry, cap_frac), want)
    torch = pytest.importorskip("torch")
    got = select_top_k(torch.as_tensor(scores), torch.as_tensor(valid), k, torch.as_tensor(industry), cap_frac)
    np.testing.assert_array_equal(got.numpy(), want)
    got3 = select_top_k(scores.reshape(6, 8, 200), valid.reshape(6, 8, 200), k, industry.reshape(6, 8, 200), cap_frac)
    np.testing.assert_array_equal(got3.reshape(48, 200), want)  # leading axes are kept


def test_invalid_stocks_do_not_use_up_an_industry_cap() -> None:
    # industry 0 holds the three best scores, but two of them are not valid: the cap of 1 (K = 3) goes to the
    # valid one, and the rest of the picks go to the next industries
    scores = np.array([9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0])
    valid = np.array([False, False, True, True, True, True, True])
    industry = np.array([0, 0, 0, 0, 1, 2, 2])
    got = select_top_k(scores, valid, 3, industry, 0.34)
    np.testing.assert_array_equal(np.flatnonzero(got), [2, 4, 5])


def test_running_in_group_counts_and_sums_earlier_members() -> None:
    """Per position: earlier members of the same group, and the sum of their values (numpy and torch)."""
    from aurumq_rl.market.selection import running_in_group

    rng = np.random.default_rng(4)
    group = rng.integers(-1, 3, (5, 12))
    member = rng.random((5, 12)) < 0.7
    values = rng.random((5, 12))
    want_n, want_s = np.zeros(group.shape, np.int64), np.zeros(group.shape)
    for r in range(5):
        for i in range(12):
            same = [j for j in range(i) if member[r, j] and group[r, j] == group[r, i]]
            want_n[r, i], want_s[r, i] = len(same), values[r, same].sum()
    n, s = running_in_group(group, member, values)
    np.testing.assert_array_equal(n[member], want_n[member])
    np.testing.assert_allclose(s[member], want_s[member])
    torch = pytest.importorskip("torch")
    n, s = running_in_group(torch.as_tensor(group), torch.as_tensor(member), torch.as_tensor(values))
    np.testing.assert_array_equal(n.numpy()[member], want_n[member])
    np.testing.assert_allclose(s.numpy()[member], want_s[member])


@pytest.mark.parametrize("n", [6, 50])  # 6: the full sort; 50: the partial-sort prefix path
def test_a_nan_score_is_no_candidate_in_numpy_and_torch(n: int) -> None:
    """torch's descending sort put NaN first (a NaN-scored stock was the best pick in the env), numpy's last;
    validation turned NaN into -inf, a candidate when fewer than K scores were finite. One rule now: NaN is
    not a candidate, in both backends."""
    torch = pytest.importorskip("torch")
    s = np.arange(n, 0, -1).astype(np.float64)  # 0 best
    s[0] = np.nan
    valid = np.ones(n, bool)
    want = np.zeros(n, bool)
    want[[1, 2]] = True
    np.testing.assert_array_equal(select_top_k(s, valid, 2), want)
    np.testing.assert_array_equal(select_top_k(torch.as_tensor(s), torch.as_tensor(valid), 2).numpy(), want)
    few = np.full(n, np.nan)
    few[[3, 4]] = [1.0, 2.0]
    want = np.zeros(n, bool)
    want[[3, 4]] = True  # two finite scores, K = 3: those two only
    np.testing.assert_array_equal(select_top_k(few, valid, 3), want)
    np.testing.assert_array_equal(select_top_k(torch.as_tensor(few), torch.as_tensor(valid), 3).numpy(), want)
