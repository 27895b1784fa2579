"""Benchmark lossref against PyTorch CPU (one thread) and hand-fused NumPy, in one process.

Run with ``make bench`` (or ``python scripts/bench.py [--quick] [--no-site] [--out FILE]``).
For each case it times lossref's value, grad and value_and_grad, PyTorch's forward and
forward+backward (float64, ``torch.set_num_threads(1)``) and a hand-fused NumPy expression of
the value and gradient, best of ``--repeat`` interleaved rounds. Ratios within one run hold on a noisy
machine even when the absolute times do not. It also records lossref's peak extra memory
during ``value_and_grad`` (tracemalloc, which sees NumPy's allocations), in units of the first
argument's size. Unless ``--quick``, it also times the site build (``scripts/bench_site.py``):
from a fresh clone, with the cache, and a prose edit under ``make serve``; and it records
Lighthouse's performance score of the home page and a loss page. The JSON it writes
is what the site's Performance page renders.

Nothing here asserts a time: the numbers are for reading, not for failing a build.
"""

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lossref  # noqa: E402

try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    TORCH_SKIP = None
except ImportError as exc:  # the torch column is left empty, with the reason printed
    torch = None
    TORCH_SKIP = f"PyTorch is not installed ({exc}); `make conformance` installs torch 2.13.0"


# --- the cases: inputs, the PyTorch loss and the hand-fused NumPy value and gradient ---------


def _pair(rng, n):
    return rng.normal(size=n), rng.normal(size=n)


def _numpy_mse(x, y):
    r = x - y
    return (r * r).mean(), r * (2.0 / r.size)


def _numpy_huber(x, y):
    r = x - y
    a = np.abs(r)
    value = np.where(a <= 1.0, 0.5 * r * r, a - 0.5).mean()
    return value, np.clip(r, -1.0, 1.0) / r.size


def _numpy_bce(z, y):
    e = np.exp(-np.abs(z))
    value = (np.maximum(z, 0.0) - z * y + np.log1p(e)).mean()
    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return value, (s - y) / z.size


def _numpy_softmax_ce(z, labels):
    n = z.shape[0]
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    value = (m[:, 0] + np.log(s[:, 0]) - z[rows, labels]).mean()
    g = e / s
    g[rows, labels] -= 1.0
    g /= n
    return value, g


def _bce_inputs(rng, n):
    return rng.normal(scale=2.0, size=n), rng.integers(0, 2, size=n).astype(float)


def _ce_inputs(rows, classes):
    def make(rng, _):
        return rng.normal(scale=2.0, size=(rows, classes)), rng.integers(0, classes, size=rows)

    return make


def _ctc_inputs(batch, frames, classes, length):
    def make(rng, _):
        z = rng.normal(size=(batch, frames, classes))
        log_probs = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        targets = rng.integers(1, classes, size=(batch, length))
        return log_probs, targets, np.full(batch, frames), np.full(batch, length)

    return make


def _torch_ctc(log_probs, targets, input_lengths, target_lengths):
    return F.ctc_loss(log_probs.transpose(0, 1), targets, input_lengths, target_lengths)


def _torch_info_nce(u, v):
    s = F.normalize(u, dim=1) @ F.normalize(v, dim=1).T / 0.1
    return F.cross_entropy(s, torch.arange(u.shape[0]))


