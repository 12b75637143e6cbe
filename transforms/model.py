"""Fellegi-Sunter model: unsupervised training (u by random sampling, m by EM), scoring, bands.

Why our own EM rather than ``recordlinkage.ECMClassifier``: ECM only handles binary
agreement features, while our comparisons have ordered multi-level outcomes (exact /
nickname / fuzzy / phonetic / else) plus a null level that must carry no evidence. The
EM here runs on the *distinct comparison patterns* with their counts (a few thousand
rows instead of millions of pairs), so a full training takes well under a second.

Training, Splink-style:
- ``u`` (P(level | non-match)) from pairs of records drawn at random with a fixed seed:
  random pairs are almost all non-matches, and this is the population ``u`` that the
  score needs. Blocked pairs cannot give it because they agree on the blocking keys.
- ``m`` (P(level | match)) and the share of matches among candidate pairs by EM on the
  candidate pairs (null levels are missing-at-random and skipped).
- the prior ``P(match)`` for a random pair = expected matches among candidates / all pairs.

Scoring: ``match_weight = log2(prior odds) + sum(log2(m/u))``; for term-frequency
adjusted exact levels ``u`` is replaced by the frequency of the agreeing value, so a
match on a common surname or city is worth less than on a rare one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import gammaln

from crm_golden.config.matching import Comparison, ModelSettings
from transforms.bands import probability
from transforms.block import unique_counts
from transforms.compare import ComparisonResult, compare_pairs
from transforms.compare_columns import RecordColumns

MODEL_FORMAT = "crm-golden/fs-model/1"


@dataclass
class ComparisonParams:
    """Learned parameters of one comparison (levels include the final 'else')."""

    name: str
    level_names: list[str]
    m: list[float]
    u: list[float]
    tf_levels: list[bool]
    u_candidates: list[float] = field(default_factory=list)
    fixed_weights: list[float | None] = field(default_factory=list)
    # u among pairs that agree on each set of comparisons of u_given (same order)
    u_given: list[list[str]] = field(default_factory=list)
    u_conditional: list[list[float]] = field(default_factory=list)
    m_support: float = 0.0  # pairs the m estimate rests on (0: unknown)
    u_support: float = 0.0  # random pairs behind u

    def confident_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(least negative, least positive) weight per level that the data supports: a
        level seen 0 times in n pairs may still occur at up to 3/n (the rule of three, a
        95% bound), so a small sample cannot make a disagreement look overwhelming."""
        m, u = np.asarray(self.m), np.asarray(self.u)
        m_hi = np.maximum(m, 3.0 / self.m_support) if self.m_support else m
        u_hi = np.maximum(u, 3.0 / self.u_support) if self.u_support else u
        upper, lower = np.log2(m_hi / u), np.log2(m / u_hi)
        for i, f in enumerate(self.fixed_weights):
            if f is not None:
                upper[i] = lower[i] = f
        return upper, lower

    def weights(self, given: int | None = None) -> np.ndarray:
        """log2(m/u) per level, or the level's configured fixed weight; ``given``: with u
        measured among pairs that agree on the ``given``-th set of ``u_given``."""
        u = self.u if given is None else self.u_conditional[given]
        w = np.log2(np.asarray(self.m) / np.asarray(u))
        for i, f in enumerate(self.fixed_weights):
            if f is not None:
                w[i] = f
        return w


