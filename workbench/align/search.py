"""The search: the likeliest chain of links, by dynamic programming over a band of cells.

A cell (i, j) means "the first i source units and the first j target units are aligned". A link
of type di-dj goes from (i, j) to (i + di, j + dj) and costs what `signals` says about those
units, in nats. Small inputs search the whole table. Long ones search coarse to fine, as
vecalign does: blocks of k units are aligned first (the whole coarse table, so a translation that
starts 100 paragraphs in or stops half way is found), then only a band of cells around that path
is searched at full resolution. Time and memory grow with n + m times the band width, not n * m.

The band is ragged (each row i has its own [lo, hi]), so a steep stretch (many added target
units) costs one wide row, not a wide band everywhere. Rows are processed with numpy; inside a
row the 0-1 link (an added target unit) is a running minimum / running log-sum-exp.

Confidence of a link is its posterior probability over all chains (forward-backward over the same
costs): a link the data barely supports shows a low number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .signals import Side

# link types the search considers (source count, target count); 1-0 and 0-1 last
BEADS = ((1, 1), (1, 2), (2, 1), (1, 3), (3, 1), (2, 2), (1, 0), (0, 1))
INF = 1e18


@dataclass(frozen=True)
class Params:
    """Weights of the cost terms, in nats. Fitted on the NTREX-128 dev documents (see
    benchmarks/align_eval.py); the held-out test documents were not used."""

    prior: dict = field(default_factory=lambda: {
        (1, 1): 0.0, (1, 2): 2.2, (2, 1): 2.2, (1, 3): 4.0, (3, 1): 4.0, (2, 2): 5.0})
    null: float = 2.8  # a 1-0 or 0-1 link (a little above the dev optimum 2.5: real omissions are rarer than in the dev cases)
    null_len: float = 0.3  # ... and a little more per log-length, so long omissions are rarer
    w_len: float = 1.0
    len_cap: float = 4.5  # the length term never costs more than this
    w_key: float = 1.0  # per unit of shared anchor / lexicon weight
    key_cap: float = 12.0
    num_miss: float = 1.2  # per number found on one side only
    w_emb: float = 10.0
    emb_zero: float = 0.65  # normalised 1 - cos at which the embedding term is neutral
    emb_cap: float = 1.0  # most the embedding term adds (a paragraph whose meaning drifted stays 1-1)
    w_mt: float = 2.5
    w_sent: float = 1.2  # per sentence of difference (paragraph units)
    para_cross: float = 0.7  # per paragraph boundary inside a link's span (sentence units)
    para_node: float = 0.7  # a chain point where one side starts a paragraph and the other does not
    full_limit: int = 250_000  # cells: above this, search coarse to fine
    coarse_size: int = 200  # units per side at the coarse level
    coarse_prior: float = 0.3  # prior of any non-null link at a coarse level (block edges are arbitrary)


@dataclass
class Band:
    """Rows 0..n; row i holds the cells j in [lo[i], lo[i] + width[i]); `off` indexes flat arrays."""

    lo: np.ndarray
    width: np.ndarray
    off: np.ndarray

    @classmethod
    def make(cls, lo: np.ndarray, hi: np.ndarray) -> "Band":
        width = (hi - lo + 1).astype(np.int64)
        off = np.zeros(len(lo) + 1, dtype=np.int64)
        np.cumsum(width, out=off[1:])
        return cls(lo.astype(np.int64), width, off)

    @property
    def cells(self) -> int:
        return int(self.off[-1])

    def coords(self) -> tuple[np.ndarray, np.ndarray]:
        rows = np.repeat(np.arange(len(self.lo)), self.width)
        cols = np.arange(self.cells) - np.repeat(self.off[:-1], self.width) + np.repeat(self.lo, self.width)
        return rows, cols

    def index(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices of cells (rows, cols) and whether each is inside the band."""
        r = np.clip(rows, 0, len(self.lo) - 1)
        c = cols - self.lo[r]
        ok = (rows >= 0) & (rows < len(self.lo)) & (c >= 0) & (c < self.width[r])
        return np.where(ok, self.off[r] + np.clip(c, 0, None), 0), ok