def cases(quick):
    sizes = (1_000,) if quick else (1_000, 100_000, 1_000_000)
    ce = ((1_000, 10), (100, 100)) if quick else ((100_000, 10), (10_000, 1_000))
    ctc = (4, 30, 10, 8) if quick else (16, 100, 30, 20)
    nce = (32, 16) if quick else (256, 128)
    out = []
    for n in sizes:
        out += [
            ("mse", f"{n:.0e}", _pair, n, F.mse_loss if torch else None, _numpy_mse),
            ("huber", f"{n:.0e}", _pair, n, F.huber_loss if torch else None, _numpy_huber),
            (
                "binary_cross_entropy_with_logits",
                f"{n:.0e}",
                _bce_inputs,
                n,
                F.binary_cross_entropy_with_logits if torch else None,
                _numpy_bce,
            ),
        ]
    for rows, classes in ce:
        out.append(
            (
                "softmax_cross_entropy",
                f"{rows:.0e} × {classes}",
                _ce_inputs(rows, classes),
                None,
                F.cross_entropy if torch else None,
                _numpy_softmax_ce,
            )
        )
    b, t, c, s = ctc
    out.append(
        (
            "ctc",
            f"B={b} T={t} C={c} S={s}",
            _ctc_inputs(b, t, c, s),
            None,
            _torch_ctc if torch else None,
            None,
        )
    )
    n, d = nce
    out.append(
        (
            "info_nce",
            f"{n} × {d}",
            lambda rng, _: (rng.normal(size=(n, d)), rng.normal(size=(n, d))),
            None,
            _torch_info_nce if torch else None,
            None,
        )
    )
    return out


# --- measurement ------------------------------------------------------------------------------


RUNS = 3  # per candidate and round: a warm-up, then two timed runs


def best_of_each(fns, repeat, runs=RUNS):
    """The best time of each of ``fns`` (a dict): ``repeat`` rounds, each running every one.

    Interleaved, so that a busy spell on a shared machine slows every candidate of a round
    alike: the ratios stay fair even when the absolute times do not. In a round each candidate
    runs ``runs`` times in a row and only the last runs count: the first pays for the memory
    the previous candidate left behind (glibc keeps or returns freed memory depending on what
    was freed last, and a call that finds it returned pays page faults). Each round starts one
    candidate later, so that none always follows the same one.
    """
    times = {key: [] for key in fns}
    keys = list(fns)
    for round_ in range(repeat):
        for key in keys[round_ % len(keys) :] + keys[: round_ % len(keys)]:
            fns[key]()  # the warm-up: first-call costs and the previous candidate's memory
            for _ in range(runs - 1):
                start = time.perf_counter()
                fns[key]()
                times[key].append(time.perf_counter() - start)
    return {key: min(ts) for key, ts in times.items()}


