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


@reference("rmse")
def rmse(x, y):
    # RMSE has no per-sample form: the harness evaluates it on one-sample batches, where it is |r|
    return abs(x - y)


@reference("charbonnier")
def charbonnier(x, y, eps=1e-3):
    return mp.sqrt((x - y) ** 2 + mp.mpf(eps) ** 2) - eps


@reference("cauchy")
def cauchy(x, y, scale=1.0):
    c = mp.mpf(scale)
    return c**2 / 2 * mp.log(1 + ((x - y) / c) ** 2)


@reference("tukey_biweight")
def tukey_biweight(x, y, c=4.685):
    c = mp.mpf(c)
    r = x - y
    return c**2 / 6 * (1 - (1 - (r / c) ** 2) ** 3) if abs(r) <= c else c**2 / 6


@reference("mape")
def mape(x, y, eps=2.220446049250313e-16):
    return abs(x - y) / max(abs(y), mp.mpf(eps))


@reference("smape")
def smape(x, y, eps=2.220446049250313e-16):
    return 2 * abs(x - y) / max(abs(x) + abs(y), mp.mpf(eps))


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


@reference("sparse_categorical_cross_entropy")  # Keras' name for the integer-label form
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


@reference("softmax_focal")
def softmax_focal(z, label, gamma=2.0, alpha=None):
    log_p_y = log_softmax(z)[label]
    a = 1 if alpha is None else (alpha[label] if isinstance(alpha, list) else alpha)
    return -a * (1 - mp.exp(log_p_y)) ** gamma * log_p_y


@reference("class_balanced")
def class_balanced(z, label, samples_per_class, beta=0.9999, base="softmax", gamma=2.0):
    beta = mp.mpf(beta)
    raw = [(1 - beta) / (1 - beta**n) for n in samples_per_class]
    w = [len(raw) * r / mp.fsum(raw) for r in raw]
    if base == "softmax":
        return -w[label] * log_softmax(z)[label]
    g = 0 if base == "sigmoid" else gamma  # one-vs-all BCE is the focal loss with γ = 0
    return w[label] * mp.fsum(sigmoid_focal(zc, int(c == label), gamma=g, alpha=None) for c, zc in enumerate(z))


@reference("zero_one")
def zero_one(s, label):
    predicted = max(range(len(s)), key=lambda k: (s[k], -k))  # ties: the first maximum
    return mp.mpf(int(predicted != label))


@reference("nll")
def nll(a, label, class_weights=None, ignore_index=None):
    w = 1 if class_weights is None else class_weights[label]
    return -w * a[label]


# --- margin and divergence ------------------------------------------------------------------

@reference("hinge")
def hinge(f, y, margin=1.0):
    return max(0, margin - y * f)


@reference("squared_hinge")
def squared_hinge(f, y, margin=1.0):
    return max(0, margin - y * f) ** 2


@reference("multiclass_hinge")
def multiclass_hinge(f, label, margin=1.0, variant="crammer_singer", p=1, class_weights=None):
    w = 1 if class_weights is None else class_weights[label]
    others = [v for k, v in enumerate(f) if k != label]
    if variant == "weston_watkins":
        return w * mp.fsum(max(0, margin - f[label] + v) ** p for v in others) / len(f)
    return w * max(0, margin + max(others) - f[label]) ** p if others else mp.mpf(0)


@reference("multilabel_margin")
def multilabel_margin(f, t):
    pairs = [(j, i) for j in range(len(f)) for i in range(len(f)) if t[j] == 1 and t[i] == 0]
    return mp.fsum(max(0, 1 - (f[j] - f[i])) for j, i in pairs) / len(f)


@reference("soft_margin")
def soft_margin(f, y):
    return -log_sigmoid(y * f)  # log(1 + e^{-y f})


@reference("exponential")
def exponential(f, y):
    return mp.exp(-y * f)


@reference("modified_huber")
def modified_huber(f, y):
    m = y * f
    return max(0, 1 - m) ** 2 if m >= -1 else -4 * m


@reference("kl_div")
def kl_div(a, q, log_target=False):
    if log_target:
        terms = [(mp.exp(b) * b, -mp.exp(b) * ak) for ak, b in zip(a, q, strict=True)]
    else:
        terms = [(xlogy(qk, qk), -qk * ak) for ak, qk in zip(a, q, strict=True)]
    return mp.fsum(s + t for s, t in terms), mp.fsum(abs(s) + abs(t) for s, t in terms)