def full_band(n: int, m: int) -> Band:
    return Band.make(np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64))


def band_around(path: list[tuple[int, int]], k: int, n: int, m: int, radius: int) -> Band:
    """The fine band: cells within `radius` of the coarse path scaled by k."""
    raw_lo = np.full(n + 1, m, dtype=np.int64)
    raw_hi = np.zeros(n + 1, dtype=np.int64)
    for (i0, j0), (i1, j1) in zip(path, path[1:]):
        a, b = min(i0 * k, n), min(i1 * k, n)
        c, d = min(j0 * k, m), min(j1 * k, m)
        raw_lo[a:b + 1] = np.minimum(raw_lo[a:b + 1], c)
        raw_hi[a:b + 1] = np.maximum(raw_hi[a:b + 1], d)
    lo = np.empty(n + 1, dtype=np.int64)
    hi = np.empty(n + 1, dtype=np.int64)
    for i in range(n + 1):
        a, b = max(0, i - radius), min(n, i + radius)
        lo[i] = raw_lo[a:b + 1].min() - radius
        hi[i] = raw_hi[a:b + 1].max() + radius
    lo = np.clip(np.minimum.accumulate(lo[::-1])[::-1], 0, m)  # non-decreasing
    hi = np.clip(np.maximum.accumulate(hi), 0, m)
    lo[0], hi[-1] = 0, m
    hi = np.maximum(hi, lo)
    return Band.make(lo, hi)


# ---------------------------------------------------------------- pair matrices