@dataclass
class FSModel:
    """A trained Fellegi-Sunter model, serializable as JSON (train once, score many)."""

    comparisons: list[ComparisonParams]
    prior: float  # P(match) for a random record pair
    lambda_candidates: float  # share of matches among candidate pairs (EM)
    tf_floor: float = 1e-5
    tf_max_boost_bits: float = 6.0
    training: dict = field(default_factory=dict)

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1.0 - self.prior)))

    def to_json(self) -> str:
        """JSON text with format tag; no personal data (only probabilities and counts)."""
        return json.dumps({"format": MODEL_FORMAT, **asdict(self)}, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FSModel:
        data = json.loads(text)
        if data.pop("format", None) != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model file")
        comps = [ComparisonParams(**c) for c in data.pop("comparisons")]
        return cls(comparisons=comps, **data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> FSModel:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def signature(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(c.name, tuple(c.level_names)) for c in self.comparisons]

    def matches(self, result: ComparisonResult) -> bool:
        """True if this model was trained on the same comparisons and levels as ``result``."""
        return self.signature() == [(c.name, tuple(c.level_names)) for c in result.comparisons]

    def parameters_table(self) -> list[dict]:
        """m, u and weight per level, for the audit report."""
        rows = []
        for c in self.comparisons:
            w = c.weights()
            for i, lvl in enumerate(c.level_names):
                rows.append(
                    {
                        "comparison": c.name,
                        "level": lvl,
                        "m": round(float(c.m[i]), 6),
                        "u": round(float(c.u[i]), 8),
                        "weight": round(float(w[i]), 3),
                        "tf_adjusted": bool(c.tf_levels[i]),
                    }
                )
        return rows


def random_pairs(
    records: pd.DataFrame, n_pairs: int, seed: int, link_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic sample of distinct random record pairs (cross-source for link_only)."""
    n = len(records)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, size=int(n_pairs * 1.2) + 10)
    b = rng.integers(0, n, size=a.size)
    keep = a != b
    if link_type == "link_only" and "source" in records.columns:
        src = pd.factorize(records.sort_values("record_id")["source"])[0]
        keep &= src[a] != src[b]
    a, b = a[keep][:n_pairs], b[keep][:n_pairs]
    return np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)


def _level_probs(levels: np.ndarray, n_levels: int, weights: np.ndarray | None = None) -> np.ndarray:
    ok = levels >= 0
    w = np.ones(levels.size) if weights is None else weights
    counts = np.bincount(levels[ok].astype(np.int64), weights=w[ok], minlength=n_levels)
    return counts / max(counts.sum(), 1e-12)


def _init_m(n_levels: int) -> np.ndarray:
    raw = np.array([0.5**i for i in range(n_levels - 1)] + [0.05])
    return raw / raw.sum()


def run_em(
    levels: np.ndarray,
    n_levels: list[int],
    u_init: list[np.ndarray],
    settings: ModelSettings,
    lambda_init: float = 0.1,
    fix_u: bool = False,
    m_init: list[np.ndarray] | None = None,
    fix_m: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray], float, int, bool]:
    """EM over distinct patterns: returns (m, u, lambda, iterations, converged).

    Pairs are collapsed to unique level patterns with counts (mixed-radix int64 code),
    so each iteration costs O(patterns x comparisons), independent of the pair count.
    """
    n_comp = levels.shape[1]
    radix = np.array([k + 1 for k in n_levels], dtype=np.int64)
    code = np.zeros(levels.shape[0], dtype=np.int64)
    for c in range(n_comp):
        code = code * radix[c] + (levels[:, c].astype(np.int64) + 1)
    pats, counts = unique_counts(code)
    pat = np.empty((pats.size, n_comp), dtype=np.int64)
    rem = pats.copy()
    for c in range(n_comp - 1, -1, -1):
        pat[:, c] = rem % radix[c] - 1
        rem //= radix[c]
    counts = counts.astype(np.float64)
    m = [np.asarray(x, float) for x in m_init] if m_init else [_init_m(k) for k in n_levels]
    u = [np.clip(np.asarray(x, dtype=float), settings.u_floor, 1.0) for x in u_init]
    lam = lambda_init
    converged = False
    if not counts.size:  # no pairs: nothing to learn, the starting values stand
        return m, u, lam, 0, True
    it = 0
    for it in range(1, settings.em_max_iterations + 1):  # noqa: B007 - reported after loop
        logm = np.zeros(pats.size)
        logu = np.zeros(pats.size)
        for c in range(n_comp):
            ok = pat[:, c] >= 0
            logm[ok] += np.log(m[c][pat[ok, c]])
            logu[ok] += np.log(u[c][pat[ok, c]])
        a = np.log(lam) + logm
        b = np.log1p(-lam) + logu
        g = 1.0 / (1.0 + np.exp(np.clip(b - a, -700, 700)))
        new_lam = float((g * counts).sum() / counts.sum())
        new_m, new_u = [], []
        for c in range(n_comp):
            nm = _level_probs(pat[:, c], n_levels[c], g * counts)
            nu = _level_probs(pat[:, c], n_levels[c], (1 - g) * counts)
            nm = np.clip(nm, settings.m_floor, 1.0)
            nu = np.clip(nu, settings.u_floor, 1.0)
            new_m.append(m[c] if fix_m else nm / nm.sum())
            new_u.append(u[c] if fix_u else nu / nu.sum())
        delta = max(
            abs(new_lam - lam),
            max(float(np.abs(x - y).max()) for x, y in zip(new_m, m, strict=True)),
        )
        m, u, lam = new_m, new_u, min(max(new_lam, 1e-9), 1 - 1e-9)
        if delta < settings.em_tolerance:
            converged = True
            break
    return m, u, lam, it, converged


def train_model(
    records: pd.DataFrame,
    candidates: ComparisonResult,
    comparisons: list[Comparison],
    settings: ModelSettings,
    total_comparisons: int,
    link_type: str = "dedupe_and_link",
    rule_pairs: dict[str, tuple[np.ndarray, list[str]]] | None = None,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    cache: RecordColumns | None = None,
) -> FSModel:
    """Learn u, m and the prior from the data at hand, without labels.

    - u: level shares among random record pairs (almost all non-matches), corrected for
      the matches they contain.
    - m: by EM per blocking rule with u fixed, leaving out the comparisons on the rule's
      own columns (Splink's approach), then blended with the level shares among the
      near-certain pairs of ``settings.near_certain_rules`` on other fields, each source
      weighted by how well the data supports it (``_blend_near_certain``).
    - prior: the share of random pairs that match, as the fixed point of "expected
      matches = sum of the candidates' match probabilities" (``_learn_prior``).
    ``pairs`` are the candidates' (left, right) record positions; ``rule_pairs`` the
    candidates of each blocking rule (``BlockingResult.rule_pairs``). ``cache``: the
    records' coded columns when the caller has them (structural: the same levels, without
    coding every column again for each sample).
    """
    ra, rb = random_pairs(records, settings.u_random_pairs, settings.seed, link_type)
    rand = compare_pairs(records, ra, rb, comparisons, cache=cache)
    n_levels = [c.n_levels for c in candidates.comparisons]
    u_rand = []
    for i, c in enumerate(candidates.comparisons):
        u = _level_probs(rand.levels[:, i], c.n_levels)
        u = np.clip(u, settings.u_floor, 1.0)
        u_rand.append(u / u.sum())
    used = comparisons_used(comparisons, candidates)
    m, runs, sample = _m_by_em(candidates.levels, n_levels, u_rand, used, candidates,
                               settings, rule_pairs)
    m_sources = ["em"] * len(n_levels)
    near_certain = None
    if settings.near_certain_rules and pairs is not None:
        near_certain, m_sources = _blend_near_certain(
            records, pairs, candidates.levels, n_levels, m, used, settings,
            [list(c.level_names) for c in candidates.comparisons])
    fixed = [list(c.fixed_weights) for c in candidates.comparisons]
    if settings.prior is not None:
        prior, prior_info = settings.prior, {"source": "configured"}
    else:
        prior, prior_info = _learn_prior(candidates, m, u_rand, fixed, settings,
                                         total_comparisons)
    if settings.u_match_correction:
        u_rand = [_remove_matches_from_u(u_rand[i], m[i], prior, settings.u_floor)
                  for i in range(len(n_levels))]
        if settings.prior is None:  # u changed: the prior's fixed point moves a little
            prior, prior_info = _learn_prior(candidates, m, u_rand, fixed, settings,
                                             total_comparisons, start=prior)
    u_cond = _conditional_u(records, used, candidates, m, u_rand, prior, settings, link_type,
                            cache)
    # matches an EM estimate of m rests on: the expected matches among the candidates
    # where the comparison has a value
    matches = prior * max(total_comparisons, 1)
    seen = ((candidates.levels >= 0).mean(axis=0) if candidates.levels.size
            else np.zeros(len(n_levels)))
    support = [float(matches * seen[i]) if m_sources[i] == "em"
               else float(m_sources[i].split(":")[1]) for i in range(len(n_levels))]
    params = [
        ComparisonParams(
            name=c.name,
            level_names=list(c.level_names),
            m=[float(x) for x in m[i]],
            u=[float(x) for x in u_rand[i]],
            tf_levels=list(c.tf_levels),
            fixed_weights=list(c.fixed_weights),
            u_given=[list(g) for g, _ in u_cond.get(i, [])],
            u_conditional=[[float(x) for x in u] for _, u in u_cond.get(i, [])],
            m_support=support[i],
            u_support=float(ra.size),
        )
        for i, c in enumerate(candidates.comparisons)
    ]
    n_cand = candidates.levels.shape[0]
    return FSModel(
        comparisons=params,
        prior=prior,
        lambda_candidates=float(prior * max(total_comparisons, 1) / max(n_cand, 1)),
        tf_floor=settings.tf_floor,
        tf_max_boost_bits=settings.tf_max_boost_bits,
        training={
            "n_records": int(len(records)),
            "candidate_pairs": int(n_cand),
            "em_pairs": int(sample),
            "em_runs": runs,
            "prior": prior_info,
            "m_sources": dict(zip([c.name for c in candidates.comparisons], m_sources,
                                  strict=True)),
            "near_certain_pairs": near_certain,
            "u_random_pairs": int(ra.size),
            "total_comparisons": int(total_comparisons),
            "seed": settings.seed,
        },
    )


def _m_by_em(levels: np.ndarray, n_levels: list[int], u_rand: list[np.ndarray],
             used: list[Comparison], candidates: ComparisonResult, settings: ModelSettings,
             rule_pairs: dict[str, tuple[np.ndarray, list[str]]] | None,
             ) -> tuple[list[np.ndarray], list[dict], int]:
    """m by EM, one run per blocking rule with at least ``em_min_rule_pairs`` pairs, u
    fixed at its random-pair value and the comparisons on the rule's own columns left out
    (they agree by construction there); averaged over the runs that saw a comparison.
    Comparisons no rule could train come from one EM run over all candidates."""
    rng = np.random.default_rng(settings.seed)
    m_sum = [np.zeros(k) for k in n_levels]
    m_runs = np.zeros(len(n_levels))
    runs: list[dict] = []
    for rule_name, (idx, cols) in (rule_pairs or {}).items():
        if idx.size < settings.em_min_rule_pairs:
            continue
        keep = [i for i, c in enumerate(used) if not set(c.columns) & set(cols)]
        if not keep:
            continue
        if idx.size > settings.em_max_pairs:
            idx = np.sort(rng.choice(idx, settings.em_max_pairs, replace=False))
        sub = levels[np.ix_(idx, np.asarray(keep, dtype=np.int64))]
        m_k, _, lam_k, it_k, conv_k = run_em(
            sub, [n_levels[i] for i in keep], [u_rand[i] for i in keep], settings,
            lambda_init=0.3, fix_u=True)
        for j, i in enumerate(keep):
            m_sum[i] += m_k[j]
            m_runs[i] += 1
        runs.append({"rule": rule_name, "pairs": int(idx.size), "lambda": round(lam_k, 4),
                     "iterations": it_k, "converged": conv_k,
                     "comparisons": [candidates.comparisons[i].name for i in keep]})
    sample = levels
    if levels.shape[0] > settings.em_max_pairs:
        sample = levels[np.sort(rng.choice(levels.shape[0], settings.em_max_pairs,
                                           replace=False))]
    if (m_runs == 0).any():  # comparisons no rule could train: EM on all candidates
        m_all, _, _, _, _ = run_em(sample, n_levels, u_rand, settings, lambda_init=0.3,
                                   fix_u=True)
        for i in np.flatnonzero(m_runs == 0).tolist():
            m_sum[i] += m_all[i]
            m_runs[i] = 1
    return [m_sum[i] / m_runs[i] for i in range(len(n_levels))], runs, int(sample.shape[0])


def pairs_agreeing_on(codes: np.ndarray, n_pairs: int, rng: np.random.Generator,
                      source: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A uniform sample of the record pairs that share a value of ``codes`` (-1 = null);
    cross-source only when ``source`` codes are given (link_only)."""
    rec = np.flatnonzero(codes >= 0)
    if rec.size < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rec = rec[np.argsort(codes[rec], kind="stable")]
    _, start, counts = np.unique(codes[rec], return_index=True, return_counts=True)
    weight = counts * (counts - 1) / 2.0
    if weight.sum() == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    block = rng.choice(counts.size, size=n_pairs, p=weight / weight.sum())
    i = rng.integers(0, counts[block])
    j = rng.integers(0, counts[block] - 1)
    j += j >= i
    a, b = rec[start[block] + i], rec[start[block] + j]
    if source is not None:
        keep = source[a] != source[b]
        a, b = a[keep], b[keep]
    return np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)


def _conditional_u(records: pd.DataFrame, used: list[Comparison],
                   candidates: ComparisonResult, m: list[np.ndarray], u: list[np.ndarray],
                   prior: float, settings: ModelSettings, link_type: str,
                   cache: RecordColumns | None = None,
                   ) -> dict[int, list[tuple[tuple[str, ...], np.ndarray]]]:
    """u of each comparison with ``u_given``, per set: among pairs that agree exactly on the
    first column of every comparison of the set (addresses among pairs with one surname;
    e-mail local parts among pairs with one full name).

    Such a sample holds many matches (one person's records share a name), so u is not
    their level shares: EM over the sample's other comparisons, with m held at the values
    learned on all candidates, separates the two classes (m known makes it identifiable)
    and gives u among the sample's non-matches, with their share.
    """
    names = [c.name for c in candidates.comparisons]
    out: dict[int, list[tuple[tuple[str, ...], np.ndarray]]] = {}
    if cache is None:
        records = records.sort_values("record_id").reset_index(drop=True)
    else:  # the cache compares; only the given columns are read here (no full copy)
        firsts = [used[names.index(g)].columns[0]
                  for comp in used for given in comp.u_given for g in given if g in names]
        wanted = dict.fromkeys(["record_id", "source", *firsts])
        records = records[[c for c in wanted if c in records.columns]]
        records = records.sort_values("record_id").reset_index(drop=True)
    source = (pd.factorize(records["source"])[0] if link_type == "link_only"
              and "source" in records.columns else None)
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, comp in enumerate(used):
        for given in comp.u_given:
            if all(g in names for g in given):
                groups.setdefault(tuple(given), []).append(i)
    for number, (given_set, targets) in enumerate(sorted(groups.items())):
        columns = [used[names.index(g)].columns[0] for g in given_set]
        if not all(c in records.columns for c in columns):
            continue
        joint = records[columns].astype("string")
        codes = _joint_codes(joint.fillna("\0"))
        codes[joint.isna().any(axis=1).to_numpy()] = -1
        rng = np.random.default_rng(settings.seed + number + 1)
        a, b = pairs_agreeing_on(codes, settings.u_random_pairs, rng, source)
        if a.size < 1000:
            continue
        keep = [i for i, n in enumerate(names) if n not in given_set]
        sample = compare_pairs(records, a, b, [used[i] for i in keep], cache=cache).levels
        _, u_c, _, _, _ = run_em(sample, [len(u[i]) for i in keep], [u[i] for i in keep],
                                 settings, lambda_init=0.5, m_init=[m[i] for i in keep],
                                 fix_m=True)
        for i in targets:
            seen = int((sample[:, keep.index(i)] >= 0).sum())
            if seen < settings.em_min_rule_pairs:
                continue  # too few pairs with a value to tell how non-matches agree
            u_i = _only_levels(u[i], u_c[keep.index(i)], used[i],
                               list(candidates.comparisons[i].level_names))
            out.setdefault(i, []).append((given_set, u_i))
    return out


def _joint_codes(frame: pd.DataFrame) -> np.ndarray:
    """Codes of the rows' value tuples in order of first appearance: what factorizing a
    MultiIndex of the columns gives, without building a Python tuple per row (per-column
    codes combined into one integer, then factorized in order of first appearance)."""
    combined = np.zeros(len(frame), dtype=np.int64)
    for col in frame.columns:
        codes, uniques = pd.factorize(frame[col], use_na_sentinel=True)
        combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
        combined = combined.astype(np.int64, copy=False)
    return combined


def _only_levels(u: np.ndarray, u_given: np.ndarray, comp: Comparison,
                 level_names: list[str]) -> np.ndarray:
    """``u_given`` on the comparison's ``u_given_levels`` only (all when none are named);
    the other levels keep their unconditional u (weights are per-level ratios m / u)."""
    if not comp.u_given_levels:
        return u_given
    use = np.array([name in comp.u_given_levels for name in level_names])
    return np.where(use, u_given, u)


def _learn_prior(candidates: ComparisonResult, m: list[np.ndarray], u: list[np.ndarray],
                 fixed: list[list[float | None]], settings: ModelSettings,
                 total_comparisons: int, start: float | None = None,
                 ) -> tuple[float, dict]:
    """P(match) of a random pair as the fixed point of prior = sum of the candidates' match
    probabilities under that prior / all pairs.

    Pairs outside the candidates are taken as non-matches, so this is EM on the whole
    pair space with m and u held: no recall of some rules has to be assumed.
    """
    bayes = _bayes_factor_bits(candidates, m, u, fixed, settings)
    total = max(total_comparisons, 1)
    prior = start if start is not None else min(0.5, max(bayes.size / total, 1e-12) * 0.1)
    iterations = 0
    for iterations in range(1, 201):  # noqa: B007 - reported below
        odds = np.exp2(np.clip(bayes + np.log2(prior / (1 - prior)), -60, 60))
        new = float((odds / (1 + odds)).sum()) / total
        new = min(max(new, 1e-12), 0.5)
        if abs(np.log(new / prior)) < 1e-6:
            prior = new
            break
        prior = new
    return prior, {"source": "fixed_point", "iterations": iterations,
                   "expected_matches_in_candidates": round(prior * total, 1)}


def _bayes_factor_bits(candidates: ComparisonResult, m: list[np.ndarray],
                       u: list[np.ndarray], fixed: list[list[float | None]],
                       settings: ModelSettings) -> np.ndarray:
    """Sum of level weights per candidate pair (no prior), term frequencies applied."""
    params = [ComparisonParams(name=c.name, level_names=list(c.level_names),
                               m=list(map(float, m[i])), u=list(map(float, u[i])),
                               tf_levels=list(c.tf_levels), fixed_weights=fixed[i])
              for i, c in enumerate(candidates.comparisons)]
    probe = FSModel(comparisons=params, prior=0.5, lambda_candidates=0.0,
                    tf_floor=settings.tf_floor, tf_max_boost_bits=settings.tf_max_boost_bits)
    return pair_weights(candidates, probe)[0]


def _dirichlet_concentration(counts: np.ndarray, base: np.ndarray) -> float:
    """Empirical Bayes: the concentration c of a Dirichlet(c * base) prior that makes the
    observed level counts most likely (Dirichlet-multinomial marginal likelihood).

    Counts that agree with ``base`` give a large c (keep ``base``); counts that contradict
    it give a small c (trust the counts).
    """
    grid = np.logspace(-2, 7, 181)
    n = counts.sum()
    cb = grid[:, None] * base[None, :]
    loglik = (gammaln(grid) - gammaln(n + grid)
              + (gammaln(counts[None, :] + cb) - gammaln(cb)).sum(axis=1))
    return float(grid[int(np.argmax(loglik))])


def _posterior_m(counts: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, float]:
    """The posterior mean of m's level shares: EM's ``base`` as a Dirichlet prior whose
    concentration is fitted to ``counts``, and never weaker than one pseudo-pair per level.

    Why the floor: a few pairs that all fall on one level are most likely under a
    concentration near zero, so without it three near-certain pairs would set m alone
    (every other level at the floor); one pseudo-pair per level is the weakest prior that
    still lets EM speak where the sample is tiny, and is nothing beside hundreds of pairs.
    """
    c = max(_dirichlet_concentration(counts, base), float(counts.size))
    return (counts + c * base) / (counts.sum() + c), c


def _blend_near_certain(records: pd.DataFrame, pairs: tuple[np.ndarray, np.ndarray],
                        levels: np.ndarray, n_levels: list[int], m: list[np.ndarray],
                        comparisons: list[Comparison], settings: ModelSettings,
                        level_names: list[list[str]]) -> tuple[dict[str, int], list[str]]:
    """Update ``m`` in place with the level counts among near-certain pairs.

    For each comparison only the rules that share no column with it are used (a rule on the
    e-mail cannot tell how often matches agree on the e-mail). The EM estimate is the
    prior mean of a Dirichlet whose strength is set by the data (empirical Bayes): a few
    near-certain pairs that contradict EM outweigh it, many that agree with it confirm it.
    A level that reads a field one of those rules is on keeps its EM share: the family
    name's ``swapped`` level (family = the other's given name) never holds among pairs a
    rule on the given name selected. Returns the near-certain pair count per rule and,
    per comparison, where its m came from ("em", "near_certain:<pairs>:<c>" with c the
    fitted concentration).
    """
    rules = settings.near_certain_rules
    hits = [deterministic_pair_mask(records, pairs[0], pairs[1], [r]) for r in rules]
    counts_by_rule = {"+".join(r): int(h.sum()) for r, h in zip(rules, hits, strict=True)}
    sources = []
    for i, comp in enumerate(comparisons):
        cols = set(comp.columns)
        usable = np.zeros(levels.shape[0], dtype=bool)
        rule_fields: set[str] = set()
        for rule, hit in zip(rules, hits, strict=True):
            if not set(rule) & cols:
                usable |= hit
                rule_fields |= {_field_of(c) for c in rule}
        got = levels[usable, i]
        got = got[got >= 0]
        if got.size == 0:
            sources.append("em")
            continue
        by_name = {lv.name: lv for lv in comp.levels}
        biased = np.array([
            name in by_name and bool({_field_of(c) for c in by_name[name].columns or []}
                                     & rule_fields)
            for name in level_names[i]])  # includes "else", so one per level
        free = ~biased
        counts = np.bincount(got, minlength=n_levels[i]).astype(float)[free]
        em_share = float(m[i][free].sum())
        base = m[i][free] / em_share
        post, c = _posterior_m(counts, base)
        post = np.clip(post, settings.m_floor, 1.0)
        post /= post.sum()
        m[i] = m[i].copy()
        m[i][free] = post * em_share
        m[i] /= m[i].sum()
        sources.append(f"near_certain:{got.size}:c={c:.3g}")
    return counts_by_rule, sources


_FIELD_SUFFIXES = ("_canon", "_key", "_phonetic", "_norm", "_e164", "_nsn", "_1", "_2")


def _field_of(column: str) -> str:
    """The identity field a normalized column encodes: given_key, given_canon and
    given_phonetic are the given name, family_1_key the family name, phone_2_e164 the
    phone."""
    field = column
    changed = True
    while changed:
        changed = False
        for suffix in _FIELD_SUFFIXES:
            if field.endswith(suffix) and len(field) > len(suffix):
                field, changed = field[: -len(suffix)], True
    return field


def _remove_matches_from_u(u: np.ndarray, m: np.ndarray, prior: float,
                           floor: float) -> np.ndarray:
    """u is P(level | non-match), but random pairs include matches at the prior's rate.

    On data with many duplicates (FEBRL: 1 random pair in 2,000 is a match) that makes an
    exact tax id look 10x more common among strangers than it is. Solve
    u_random = prior * m + (1 - prior) * u for u.
    """
    u_true = (u - prior * m) / (1.0 - prior)
    u_true = np.clip(u_true, floor, 1.0)
    return u_true / u_true.sum()


def deterministic_pair_mask(records: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                            rules: list[list[str]]) -> np.ndarray:
    """Pairs equal and non-null on every column of at least one rule.

    Role and placeholder mailboxes never count as an equal email (they are shared).
    ``left``/``right`` are row positions in ``records``.
    """
    hit = np.zeros(left.size, dtype=bool)
    codes: dict[str, np.ndarray] = {}
    for rule in rules:
        ok = np.ones(left.size, dtype=bool)
        for col in rule:
            if col not in records.columns:
                ok[:] = False
                break
            if col not in codes:
                values = records[col]
                if col.startswith("email"):
                    for flag in ("email_is_role", "email_is_placeholder"):
                        if flag in records.columns:
                            values = values.mask(records[flag].fillna(False).astype(bool))
                codes[col] = pd.factorize(values, use_na_sentinel=True)[0]
            c = codes[col]
            ok &= (c[left] >= 0) & (c[left] == c[right])
        hit |= ok
    return hit


def comparisons_used(comparisons: list[Comparison], result: ComparisonResult) -> list[Comparison]:
    """Configured comparisons that were computed (same order as ``result.comparisons``)."""
    by_name = {c.name: c for c in comparisons}
    return [by_name[c.name] for c in result.comparisons]


def agreeing(levels: np.ndarray, n_levels: int) -> np.ndarray:
    """Pairs at any level but "else" (the last) and null: the values agree somehow."""
    return (levels >= 0) & (levels < n_levels - 1)


def pair_weights(result: ComparisonResult,
                 model: FSModel) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Sum of level weights per pair (log2 Bayes factor, no prior) and each comparison's
    weight; term-frequency adjusted exact levels use the agreeing value's frequency as u."""
    total = np.zeros(result.levels.shape[0], dtype=np.float64)
    contrib: dict[str, np.ndarray] = {}
    position = {c.name: i for i, c in enumerate(model.comparisons)}
    for i, c in enumerate(model.comparisons):
        lv = result.levels[:, i].astype(np.int64)
        w_lvl = np.append(c.weights(), 0.0)  # index -1 -> null -> 0
        w = w_lvl[lv]
        tf_lvl = np.append(np.asarray(c.tf_levels, dtype=bool), False)[lv]
        lift = np.ones(lv.size)  # u among pairs agreeing on u_given / u among all pairs
        # smaller sets first, so that a pair agreeing on a larger set ends with its u
        for k in sorted(range(len(c.u_given)), key=lambda k: len(c.u_given[k])):
            if not all(g in position for g in c.u_given[k]):
                continue
            agree = np.ones(lv.size, dtype=bool)
            for g in c.u_given[k]:
                other = model.comparisons[position[g]]
                agree &= agreeing(result.levels[:, position[g]], len(other.level_names))
            w[agree] = np.append(c.weights(given=k), 0.0)[lv[agree]]
            ratio = np.append(np.asarray(c.u_conditional[k]) / np.asarray(c.u), 1.0)
            lift[agree] = ratio[lv[agree]]
        tf = result.tf.get(c.name)
        if tf is not None and tf_lvl.any():
            use = tf_lvl & ~np.isnan(tf)
            m_arr = np.asarray(c.m)[lv[use]]
            # a value's frequency is its unconditional u: scale it by the lift
            u_tf = np.maximum(tf[use].astype(np.float64), model.tf_floor) * lift[use]
            w_tf = np.log2(m_arr / u_tf)
            w[use] = np.minimum(w_tf, w[use] + model.tf_max_boost_bits)
        contrib[c.name] = w.astype(np.float32)
        total += w
    return total, contrib


def score_pairs(
    result: ComparisonResult,
    model: FSModel,
    left: np.ndarray,
    right: np.ndarray,
) -> pd.DataFrame:
    """Match weight, probability and per-comparison level/weight for every pair (bands are
    chosen afterwards from all the pairs' probabilities, ``transforms.bands``)."""
    if not model.matches(result):
        raise ValueError("model was trained on other comparisons/levels; retrain it")
    bayes, contrib = pair_weights(result, model)
    total = bayes + model.prior_weight
    out: dict[str, np.ndarray] = {
        "left_record_id": np.asarray(left),
        "right_record_id": np.asarray(right),
        "match_weight": total.astype(np.float32),
        "match_probability": probability(total),
    }
    for i, c in enumerate(model.comparisons):
        out[f"lvl_{c.name}"] = result.levels[:, i]
        out[f"w_{c.name}"] = contrib[c.name]
    return pd.DataFrame(out)


def weight_histogram(weights: np.ndarray, width: float = 2.0) -> list[dict]:
    """Counts per match-weight bin (JSON-friendly) for the audit report."""
    if weights.size == 0:
        return []
    lo = np.floor(weights.min() / width) * width
    hi = np.ceil(weights.max() / width) * width + width
    counts, edges = np.histogram(weights, bins=np.arange(lo, hi + 1e-9, width))
    return [
        {"from": float(edges[i]), "to": float(edges[i + 1]), "pairs": int(counts[i])}
        for i in range(counts.size)
        if counts[i]
    ]