@reference("js_div")
def js_div(a, b):
    p, q = [mp.exp(v) for v in a], [mp.exp(v) for v in b]
    # each class adds ½ p log(p/m) + ½ q log(q/m) >= 0, m = (p + q)/2: nothing cancels
    return mp.fsum((xlogy(pk, 2 * pk / (pk + qk)) + xlogy(qk, 2 * qk / (pk + qk))) / 2
                   for pk, qk in zip(p, q, strict=True))


@reference("cross_entropy")
def cross_entropy(p, target):
    if isinstance(target, int):
        return -mp.log(p[target])
    return -mp.fsum(xlogy(qk, pk) for pk, qk in zip(p, target, strict=True))


@reference("knowledge_distillation")
def knowledge_distillation(zs, zt, temperature=2.0, labels=None, alpha=0.5):
    t = mp.mpf(temperature)
    log_ps = log_softmax([v / t for v in zs])
    log_pt = log_softmax([v / t for v in zt])
    terms = [mp.exp(b) * (b - a) for a, b in zip(log_ps, log_pt, strict=True)]
    kl, magnitude = t**2 * mp.fsum(terms), t**2 * mp.fsum(abs(v) for v in terms)
    if labels is None:
        return kl, magnitude
    ce = -log_softmax(zs)[labels]
    return alpha * kl + (1 - alpha) * ce, alpha * magnitude + (1 - alpha) * ce


# --- probabilistic ----------------------------------------------------------------------------

@reference("poisson_nll")
def poisson_nll(x, y, log_input=True, full=False, eps=1e-8):
    # a sum of terms that cancel near the minimum: errors relative to their magnitudes
    terms = [mp.exp(x), -y * x] if log_input else [x, -xlogy(y, x + mp.mpf(eps))]
    if full and y > 1:  # PyTorch's Stirling term, only where y > 1
        terms += [y * mp.log(y), -y, mp.log(2 * mp.pi * y) / 2]
    return mp.fsum(terms), mp.fsum(abs(t) for t in terms)


@reference("gaussian_nll")
def gaussian_nll(mean, y, var, full=False, eps=1e-6):
    v = max(var, mp.mpf(eps))
    terms = [mp.log(v) / 2, (mean - y) ** 2 / (2 * v)]
    if full:
        terms.append(mp.log(2 * mp.pi) / 2)
    return mp.fsum(terms), mp.fsum(abs(t) for t in terms)


@reference("tweedie_deviance")
def tweedie_deviance(mu, y, power=1.5):
    # the deviance itself, not its terms: it must be accurate where they cancel (mu ≈ y)
    p = mp.mpf(power)
    if mu == y:  # exactly 0, where the three terms below cancel to their rounding error
        return mp.mpf(0)
    if p == 0:
        return (y - mu) ** 2
    if p == 1:
        return 2 * (xlogy(y, y / mu) - y + mu)
    if p == 2:
        return 2 * (mp.log(mu / y) + y / mu - 1)
    return 2 * (max(y, 0) ** (2 - p) / ((1 - p) * (2 - p)) - y * mu ** (1 - p) / (1 - p) + mu ** (2 - p) / (2 - p))


@reference("gamma_deviance")
def gamma_deviance(mu, y):
    return 2 * (mp.log(mu / y) + y / mu - 1)


# --- ranking --------------------------------------------------------------------------------

@reference("cosine_embedding")
def cosine_embedding(x1, x2, label, margin=0.0, eps=1e-12):
    # PyTorch's cosine: x1·x2 / sqrt((|x1|² + ε)(|x2|² + ε))
    den = mp.sqrt((mp.fsum(v * v for v in x1) + eps) * (mp.fsum(v * v for v in x2) + eps))
    cos = mp.fsum(u * v for u, v in zip(x1, x2, strict=True)) / den
    spread = mp.fsum(abs(u * v) for u, v in zip(x1, x2, strict=True)) / den  # the dot product's terms
    if label == 1:
        return 1 - cos, 1 + spread
    return max(mp.mpf(0), cos - margin), spread + abs(margin)


@reference("margin_ranking")
def margin_ranking(x1, x2, y, margin=0.0):
    return max(mp.mpf(0), -y * (x1 - x2) + margin), abs(x1) + abs(x2) + abs(margin)