class Pairs:
    """Signals between single units, on the cells a link can touch (a ragged band of its own)."""

    def __init__(self, src: Side, tgt: Side, band: Band, weights: dict, params: Params) -> None:
        n, m = len(src), len(tgt)
        lo = band.lo[:n].copy()
        hi = (band.lo + band.width - 1)[:n].copy()
        for t in (1, 2):  # a link that starts t rows up still reaches this row
            lo[t:] = np.minimum(lo[t:], band.lo[:n - t] if n > t else lo[t:])
            hi[t:] = np.maximum(hi[t:], (band.lo + band.width - 1)[:n - t] if n > t else hi[t:])
        hi = np.minimum(hi + 3, m - 1)
        lo = np.minimum(lo, hi)
        self.band = Band.make(lo, hi) if n else Band.make(np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.n, self.m = n, m
        self.key = np.zeros(self.band.cells)
        self.num = np.zeros(self.band.cells)
        self._shared(src.keys, tgt.keys, weights)
        # what each unit can match at most: a key on one side is matched once however many
        # units of the other side share it (two identical captions do not earn twice)
        self.key_mass_s, self.num_mass_s = self._mass(src.keys, weights)
        self.key_mass_t, self.num_mass_t = self._mass(tgt.keys, weights)
        self.emb = self.nbr_s = self.nbr_t = None
        if src.emb is not None and tgt.emb is not None:
            self._embeddings(src.emb, tgt.emb)
        self.mt = None
        if src.grams is not None and tgt.grams is not None:
            self._mt(src.grams, tgt.grams)

    def _rows(self):
        b = self.band
        for a in range(self.n):
            yield a, int(b.lo[a]), int(b.width[a]), int(b.off[a])

    def _overlaps(self, sdicts: list[dict], tdicts: list[dict], keep=None) -> Iterator[tuple]:
        """For every key a source unit shares with target units inside the band: (key, band cells,
        min of the two counts). One posting list per key, so the cost is the band, not n x m."""
        post: dict = {}
        for j, d in enumerate(tdicts):
            for k, v in d.items():
                if keep is None or k in keep:
                    post.setdefault(k, ([], []))
                    post[k][0].append(j)
                    post[k][1].append(v)
        post = {k: (np.array(js), np.array(vs, dtype=np.float64)) for k, (js, vs) in post.items()}
        for a, lo, w, off in self._rows():
            for k, v in sdicts[a].items():
                p = post.get(k)
                if p is None:
                    continue
                js, vs = p
                x, y = np.searchsorted(js, lo), np.searchsorted(js, lo + w)
                if x < y:
                    yield k, off + js[x:y] - lo, np.minimum(vs[x:y], v)

    def _shared(self, skeys: list[dict], tkeys: list[dict], weights: dict) -> None:
        for k, cells, hits in self._overlaps(skeys, tkeys, weights):
            self.key[cells] += weights[k] * hits
            if k[0] == "num":
                self.num[cells] += hits

    @staticmethod
    def _mass(keys: list[dict], weights: dict) -> tuple[np.ndarray, np.ndarray]:
        key = np.array([sum(weights.get(k, 0.0) * v for k, v in d.items()) for d in keys], dtype=np.float64)
        num = np.array([sum(v for k, v in d.items() if k[0] == "num" and k in weights) for d in keys],
                       dtype=np.float64)
        return key, num

    def _embeddings(self, es: np.ndarray, et: np.ndarray) -> None:
        self.emb = np.zeros(self.band.cells, dtype=np.float64)
        for a, lo, w, off in self._rows():
            self.emb[off:off + w] = et[lo:lo + w] @ es[a]
        # how far a unit is from units of the other side in general (vecalign's normalisation)
        ns = es / np.maximum(np.linalg.norm(es, axis=1, keepdims=True), 1e-9)
        nt = et / np.maximum(np.linalg.norm(et, axis=1, keepdims=True), 1e-9)
        rng = np.random.default_rng(0)
        ks, kt = rng.integers(0, len(nt), 64), rng.integers(0, len(ns), 64)
        self.nbr_s = np.maximum(1.0 - ns @ nt[ks].T, 0).mean(axis=1)
        self.nbr_t = np.maximum(1.0 - nt @ ns[kt].T, 0).mean(axis=1)

    def _mt(self, sg: list, tg: list) -> None:
        shared = np.zeros(self.band.cells)
        for _g, cells, hits in self._overlaps(sg, tg):
            shared[cells] += hits
        self.mt = shared

    def span_sum(self, mat: np.ndarray, rows: np.ndarray, cols: np.ndarray, di: int, dj: int) -> np.ndarray:
        out = np.zeros(len(rows))
        for t in range(di):
            for u in range(dj):
                idx, ok = self.band.index(rows + t, cols + u)
                ok &= (rows + t < self.n) & (cols + u < self.m)
                out += np.where(ok, mat[idx], 0.0)
        return out


# ---------------------------------------------------------------- costs


def _cum(a: np.ndarray) -> np.ndarray:
    out = np.zeros(len(a) + 1, dtype=np.float64)
    np.cumsum(a, out=out[1:])
    return out


def _adjacent_dots(e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(e)
    d1 = np.zeros(n)
    d2 = np.zeros(n)
    if n > 1:
        d1[:-1] = np.einsum("ij,ij->i", e[:-1], e[1:])
    if n > 2:
        d2[:-2] = np.einsum("ij,ij->i", e[:-2], e[2:])
    return d1, d2


def _span_norm(sq: np.ndarray, d1: np.ndarray, d2: np.ndarray, start: np.ndarray, d: int) -> np.ndarray:
    """|sum of d consecutive vectors| from their squared norms and neighbour dot products."""
    n = len(sq)
    s = np.clip(start, 0, n - 1)
    total = np.zeros(len(start))
    for t in range(d):
        total += sq[np.clip(s + t, 0, n - 1)]
    for t in range(d - 1):
        total += 2 * d1[np.clip(s + t, 0, n - 1)]
    for t in range(d - 2):
        total += 2 * d2[np.clip(s + t, 0, n - 1)]
    return np.sqrt(np.maximum(total, 1e-12))


class Costs:
    """Cost of every link type from every cell of the band (flat arrays, INF where impossible)."""

    def __init__(self, src: Side, tgt: Side, band: Band, pairs: Pairs, params: Params, ratio: float,
                 variance: float, coarse: bool, use_length: bool) -> None:
        n, m = len(src), len(tgt)
        rows, cols = band.coords()
        self.tables: dict[tuple[int, int], np.ndarray] = {}
        cls_, clt = _cum(src.lengths), _cum(tgt.lengths)
        cns, cnt = _cum(src.n_hard), _cum(tgt.n_hard)
        ckm_s, ckm_t = _cum(pairs.key_mass_s), _cum(pairs.key_mass_t)
        cnm_s, cnm_t = _cum(pairs.num_mass_s), _cum(pairs.num_mass_t)
        ps = src.para_start if src.para_start is not None and src.para_start.sum() > 1 else None
        pt = tgt.para_start if tgt.para_start is not None and tgt.para_start.sum() > 1 else None
        para = ps is not None and pt is not None
        if para:
            cps, cpt = _cum(ps.astype(np.float64)), _cum(pt.astype(np.float64))
        if src.sentences is not None and tgt.sentences is not None:
            css, cst = _cum(src.sentences), _cum(tgt.sentences)
        emb = pairs.emb is not None
        if emb:
            sq_s, sq_t = np.einsum("ij,ij->i", src.emb, src.emb), np.einsum("ij,ij->i", tgt.emb, tgt.emb)
            d1s, d2s = _adjacent_dots(src.emb)
            d1t, d2t = _adjacent_dots(tgt.emb)
            cnbs, cnbt = _cum(pairs.nbr_s), _cum(pairs.nbr_t)
        mt = None
        if pairs.mt is not None:
            gs = _cum(np.array([sum(c.values()) for c in src.grams], dtype=np.float64))
            gt = _cum(np.array([sum(c.values()) for c in tgt.grams], dtype=np.float64))
            mt = self._mt_calibration(pairs, gs, gt)
        self.mt_used = mt is not None
        k = max(src.span, tgt.span)
        for di, dj in BEADS:
            end_ok = (rows + di <= n) & (cols + dj <= m)
            r2, c2 = np.minimum(rows + di, n), np.minimum(cols + dj, m)
            if di == 0 or dj == 0:
                ln = (cls_[r2] - cls_[rows]) if di else (clt[c2] - clt[cols]) / ratio
                c = params.null * k + params.null_len * np.log1p(ln / 100.0)
                self.tables[(di, dj)] = np.where(end_ok, c, INF)
                continue
            c = np.full(len(rows), params.coarse_prior if coarse else params.prior[(di, dj)])
            ls, lt = cls_[r2] - cls_[rows], clt[c2] - clt[cols]
            if use_length:
                mean = np.maximum((ls + lt / ratio) / 2.0, 1.0)
                d2 = (lt - ratio * ls) ** 2 / (mean * variance)
                c += params.w_len * np.minimum(params.len_cap, d2 / 2.0)
            key = pairs.span_sum(pairs.key, rows, cols, di, dj)
            if di > 1 or dj > 1:
                key = np.minimum(key, np.minimum(ckm_s[r2] - ckm_s[rows], ckm_t[c2] - ckm_t[cols]))
            c -= params.w_key * np.minimum(key, params.key_cap * k)
            shared_num = pairs.span_sum(pairs.num, rows, cols, di, dj)
            if di > 1 or dj > 1:
                shared_num = np.minimum(shared_num, np.minimum(cnm_s[r2] - cnm_s[rows], cnm_t[c2] - cnm_t[cols]))
            miss = np.maximum(0.0, (cns[r2] - cns[rows]) + (cnt[c2] - cnt[cols]) - 2 * shared_num)
            c += params.num_miss * miss
            if emb:
                dot = pairs.span_sum(pairs.emb, rows, cols, di, dj)
                cos = dot / (_span_norm(sq_s, d1s, d2s, rows, di) * _span_norm(sq_t, d1t, d2t, cols, dj))
                nb = 0.5 * ((cnbs[r2] - cnbs[rows]) / di + (cnbt[c2] - cnbt[cols]) / dj)
                x = (1.0 - cos) / np.maximum(nb, 1e-3)
                e = params.w_emb * (x - params.emb_zero) * (1 if coarse else max(di, dj) ** 0.5)
                c += np.minimum(e, params.emb_cap * k)  # a wrong-looking pair costs at most this
            if mt is not None:
                base, spread = mt
                shared = pairs.span_sum(pairs.mt, rows, cols, di, dj)
                if di > 1 or dj > 1:  # a gram on one side is shared once, however many units repeat it
                    shared = np.minimum(shared, np.minimum(gs[r2] - gs[rows], gt[c2] - gt[cols]))
                dice = 2 * shared / np.maximum((gs[r2] - gs[rows]) + (gt[c2] - gt[cols]), 1.0)
                c -= params.w_mt * np.clip((dice - base) / spread, -2.0, 5.0)
            if src.sentences is not None and tgt.sentences is not None:
                c += params.w_sent * np.abs((css[r2] - css[rows]) - (cst[c2] - cst[cols]))
            if para and not coarse:
                inside = (cps[r2] - cps[np.minimum(rows + 1, n)]) + (cpt[c2] - cpt[np.minimum(cols + 1, m)])
                c += params.para_cross * np.maximum(inside, 0)
            self.tables[(di, dj)] = np.where(end_ok, c, INF)
        # a chain point where one side starts a paragraph and the other does not
        self.node = np.zeros(band.cells)
        if para and not coarse:
            ri, cj = np.minimum(rows, n - 1), np.minimum(cols, m - 1)
            inner = (rows > 0) & (rows < n) & (cols > 0) & (cols < m)
            self.node = np.where(inner & (ps[ri] != pt[cj]), params.para_node, 0.0)

    @staticmethod
    def _mt_calibration(pairs: Pairs, gs: np.ndarray, gt: np.ndarray) -> tuple[float, float] | None:
        """(baseline, spread) of 1-1 Dice overlap over the band: None when machine translation
        does not separate the pairs (the best target of a source unit must clearly beat the
        typical one), as with an echo model's English."""
        rows, cols = pairs.band.coords()
        if len(rows) < 4:
            return None
        dice = 2 * pairs.mt / np.maximum((gs[rows + 1] - gs[rows]) + (gt[cols + 1] - gt[cols]), 1.0)
        base = float(np.median(dice))
        best = np.maximum.reduceat(dice, pairs.band.off[:-1]) if pairs.n else np.zeros(0)
        spread = float(np.mean(best) - base) if len(best) else 0.0
        return (base, spread) if spread >= 0.06 else None


# ---------------------------------------------------------------- dynamic programming


def dp(band: Band, costs: Costs, n: int, m: int) -> tuple[list[tuple[int, int, int, int, float]], float]:
    """Viterbi chain and each link's posterior; returns [(i, j, di, dj, posterior)] and the
    chain's cost."""
    N = band.cells
    V = np.full(N, INF)  # best cost to reach the cell
    A = np.full(N, -INF)  # log of the summed probability of reaching it
    back = np.full(N, -1, dtype=np.int8)
    V[0], A[0] = 0.0, 0.0
    lo, width, off = band.lo, band.width, band.off
    tables = costs.tables
    inner = [b for b in BEADS if b[0] > 0]
    c01 = tables[(0, 1)]
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(n + 1):
            w = int(width[i])
            s = int(off[i])
            J = lo[i] + np.arange(w)
            best = np.full(w, INF)
            arg = np.full(w, -1, dtype=np.int8)
            terms = []
            node = costs.node[s:s + w]
            for bi, (di, dj) in enumerate(BEADS):
                if di == 0 or i - di < 0:
                    continue
                idx, ok = band.index(np.full(w, i - di), J - dj)
                cand = np.where(ok, V[idx] + tables[(di, dj)][idx], INF) + node
                better = cand < best
                best = np.where(better, cand, best)
                arg = np.where(better, bi, arg)
                terms.append(np.where(ok, A[idx] - tables[(di, dj)][idx], -INF) - node)
            if i == 0:
                best[0], arg[0] = 0.0, -1
                fwd = np.full(w, -INF)
                fwd[0] = 0.0
            else:
                fwd = np.logaddexp.reduce(np.array(terms), axis=0) if terms else np.full(w, -INF)
            # 0-1 links within the row: best[c] = min(best[c], best[c-1] + c01[c-1] + node[c])
            step = np.concatenate([[0.0], c01[s:s + w - 1] + node[1:]])
            step = np.minimum(step, 1e12)
            cum = np.cumsum(step)
            run = np.minimum.accumulate(best - cum) + cum
            took = run < best - 1e-12
            V[s:s + w] = run
            back[s:s + w] = np.where(took, len(BEADS) - 1, arg)
            runf = np.logaddexp.accumulate(fwd + cum) - cum
            A[s:s + w] = runf
    # backward pass
    B = np.full(N, -INF)
    end, ok = band.index(np.array([n]), np.array([m]))
    B[int(end[0])] = 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(n, -1, -1):
            w = int(width[i])
            s = int(off[i])
            J = lo[i] + np.arange(w)
            terms = [B[s:s + w].copy()]
            for di, dj in inner:
                if i + di > n:
                    continue
                idx, ok = band.index(np.full(w, i + di), J + dj)
                terms.append(np.where(ok, B[idx] - costs.node[idx], -INF) - tables[(di, dj)][s:s + w])
            b = np.logaddexp.reduce(np.array(terms), axis=0)
            # 0-1 within the row, right to left: b[c] = logaddexp(b[c], b[c+1] - c01[c] - node[c+1])
            step = np.concatenate([c01[s:s + w - 1] + costs.node[s + 1:s + w], [0.0]])
            step = np.minimum(step, 1e12)
            cum = np.cumsum(step[::-1])[::-1]  # cum[c] = sum of step[c:]
            rb = np.logaddexp.accumulate((b + cum)[::-1])[::-1] - cum
            B[s:s + w] = rb
    z = A[int(end[0])]
    # trace back the Viterbi chain
    path = []
    i, j = n, m
    total = float(V[int(end[0])])
    while (i, j) != (0, 0):
        idx, _ = band.index(np.array([i]), np.array([j]))
        bi = int(back[int(idx[0])])
        if bi < 0:
            raise RuntimeError(f"alignment search lost its way at ({i}, {j})")
        di, dj = BEADS[bi]
        pi, pj = i - di, j - dj
        pidx, _ = band.index(np.array([pi]), np.array([pj]))
        p = int(pidx[0])
        post = A[p] - tables[(di, dj)][p] - costs.node[int(idx[0])] + B[int(idx[0])] - z
        path.append((pi, pj, di, dj, float(math.exp(min(0.0, post)))))
        i, j = pi, pj
    path.reverse()
    return path, total


def search(src: Side, tgt: Side, weights: dict, params: Params, ratio: float, variance: float,
           use_length: bool = True, coarse: bool = False, info: dict | None = None
           ) -> tuple[list[tuple[int, int, int, int, float]], bool]:
    """Align two sides; returns [(i, j, di, dj, posterior)] and whether machine translation
    was used (`info["cost"]` receives the chain's cost). Coarse to fine above
    `params.full_limit` cells."""
    n, m = len(src), len(tgt)
    if (n + 1) * (m + 1) <= params.full_limit or min(n, m) < 8:
        band = full_band(n, m)
    else:
        k = max(2, math.ceil(max(n, m) / params.coarse_size))
        cs, ct = src.blocks(k), tgt.blocks(k)
        cpath, _ = search(cs, ct, weights, params, ratio, variance, use_length, coarse=True)
        nodes = [(0, 0)] + [(i + di, j + dj) for i, j, di, dj, _ in cpath]
        band = band_around(nodes, k, n, m, radius=2 * k + 4)
    pairs = Pairs(src, tgt, band, weights, params)
    costs = Costs(src, tgt, band, pairs, params, ratio, variance, coarse, use_length)
    path, total = dp(band, costs, n, m)
    if info is not None:
        info["cost"] = total
    return path, costs.mt_used
