"""High-precision references for the accuracy tests: each loss's per-sample formula in mpmath.

Written from the formula, not from lossref's code, and evaluated at 400 digits (accuracy.py
sets the precision), which resolves everything the float64 stress grid can express down to
1e-300. Elementwise losses get scalars; class-axis losses get a row (list) and a label or
a target row. Gradients come from ``mpmath.diff`` on these functions.

A reference may return ``(value, magnitude)``: for a loss that is a sum of terms which can
cancel (KL when p ≈ q), errors are measured relative to the larger of |value| and the sum
of the terms' magnitudes, since rounding each float64 input term already costs that much.
"""

import mpmath as mp

REFERENCES = {}


def reference(name):
    def register(fn):
        REFERENCES[name] = fn
        return fn

    return register


def sigmoid(z):
    return 1 / (1 + mp.exp(-z))


def log_sigmoid(z):
    # log σ(z) = -log(1 + e^{-z}); log1p keeps e^{-z} < 1e-400 from vanishing into the 1
    return -mp.log1p(mp.exp(-z))


def log_softmax(z):
    m = max(z)
    lse = m + mp.log(mp.fsum(mp.exp(v - m) for v in z))
    return [v - lse for v in z]


def xlogy(x, y):
    return mp.mpf(0) if x == 0 else x * mp.log(y)


# --- regression ---------------------------------------------------------------------------

@reference("mse")
def mse(x, y):
    return (x - y) ** 2


@reference("mae")
def mae(x, y):
    return abs(x - y)


@reference("huber")
def huber(x, y, delta=1.0):
    r = abs(x - y)
    return r**2 / 2 if r <= delta else delta * (r - mp.mpf(delta) / 2)


@reference("smooth_l1")
def smooth_l1(x, y, beta=1.0):
    r = abs(x - y)
    if beta == 0:
        return r
    return r**2 / (2 * beta) if r < beta else r - mp.mpf(beta) / 2


@reference("log_cosh")
def log_cosh(x, y):
    return mp.log(mp.cosh(x - y))


@reference("quantile")
def quantile(x, y, q=0.5):
    u = y - x
    return max(q * u, (q - 1) * u)


# --- classification -------------------------------------------------------------------------

@reference("binary_cross_entropy")
def binary_cross_entropy(p, y):
    return -(xlogy(y, p) + xlogy(1 - y, 1 - p))


@reference("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(z, y, pos_weight=None):
    w = 1 if pos_weight is None else pos_weight
    return -(w * y * log_sigmoid(z) + (1 - y) * log_sigmoid(-z))  # 1 - σ(z) = σ(-z)


@reference("sigmoid_focal")
def sigmoid_focal(z, y, gamma=2.0, alpha=0.25):
    p, q = sigmoid(z), sigmoid(-z)  # q = 1 - p without cancellation
    one_minus_p_t = y * q + (1 - y) * p
    ce = -(y * log_sigmoid(z) + (1 - y) * log_sigmoid(-z))
    a_t = 1 if alpha is None else alpha * y + (1 - alpha) * (1 - y)
    return a_t * one_minus_p_t**gamma * ce


@reference("softmax_cross_entropy")
def softmax_cross_entropy(z, target, label_smoothing=0.0, class_weights=None, ignore_index=None):
    c = len(z)
    w = [1] * c if class_weights is None else list(class_weights)
    log_p = log_softmax(z)
    q = [mp.mpf(int(k == target)) for k in range(c)] if isinstance(target, int) else list(target)
    q = [(1 - mp.mpf(label_smoothing)) * v + mp.mpf(label_smoothing) / c for v in q]
    if isinstance(target, int) and label_smoothing == 0:
        return -w[target] * log_p[target]
    return -mp.fsum(w[k] * q[k] * log_p[k] for k in range(c))


@reference("nll")
def nll(a, label, class_weights=None, ignore_index=None):
    w = 1 if class_weights is None else class_weights[label]
    return -w * a[label]


# --- margin and divergence ------------------------------------------------------------------

@reference("hinge")
def hinge(f, y, margin=1.0):
    return max(0, margin - y * f)


@reference("kl_div")
def kl_div(a, q, log_target=False):
    if log_target:
        terms = [(mp.exp(b) * b, -mp.exp(b) * ak) for ak, b in zip(a, q, strict=True)]
    else:
        terms = [(xlogy(qk, qk), -qk * ak) for ak, qk in zip(a, q, strict=True)]
    return mp.fsum(s + t for s, t in terms), mp.fsum(abs(s) + abs(t) for s, t in terms)