def peak_extra(fn):
    """Peak bytes allocated during ``fn()`` beyond what was live before it."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _torch_args(args):
    tensors = [torch.from_numpy(np.ascontiguousarray(a)) for a in args]
    first = tensors[0].clone().requires_grad_(True)
    return first, tensors[1:]


def measure(case, rng, repeat):
    name, size, make, n, torch_fn, numpy_fn = case
    loss = lossref.get(name)
    args = make(rng, n)
    row = {"loss": name, "size": size}
    fns = {
        "value": lambda: loss(*args),
        "grad": lambda: loss.grad(*args),
        "value_and_grad": lambda: loss.value_and_grad(*args),
    }
    if numpy_fn is not None:
        fns["numpy"] = lambda: numpy_fn(*args)
    if torch_fn is not None:
        first, rest = _torch_args(args)

        def forward():
            with torch.no_grad():
                return torch_fn(first, *rest)

        def forward_backward():
            first.grad = None
            torch_fn(first, *rest).backward()

        fns["torch_forward"] = forward
        fns["torch_forward_backward"] = forward_backward
    row["times"] = best_of_each(fns, repeat)
    input_bytes = args[0].nbytes
    row["peak_extra_inputs"] = peak_extra(lambda: loss.value_and_grad(*args)) / input_bytes
    row["ratios"] = ratios(row["times"])
    return row


def ratios(t):
    r = {"value / value_and_grad": t["value"] / t["value_and_grad"]}
    if "torch_forward_backward" in t:
        r["value_and_grad / torch fwd+bwd"] = t["value_and_grad"] / t["torch_forward_backward"]
        r["value / torch fwd"] = t["value"] / t["torch_forward"]
    if "numpy" in t:
        r["value_and_grad / numpy"] = t["value_and_grad"] / t["numpy"]
    return r


def machine():
    model = platform.processor() or None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "system": f"{platform.system()} {platform.machine()}"}


def versions():
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch else None,
        "lossref": getattr(lossref, "__version__", None),
    }


COLUMNS = (
    "value_and_grad / torch fwd+bwd",
    "value / torch fwd",
    "value_and_grad / numpy",
    "value / value_and_grad",
)


def table(rows):
    head = (
        f"{'loss':34} {'size':22} {'vag ms':>8} " + " ".join(f"{c:>30}" for c in COLUMNS) + f" {'peak×in':>8}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = " ".join(
            f"{row['ratios'][c]:>30.2f}" if c in row["ratios"] else f"{'—':>30}" for c in COLUMNS
        )
        lines.append(
            f"{row['loss']:34} {row['size']:22} {row['times']['value_and_grad'] * 1e3:>8.3f} {cells} "
            f"{row['peak_extra_inputs']:>8.2f}"
        )
    return "\n".join(lines)


def primitives(n, repeat):
    """NumPy's and PyTorch's exp and log on ``n`` float64 values, in ms (PyTorch: one thread).

    What no kernel can go below: binary cross-entropy takes one exp and one log per element.
    Returns {} without PyTorch.
    """
    if torch is None:
        return {}
    x = -np.abs(np.random.default_rng(1).normal(scale=3.0, size=n))  # e^{-|z|}'s arguments
    u = 1.0 + np.exp(x)  # log's arguments in BCE: 1 + e^{-|z|}, in [1, 2]
    out, tx, tu = np.empty(n), torch.from_numpy(x), torch.from_numpy(u)
    t_out = torch.empty(n, dtype=torch.float64)
    fns = {
        "numpy exp": lambda: np.exp(x, out=out),
        "torch exp": lambda: torch.exp(tx, out=t_out),
        "numpy log": lambda: np.log(u, out=out),
        "torch log": lambda: torch.log(tu, out=t_out),
    }
    return {"size": n, "ms": {k: v * 1e3 for k, v in best_of_each(fns, repeat).items()}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only: proves the script runs (CI)")
    parser.add_argument("--repeat", type=int, default=7, help="rounds (best of; default 7)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"), help="where to write the JSON")
    parser.add_argument(
        "--loss",
        action="append",
        help="measure only this loss (repeatable); the JSON then holds only those rows",
    )
    parser.add_argument(
        "--size",
        action="append",
        help='measure only this size as printed, e.g. "1e+06" or "1e+05 × 10" (repeatable)',
    )
    parser.add_argument(
        "--site",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time the site build (scripts/bench_site.py; a few minutes): on unless --quick",
    )
    args = parser.parse_args(argv)
    if TORCH_SKIP:
        print(f"torch column skipped: {TORCH_SKIP}")
    rng = np.random.default_rng(0)
    rows = []
    selected = [
        case
        for case in cases(args.quick)
        if (not args.loss or case[0] in args.loss) and (not args.size or case[1] in args.size)
    ]
    if not selected:
        parser.error("no case matches --loss/--size")
    for case in selected:
        rows.append(measure(case, rng, args.repeat))
        print(f"  measured {case[0]} {case[1]}", file=sys.stderr)
    result = {
        "machine": machine(),
        "versions": versions(),
        "settings": {
            "repeat": args.repeat,
            "timed_runs_per_round": RUNS - 1,
            "quick": args.quick,
            "dtype": "float64",
            "torch_threads": 1 if torch else None,
            "torch_skipped": TORCH_SKIP,
        },
        "rows": rows,
        "primitives": primitives(10**3 if args.quick else 10**6, args.repeat),
    }
    print(table(rows))
    if args.site if args.site is not None else not args.quick:
        import bench_site

        result["site"] = bench_site.measure(ROOT, "docs/guides/numerical-stability.md")
        site = result["site"]
        print("site build (s): " + ", ".join(f"{k} {v:.1f}" for k, v in site.items() if k.endswith("_s")))
        scores = site.get("lighthouse_performance") or site.get("lighthouse_skipped")
        print(f"Lighthouse performance: {scores}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
