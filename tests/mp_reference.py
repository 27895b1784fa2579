"""High-precision references for the accuracy tests: each loss's per-sample formula in mpmath.

Written from the formula, not from lossref's code, and evaluated at 400 digits (accuracy.py
sets the precision), which resolves everything the float64 stress grid can express down to
1e-300. Elementwise losses get scalars; class-axis losses get a row (list) and a label or
a target row. Gradients come from ``mpmath.diff`` on these functions.

A reference may return ``(value, magnitude)``: for a loss that is a sum of terms which can
cancel (KL when p ≈ q), errors are measured relative to the larger of |value| and the sum
of the terms' magnitudes, since rounding each float64 input term already costs that much.
A class-axis reference may also carry ``grad_magnitude(row, *rest)``, the same for each
entry of the gradient (the triplet loss's anchor gradient is a difference of two unit vectors).
"""

import functools
import itertools

import mpmath as mp

REFERENCES = {}


def reference(name):
    def register(fn):
        REFERENCES[name] = fn
        return fn

    return register


_EXPS = {}


def exp(x):
    """``mp.exp(x)``, remembered by x's exact value and the working precision.

    A gradient by ``mp.diff`` evaluates a coupled loss (InfoNCE, the lifted structure loss) at
    x ± h for every coordinate, and each evaluation takes the exponential of every similarity
    of the batch, most of them unchanged since the last one: at 400 digits those repeats were
    most of a measurement (InfoNCE 17 s -> 4 s). The same value at the same precision is the
    same exponential, so nothing measured changes.
    """
    if type(x) is not mp.mpf:
        return mp.exp(x)
    key = (x._mpf_, mp.mp.prec)  # the rounding is mpmath's default throughout
    value = _EXPS.get(key)
    if value is None:
        if len(_EXPS) >= 1 << 17:  # about 40 MB of 400-digit numbers
            _EXPS.clear()
        value = _EXPS[key] = mp.exp(x)
    return value


def sigmoid(z):
    return 1 / (1 + exp(-z))


def log_sigmoid(z):
    # log σ(z) = -log(1 + e^{-z}); log1p keeps e^{-z} < 1e-400 from vanishing into the 1
    return -mp.log1p(exp(-z))


def log_softmax(z):
    m = max(z)
    lse = m + mp.log(mp.fsum(exp(v - m) for v in z))
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


@reference("sequence_cross_entropy")
def sequence_cross_entropy(z, label, mask=None, label_smoothing=0.0, normalize="tokens"):
    # one token: -Σ_k q_k log p_k with q = (1 - ε) e_y + ε/V, times its 0/1 mask
    v = len(z)
    log_p = log_softmax(z)
    eps = mp.mpf(label_smoothing)
    value = -mp.fsum(((1 - eps) * int(k == label) + eps / v) * log_p[k] for k in range(v))
    return value * (1 if mask is None else mask)


@reference("softmax_focal")
def softmax_focal(z, label, gamma=2.0, alpha=None):
    log_p_y = log_softmax(z)[label]
    a = 1 if alpha is None else (alpha[label] if isinstance(alpha, list) else alpha)
    return -a * (1 - exp(log_p_y)) ** gamma * log_p_y


@reference("class_balanced")
def class_balanced(z, label, samples_per_class, beta=0.9999, base="softmax", gamma=2.0):
    beta = mp.mpf(beta)
    raw = [(1 - beta) / (1 - beta**n) for n in samples_per_class]
    w = [len(raw) * r / mp.fsum(raw) for r in raw]
    if base == "softmax":
        return -w[label] * log_softmax(z)[label]
    g = 0 if base == "sigmoid" else gamma  # one-vs-all BCE is the focal loss with γ = 0
    return w[label] * mp.fsum(
        sigmoid_focal(zc, int(c == label), gamma=g, alpha=None) for c, zc in enumerate(z)
    )


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
    return exp(-y * f)


@reference("modified_huber")
def modified_huber(f, y):
    m = y * f
    return max(0, 1 - m) ** 2 if m >= -1 else -4 * m


@reference("kl_div")
def kl_div(a, q, log_target=False):
    if log_target:
        terms = [(exp(b) * b, -exp(b) * ak) for ak, b in zip(a, q, strict=True)]
    else:
        terms = [(xlogy(qk, qk), -qk * ak) for ak, qk in zip(a, q, strict=True)]
    return mp.fsum(s + t for s, t in terms), mp.fsum(abs(s) + abs(t) for s, t in terms)


@reference("js_div")
def js_div(a, b):
    p, q = [exp(v) for v in a], [exp(v) for v in b]
    # each class adds ½ p log(p/m) + ½ q log(q/m) >= 0, m = (p + q)/2: nothing cancels
    return mp.fsum(
        (xlogy(pk, 2 * pk / (pk + qk)) + xlogy(qk, 2 * qk / (pk + qk))) / 2
        for pk, qk in zip(p, q, strict=True)
    )


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
    terms = [exp(b) * (b - a) for a, b in zip(log_ps, log_pt, strict=True)]
    kl, magnitude = t**2 * mp.fsum(terms), t**2 * mp.fsum(abs(v) for v in terms)
    if labels is None:
        return kl, magnitude
    ce = -log_softmax(zs)[labels]
    return alpha * kl + (1 - alpha) * ce, alpha * magnitude + (1 - alpha) * ce


# --- probabilistic ----------------------------------------------------------------------------


@reference("poisson_nll")
def poisson_nll(x, y, log_input=True, full=False, eps=1e-8):
    # a sum of terms that cancel near the minimum: errors relative to their magnitudes
    terms = [exp(x), -y * x] if log_input else [x, -xlogy(y, x + mp.mpf(eps))]
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
    return 2 * (
        max(y, 0) ** (2 - p) / ((1 - p) * (2 - p)) - y * mu ** (1 - p) / (1 - p) + mu ** (2 - p) / (2 - p)
    )


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


def _pnorm(v, p):
    if p == 2:
        return mp.sqrt(mp.fsum(t * t for t in v))
    return mp.fsum(abs(t) ** p for t in v) ** (mp.mpf(1) / p)


@reference("triplet_margin")
def triplet_margin(a, pos, neg, margin=1.0, p=2, eps=1e-6, swap=False):
    # PyTorch's pairwise_distance: ‖u − v + ε‖_p, ε added to every entry
    d_ap = _pnorm([x - y + eps for x, y in zip(a, pos, strict=True)], p)
    d_neg = _pnorm([x - y + eps for x, y in zip(a, neg, strict=True)], p)
    if swap:
        d_neg = min(d_neg, _pnorm([x - y + eps for x, y in zip(pos, neg, strict=True)], p))
    # the slack is a difference of distances: rounding the inputs costs about d_ap + d_neg
    return max(mp.mpf(0), d_ap - d_neg + margin), d_ap + d_neg + abs(margin)


def _pnorm_slope(v, p):
    n = _pnorm(v, p)
    return [mp.mpf(0) if n == 0 else mp.sign(t) * (abs(t) / n) ** (p - 1) for t in v]


def _triplet_grad_magnitude(a, pos, neg, margin=1.0, p=2, eps=1e-6, swap=False):
    # ∂ℓ/∂a = ∇d(a, p) − ∇d(a, n): the sum of the two terms' sizes, entry by entry
    g_ap = _pnorm_slope([x - y + eps for x, y in zip(a, pos, strict=True)], p)
    g_an = _pnorm_slope([x - y + eps for x, y in zip(a, neg, strict=True)], p)
    return [abs(u) + abs(v) for u, v in zip(g_ap, g_an, strict=True)]


triplet_margin.grad_magnitude = _triplet_grad_magnitude


@reference("contrastive")
def contrastive(a, b, y, margin=1.0):
    d = mp.sqrt(mp.fsum((u - v) ** 2 for u, v in zip(a, b, strict=True)))
    if y == 1:
        return d * d
    return max(mp.mpf(0), margin - d) ** 2, (margin + d) ** 2 if d < margin else 0


def _contrastive_grad_magnitude(a, b, y, margin=1.0):
    # dissimilar: −2(m − d)(a − b)/d, with m − d a difference: 2(m + d)|a_j − b_j|/d
    d = mp.sqrt(mp.fsum((u - v) ** 2 for u, v in zip(a, b, strict=True)))
    if y == 1 or d == 0:
        return [mp.mpf(0)] * len(a)
    return [2 * (margin + d) * abs(u - v) / d for u, v in zip(a, b, strict=True)]


contrastive.grad_magnitude = _contrastive_grad_magnitude


def _softplus(z):
    return mp.log1p(exp(z))


@reference("gan_discriminator")
def gan_discriminator(r, f, variant="minimax"):
    if variant == "minimax":
        return _softplus(-r) + _softplus(f)
    if variant == "least_squares":
        return (r - 1) ** 2 / 2 + f**2 / 2
    if variant == "wasserstein":
        return f - r, abs(f) + abs(r)
    return max(mp.mpf(0), 1 - r) + max(mp.mpf(0), 1 + f)


@reference("gan_generator")
def gan_generator(f, variant="non_saturating"):
    if variant == "non_saturating":
        return -mp.log(sigmoid(f))
    if variant == "saturating":
        return mp.log(1 - sigmoid(f))
    if variant == "least_squares":
        return (f - 1) ** 2 / 2
    return -f


@reference("vae_elbo")
def vae_elbo(x_recon, x, mu, log_var, beta=1.0, reconstruction="bce"):
    terms = []
    for p, t in zip(x_recon, x, strict=True):
        if reconstruction == "mse":
            terms.append((p - t) ** 2)
        else:
            terms.append(-(t * mp.log(p) if t != 0 else 0) - ((1 - t) * mp.log(1 - p) if t != 1 else 0))
    for m, s in zip(mu, log_var, strict=True):
        terms += [beta * m**2 / 2, beta * exp(s) / 2, -beta * s / 2, -mp.mpf(beta) / 2]
    return mp.fsum(terms), mp.fsum(abs(t) for t in terms)


@reference("diffusion_noise_mse")
def diffusion_noise_mse(noise_pred, noise):
    return mp.fsum((a - b) ** 2 for a, b in zip(noise_pred, noise, strict=True)) / len(noise)


# --- segmentation ------------------------------------------------------------------------


@reference("dice")
def dice(p, t, smooth=1.0):
    inter = mp.fsum(a * b for a, b in zip(p, t, strict=True))
    return 1 - (2 * inter + smooth) / (mp.fsum(p) + mp.fsum(t) + smooth)


@reference("jaccard")
def jaccard(p, t, smooth=1.0):
    inter = mp.fsum(a * b for a, b in zip(p, t, strict=True))
    return 1 - (inter + smooth) / (mp.fsum(p) + mp.fsum(t) - inter + smooth)


def _tversky_index(p, t, alpha, beta, smooth):
    tp = mp.fsum(a * b for a, b in zip(p, t, strict=True))
    fp = mp.fsum(a * (1 - b) for a, b in zip(p, t, strict=True))
    fn = mp.fsum((1 - a) * b for a, b in zip(p, t, strict=True))
    return (tp + smooth) / (tp + alpha * fp + beta * fn + smooth)


@reference("tversky")
def tversky(p, t, alpha=0.5, beta=0.5, smooth=1.0):
    return 1 - _tversky_index(p, t, alpha, beta, smooth)


@reference("focal_tversky")
def focal_tversky(p, t, alpha=0.3, beta=0.7, gamma=0.75, smooth=1.0):
    return (1 - _tversky_index(p, t, alpha, beta, smooth)) ** gamma


# --- preference -----------------------------------------------------------------------------


@reference("bradley_terry")
def bradley_terry(chosen, rejected, margin=0.0):
    return -log_sigmoid(chosen - rejected - margin)


@reference("dpo")
def dpo(pc, pr, rc, rr, beta=0.1, label_smoothing=0.0):
    z = beta * ((pc - rc) - (pr - rr))
    return -(1 - mp.mpf(label_smoothing)) * log_sigmoid(z) - label_smoothing * log_sigmoid(-z)


@reference("ppo_clip")
def ppo_clip(log_probs, old_log_probs, advantages, clip_eps=0.2):
    ratio = exp(log_probs - old_log_probs)
    clipped = min(max(ratio, 1 - mp.mpf(clip_eps)), 1 + mp.mpf(clip_eps))
    return -min(ratio * advantages, clipped * advantages)


# --- regularization -------------------------------------------------------------------------


@reference("l2_penalty")
def l2_penalty(theta, strength=1.0):
    return mp.mpf(strength) * theta**2 / 2


@reference("l1_penalty")
def l1_penalty(theta, strength=1.0):
    return mp.mpf(strength) * abs(theta)


@reference("elastic_net_penalty")
def elastic_net_penalty(theta, strength=1.0, l1_ratio=0.5):
    rho = mp.mpf(l1_ratio)
    return mp.mpf(strength) * (rho * abs(theta) + (1 - rho) / 2 * theta**2)


@reference("info_nce")
def info_nce(anchors, positives, temperature=0.1, form="one_way"):
    """A coupled loss: the whole batch (lists of rows) in, the per-pair losses out."""

    def unit(v):
        n = mp.sqrt(mp.fsum(t * t for t in v))
        return [t / n for t in v]

    def lse(row):
        m = max(row)
        return m + mp.log(mp.fsum(exp(t - m) for t in row))

    u, v = [unit(r) for r in anchors], [unit(r) for r in positives]
    n = len(u)
    dot = lambda a, b: mp.fsum(x * y for x, y in zip(a, b, strict=True))  # noqa: E731
    if form == "nt_xent":
        z = u + v
        losses = []
        for a in range(2 * n):
            row = [dot(z[a], z[b]) / temperature for b in range(2 * n) if b != a]
            losses.append(lse(row) - dot(z[a], z[(a + n) % (2 * n)]) / temperature)
        return [(losses[i] + losses[i + n]) / 2 for i in range(n)]
    s = [[dot(u[i], v[j]) / temperature for j in range(n)] for i in range(n)]
    rows = [lse(s[i]) - s[i][i] for i in range(n)]
    if form == "symmetric":
        cols = [lse([s[i][j] for i in range(n)]) - s[j][j] for j in range(n)]
        return [(r + c) / 2 for r, c in zip(rows, cols, strict=True)]
    return rows


def _info_nce_grad_magnitude(anchors, positives, temperature=0.1, form="one_way"):
    """Per entry, the sum of the sizes of the terms its gradient adds up.

    The gradient of a row is a softmax-weighted sum of unit vectors minus its projection on the
    row itself, and those terms nearly cancel for a row whose candidates all lie close to its
    own direction.
    """

    def unit(v):
        n = mp.sqrt(mp.fsum(t * t for t in v))
        return [t / n for t in v], n

    def softmax(row):
        m = max(row)
        e = [exp(t - m) if t != -mp.inf else mp.mpf(0) for t in row]
        total = mp.fsum(e)
        return [x / total for x in e]

    dot = lambda a, b: mp.fsum(x * y for x, y in zip(a, b, strict=True))  # noqa: E731
    us, vs = [unit(r) for r in anchors], [unit(r) for r in positives]
    n, tau = len(us), temperature
    if form == "nt_xent":
        z = us + vs
        size = 2 * n
        p = [
            softmax([dot(z[a][0], z[b][0]) / tau if b != a else -mp.inf for b in range(size)])
            for a in range(size)
        ]
        g = [[abs(p[a][b] - (1 if b == (a + n) % size else 0)) / 2 for b in range(size)] for a in range(size)]
        weight = [[g[a][b] + g[b][a] for b in range(size)] for a in range(size)]
        out = [
            [
                mp.fsum(weight[a][b] * (abs(z[b][0][k]) + abs(z[a][0][k])) for b in range(size))
                / (tau * z[a][1])
                for k in range(len(z[a][0]))
            ]
            for a in range(size)
        ]
        return out[:n], out[n:]
    s = [[dot(us[i][0], vs[j][0]) / tau for j in range(n)] for i in range(n)]
    rows = [softmax(s[i]) for i in range(n)]
    g = [[abs(rows[i][j] - (1 if i == j else 0)) for j in range(n)] for i in range(n)]
    if form == "symmetric":
        cols = [softmax([s[i][j] for i in range(n)]) for j in range(n)]
        g = [[(g[i][j] + abs(cols[j][i] - (1 if i == j else 0))) / 2 for j in range(n)] for i in range(n)]
    d = len(us[0][0])
    mag_u = [
        [
            mp.fsum(g[i][j] * (abs(vs[j][0][k]) + abs(us[i][0][k])) for j in range(n)) / (tau * us[i][1])
            for k in range(d)
        ]
        for i in range(n)
    ]
    mag_v = [
        [
            mp.fsum(g[i][j] * (abs(us[i][0][k]) + abs(vs[j][0][k])) for i in range(n)) / (tau * vs[j][1])
            for k in range(d)
        ]
        for j in range(n)
    ]
    return mag_u, mag_v


info_nce.grad_magnitude = _info_nce_grad_magnitude


def _lse(row):
    m = max(row)
    return m + mp.log(mp.fsum(exp(t - m) for t in row))


def _dot(a, b):
    return mp.fsum(x * y for x, y in zip(a, b, strict=True))


def _softmax(row):
    m = max(row)
    e = [exp(t - m) for t in row]
    total = mp.fsum(e)
    return [x / total for x in e]


@reference("ctc")
def ctc(
    log_probs, targets, input_length, target_length, blank=0, zero_infinity=False, normalize="target_length"
):
    """Brute force, no recursion: −log of the sum over every path that collapses to the target.

    The C^T paths are collapsed by merging repeats, then dropping blanks.
    """
    frames, classes = int(input_length), len(log_probs[0])
    target = tuple(targets[: int(target_length)])
    terms = []
    for path in itertools.product(range(classes), repeat=frames):
        merged = [c for t, c in enumerate(path) if t == 0 or c != path[t - 1]]
        if tuple(c for c in merged if c != blank) == target:
            terms.append(exp(mp.fsum(log_probs[t][c] for t, c in enumerate(path))))
    if not terms:
        return mp.mpf(0) if zero_infinity else mp.inf
    return -mp.log(mp.fsum(terms))


@reference("perceptual")
def perceptual(y_pred, y_true, feature_fn=None, feature_vjp=None, layer_weights=None):
    """The perceptual loss with lossref's example features (the tests' required example).

    The features are neighbour differences, averaged over D − 1 entries, and tanh, averaged over D.
    """
    assert repr(feature_fn) == "ExampleFeatures()", "the reference knows the example features only"
    w_edges, w_tanh = (1, 1) if layer_weights is None else layer_weights
    d = len(y_pred)
    edges = mp.fsum(((y_pred[i + 1] - y_pred[i]) - (y_true[i + 1] - y_true[i])) ** 2 for i in range(d - 1))
    squashed = mp.fsum((mp.tanh(a) - mp.tanh(b)) ** 2 for a, b in zip(y_pred, y_true, strict=True))
    return mp.mpf(w_edges) * edges / (d - 1) + mp.mpf(w_tanh) * squashed / d


@reference("lovasz_hinge")
def lovasz_hinge(logits, targets):
    """The Lovász extension as an integral over level sets, with no sort order.

    For errors m = max(0, 1 − y s), ∫₀^∞ Δ({i : m_i ≥ t}) dt with Δ(S) = |S| / |{t = 1} ∪ S|,
    summed over the distinct levels (so ties need no tie-break).
    """
    m = [max(mp.mpf(0), 1 - (2 * t - 1) * s) for s, t in zip(logits, targets, strict=True)]
    truth = {i for i, t in enumerate(targets) if t == 1}
    levels = [*sorted(set(m), reverse=True), mp.mpf(0)]
    total = mp.mpf(0)
    for high, low in itertools.pairwise(levels):
        chosen = {i for i, v in enumerate(m) if v >= high}
        total += (high - low) * mp.mpf(len(chosen)) / len(truth | chosen)
    return total


@reference("lovasz_softmax")
def lovasz_softmax(probs, labels, classes="present"):
    """Per class c, the level-set integral of Δ_c over the errors |[y = c] − p_c| (no sort).

    The loss is the mean over the classes present in the labels (or all of them).
    """
    n_classes = len(probs[0])
    losses = []
    for c in range(n_classes):
        truth = [1 if y == c else 0 for y in labels]
        if classes == "present" and not any(truth):
            continue
        m = [abs(t - row[c]) for t, row in zip(truth, probs, strict=True)]
        members = {i for i, t in enumerate(truth) if t}
        levels = [*sorted(set(m), reverse=True), mp.mpf(0)]
        total = mp.mpf(0)
        for high, low in itertools.pairwise(levels):
            chosen = {i for i, v in enumerate(m) if v >= high}
            total += (high - low) * mp.mpf(len(chosen)) / len(members | chosen)
        losses.append(total)
    return mp.fsum(losses) / len(losses)


@reference("n_pair")
def n_pair(anchors, positives):
    """A coupled loss: raw dot products, the cross-entropy of each anchor's row with its own index."""
    n = len(anchors)
    s = [[_dot(anchors[i], positives[j]) for j in range(n)] for i in range(n)]
    return [_lse(s[i]) - s[i][i] for i in range(n)]


def _n_pair_grad_magnitude(anchors, positives):
    """Per entry, Σ_j |p_ij − [i = j]| · |f_j⁺[k]| (and the same for the positives).

    The softmax-weighted sum of positives minus the anchor's own cancels when it is nearly solved.
    """
    n, d = len(anchors), len(anchors[0])
    p = [_softmax([_dot(anchors[i], positives[j]) for j in range(n)]) for i in range(n)]
    g = [[abs(p[i][j] - (1 if i == j else 0)) for j in range(n)] for i in range(n)]
    mag_a = [[mp.fsum(g[i][j] * abs(positives[j][k]) for j in range(n)) for k in range(d)] for i in range(n)]
    mag_p = [[mp.fsum(g[i][j] * abs(anchors[i][k]) for i in range(n)) for k in range(d)] for j in range(n)]
    return mag_a, mag_p


n_pair.grad_magnitude = _n_pair_grad_magnitude


def _unit(v):
    n = mp.sqrt(mp.fsum(t * t for t in v))
    return [t / n for t in v], n


@reference("supervised_contrastive")
def supervised_contrastive(features, labels, temperature=0.1):
    """A coupled loss: per anchor, the mean over its positives of −log softmax over the others."""
    z = [_unit(r)[0] for r in features]
    n = len(z)
    out = []
    for i in range(n):
        others = [a for a in range(n) if a != i]
        positives = [a for a in others if labels[a] == labels[i]]
        if not positives:
            out.append(mp.mpf(0))
            continue
        lse = _lse([_dot(z[i], z[a]) / temperature for a in others])
        out.append(mp.fsum(lse - _dot(z[i], z[a]) / temperature for a in positives) / len(positives))
    return out


def _supervised_contrastive_grad_magnitude(features, labels, temperature=0.1):
    """Per entry, the sizes of the unit-vector terms the gradient sums (as for InfoNCE)."""
    zs = [_unit(r) for r in features]
    n, d, tau = len(zs), len(features[0]), temperature
    g = [[mp.mpf(0)] * n for _ in range(n)]
    for i in range(n):
        others = [a for a in range(n) if a != i]
        positives = [a for a in others if labels[a] == labels[i]]
        if not positives:
            continue
        p = _softmax([_dot(zs[i][0], zs[a][0]) / tau for a in others])
        for a, pa in zip(others, p, strict=True):
            g[i][a] = abs(pa - (mp.mpf(1) / len(positives) if a in positives else 0))
    return (
        [
            [
                mp.fsum((g[i][j] + g[j][i]) * (abs(zs[j][0][k]) + abs(zs[i][0][k])) for j in range(n))
                / (tau * zs[i][1])
                for k in range(d)
            ]
            for i in range(n)
        ],
    )


supervised_contrastive.grad_magnitude = _supervised_contrastive_grad_magnitude
# --- face recognition: margins on cosines, center loss -------------------------------------

ARC_TOP = mp.mpf(1 - 1e-7)  # lossref's documented clamp: sin θ is taken at min(c, 1 − 1e-7), as a float64


def _cross_entropy_of_logits(z, label):
    return -log_softmax(z)[label]


@reference("arcface")
def arcface(c, label, scale=64.0, margin=0.5, easy_margin=False):
    """cos(θ + m) through acos below the band, the frozen sine above it, the fallback past π − m."""
    s, m = mp.mpf(scale), mp.mpf(margin)
    cy = c[label]
    if cy > (0 if easy_margin else mp.cos(mp.pi - m)):
        if cy <= ARC_TOP:
            target = mp.cos(mp.acos(cy) + m)
        else:  # within 1e-7 of 1: c·cos m − sin θ₀·sin m with sin θ₀ = √(1 − (1 − 1e-7)²)
            target = cy * mp.cos(m) - mp.sqrt(1 - ARC_TOP**2) * mp.sin(m)
    else:
        target = cy if easy_margin else cy - m * mp.sin(m)
    z = [s * v for v in c]
    z[label] = s * target
    return _cross_entropy_of_logits(z, label)


@reference("cosface")
def cosface(c, label, scale=64.0, margin=0.35):
    s = mp.mpf(scale)
    z = [s * (v - (mp.mpf(margin) if k == label else 0)) for k, v in enumerate(c)]
    return _cross_entropy_of_logits(z, label)


@reference("center")
def center(x, label, centers):
    return mp.fsum((v - mp.mpf(c)) ** 2 for v, c in zip(x, centers[label], strict=True)) / 2


# --- learning to rank -------------------------------------------------------------------------


@reference("ranknet")
def ranknet(si, sj, target, sigma=1.0):
    z = sigma * (si - sj)  # cross-entropy of P = σ(z) against P̄, with 1 − σ(z) = σ(−z)
    return -(target * log_sigmoid(z) + (1 - target) * log_sigmoid(-z))


@reference("listnet")
def listnet(s, y):
    log_p, log_q = log_softmax(s), log_softmax(y)
    return -mp.fsum(exp(b) * a for a, b in zip(log_p, log_q, strict=True))


def _listnet_grad_magnitude(s, y):
    # softmax(s) − softmax(y): the sizes of the two probabilities
    return [exp(a) + exp(b) for a, b in zip(log_softmax(s), log_softmax(y), strict=True)]


listnet.grad_magnitude = _listnet_grad_magnitude


def _by_descending_label(y):
    return sorted(range(len(y)), key=lambda j: -y[j])  # Python's sort is stable: ties keep index order


def _log_sum_exp(v):
    m = max(v)
    return m + mp.log(mp.fsum(exp(t - m) for t in v))


@reference("listmle")
def listmle(s, y):
    # −log of the Plackett–Luce probability of picking the items in label order, one at a time
    t = [s[j] for j in _by_descending_label(y)]
    return mp.fsum(_log_sum_exp(t[i:]) - t[i] for i in range(len(t)))


def _listmle_grad_magnitude(s, y):
    # ∂ℓ/∂t_k = Σ_{i<k} w_ik − Σ_{j>k} w_kj, w_ij = e^{t_j} / Σ_{m≥i} e^{t_m} (stage i picks item j):
    # the pull of the earlier stages minus what stage k gives the items after k
    order = _by_descending_label(y)
    t = [s[j] for j in order]
    n = len(t)
    lse = [_log_sum_exp(t[i:]) for i in range(n)]
    out = [None] * n
    for k in range(n):
        pull = mp.fsum(exp(t[k] - lse[i]) for i in range(k))
        push = mp.fsum(exp(t[j] - lse[k]) for j in range(k + 1, n))
        out[order[k]] = pull + push
    return out


listmle.grad_magnitude = _listmle_grad_magnitude


# --- issue 19: regression and probabilistic additions ----------------------------------------


@reference("msle")
def msle(x, y):
    return (mp.log(1 + x) - mp.log(1 + y)) ** 2


@reference("epsilon_insensitive")
def epsilon_insensitive(x, y, epsilon=0.1, squared=False):
    excess = max(mp.mpf(0), abs(x - y) - mp.mpf(epsilon))
    return excess**2 if squared else excess


@reference("expectile")
def expectile(x, y, tau=0.5):
    u = y - x
    return (1 - mp.mpf(tau) if u < 0 else mp.mpf(tau)) * u**2


@reference("barron")
def barron(x, y, alpha, scale=1.0):
    z = ((x - y) / mp.mpf(scale)) ** 2
    if alpha == 2:
        return z / 2
    if alpha == 0:
        return mp.log(z / 2 + 1)
    if alpha == -mp.inf:
        return 1 - exp(-z / 2)
    if alpha == mp.inf:
        return exp(z / 2) - 1
    a = mp.mpf(alpha)
    b = abs(a - 2)
    return b / a * ((z / b + 1) ** (a / 2) - 1)


@reference("crps_gaussian")
def crps_gaussian(mu, y, var):
    # σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ (Gneiting & Raftery 2007)
    sigma = mp.sqrt(var)
    z = (y - mu) / sigma
    if abs(z) > 100:  # 2Φ(z) − 1 = sign(z) to 2000 digits (mpmath's erfc fails at z ~ 1e300)
        return sigma * (abs(z) + 2 * mp.npdf(z) - 1 / mp.sqrt(mp.pi))
    return sigma * (z * (2 * mp.ncdf(z) - 1) + 2 * mp.npdf(z) - 1 / mp.sqrt(mp.pi))


@reference("generalized_kl")
def generalized_kl(x, y):
    return (y * mp.log(y / x) if y else mp.mpf(0)) - y + x


def _cox_risk_set_lse(eta, times, i):
    return _log_sum_exp([eta[j] for j in range(len(eta)) if times[j] >= times[i]])


@reference("cox_partial_likelihood")
def cox_partial_likelihood(eta, times, events):
    # Σ over events of log Σ_{t_j ≥ t_i} e^{η_j} − η_i (Cox 1972, Breslow 1974 ties)
    return mp.fsum(_cox_risk_set_lse(eta, times, i) - eta[i] for i in range(len(eta)) if events[i])


def _cox_grad_magnitude(eta, times, events):
    # ∂ℓ/∂η_k = Σ_{events i} (p_ik − δ_ik), p_ik = e^{η_k − LSE_i} on R(t_i): the size of its terms
    n = len(eta)
    out = []
    for k in range(n):
        terms = []
        for i in range(n):
            if events[i] and times[k] >= times[i]:
                terms.append(abs(exp(eta[k] - _cox_risk_set_lse(eta, times, i)) - (1 if i == k else 0)))
        out.append(mp.fsum(terms))
    return out


cox_partial_likelihood.grad_magnitude = _cox_grad_magnitude


# --- issue 19: classification (brier_score, poly1, GCE, SCE, long-tailed) ------------------


def _one_hot_or_row(target, num_classes):
    if isinstance(target, int):
        return [mp.mpf(int(c == target)) for c in range(num_classes)]
    return target


@reference("brier_score")
def brier_score(p, target):
    q = _one_hot_or_row(target, len(p))
    return mp.fsum((pc - qc) ** 2 for pc, qc in zip(p, q, strict=True))


@reference("poly1_cross_entropy")
def poly1_cross_entropy(z, label, epsilon=1.0):
    p_y = exp(log_softmax(z)[label])
    return -mp.log(p_y) + epsilon * (1 - p_y)


@reference("generalized_cross_entropy")
def generalized_cross_entropy(z, label, q=0.7):
    log_p_y = log_softmax(z)[label]
    if q == 0:  # the limit q → 0 of (1 − p^q)/q
        return -log_p_y
    return (1 - exp(q * log_p_y)) / q


@reference("symmetric_cross_entropy")
def symmetric_cross_entropy(z, label, alpha=0.1, beta=1.0, log_floor=-4.0):
    # RCE = −Σ_c p_c log q_c with q one-hot and log 0 := A: only the classes c ≠ y contribute
    p = [exp(v) for v in log_softmax(z)]
    rce = -mp.fsum(p[c] * (0 if c == label else log_floor) for c in range(len(z)))
    return alpha * -mp.log(p[label]) + beta * rce


@reference("logit_adjusted_cross_entropy")
def logit_adjusted_cross_entropy(z, label, class_priors, tau=1.0):
    return -log_softmax([v + tau * mp.log(pi) for v, pi in zip(z, class_priors, strict=True)])[label]


@reference("balanced_softmax")
def balanced_softmax(z, label, class_counts):
    # −log of n_y e^{z_y} / Σ_c n_c e^{z_c}
    terms = [mp.mpf(n) * exp(v) for v, n in zip(z, class_counts, strict=True)]
    return -mp.log(terms[label] / mp.fsum(terms))


@reference("ldam")
def ldam(z, label, class_counts, max_margin=0.5, scale=30.0):
    inverse = [mp.mpf(n) ** mp.mpf(-0.25) for n in class_counts]
    delta = max_margin * inverse[label] / max(inverse)
    shifted = [scale * (v - (delta if c == label else 0)) for c, v in enumerate(z)]
    return -log_softmax(shifted)[label]


# --- issue 19: segmentation ----------------------------------------------------------------


@reference("generalized_dice")
def generalized_dice(p, t, smooth=1e-5):
    """Sudre et al.'s ratio with w_c = 1/(Σt_c)².

    An empty class takes the largest weight of the sample (MONAI 1.5.0), and a sample without
    foreground has every weight 0.
    """
    sizes = [mp.fsum(row) for row in t]
    finite = [1 / size**2 for size in sizes if size > 0]
    w_max = max(finite) if finite else mp.mpf(0)
    w = [1 / size**2 if size > 0 else w_max for size in sizes]
    inter = mp.fsum(
        wc * mp.fsum(a * b for a, b in zip(pc, tc, strict=True)) for wc, pc, tc in zip(w, p, t, strict=True)
    )
    total = mp.fsum(wc * (mp.fsum(pc) + mp.fsum(tc)) for wc, pc, tc in zip(w, p, t, strict=True))
    return 1 - (2 * inter + smooth) / (total + smooth)


@reference("mcc")
def mcc(p, t, eps=1e-5):
    """1 − the Matthews correlation of the soft confusion counts, ε added to each count."""
    pairs = list(zip(p, t, strict=True))
    tp = mp.fsum(a * b for a, b in pairs) + eps
    fp = mp.fsum(a * (1 - b) for a, b in pairs) + eps
    fn = mp.fsum((1 - a) * b for a, b in pairs) + eps
    tn = mp.fsum((1 - a) * (1 - b) for a, b in pairs) + eps
    return 1 - (tp * tn - fp * fn) / mp.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))


# --- issue 19: ranking ---------------------------------------------------------------------


def _ndcg_parts(s, y, k=None):
    """0-based ranks by descending score, gains 2^y − 1, and the ideal DCG of the first k positions.

    Ties rank the earlier index first; k = None takes every position.
    """
    n = len(s)
    order = sorted(range(n), key=lambda i: (-s[i], i))
    rank = [0] * n
    for position, i in enumerate(order):
        rank[i] = position
    gains = [mp.mpf(2) ** int(v) - 1 for v in y]
    top = sorted(gains, reverse=True)[: n if k is None else k]
    ideal = mp.fsum(g / mp.log(2 + r, 2) for r, g in enumerate(top))
    return rank, gains, ideal


@reference("lambdarank")
def lambdarank(s, y, sigma=1.0, truncation=None):
    """Σ over pairs y_i > y_j (better-ranked item in the top k) of |ΔNDCG_ij|·log(1 + e^{−σ(s_i − s_j)})."""
    rank, gains, ideal = _ndcg_parts(s, y, truncation)
    total = []
    for i, j in itertools.permutations(range(len(s)), 2):
        if y[i] <= y[j] or (truncation is not None and min(rank[i], rank[j]) >= truncation):
            continue
        delta = (gains[i] - gains[j]) * abs(1 / mp.log(2 + rank[i], 2) - 1 / mp.log(2 + rank[j], 2)) / ideal
        total.append(delta * mp.log1p(exp(-sigma * (s[i] - s[j]))))
    return mp.fsum(total)


@reference("approx_ndcg")
def approx_ndcg(s, y, temperature=0.1):
    """1 − Σ G_i / log2(1 + r̂_i) / maxDCG with r̂_i = 1 + Σ_{j≠i} σ((s_j − s_i)/τ).

    0 for a list without a relevant item.
    """
    n = len(s)
    gains = [mp.mpf(2) ** int(v) - 1 for v in y]
    ideal = mp.fsum(g / mp.log(2 + r, 2) for r, g in enumerate(sorted(gains, reverse=True)))
    if ideal == 0:
        return mp.mpf(0)
    ranks = [1 + mp.fsum(sigmoid((s[j] - s[i]) / temperature) for j in range(n) if j != i) for i in range(n)]
    return 1 - mp.fsum(g / mp.log(1 + r, 2) for g, r in zip(gains, ranks, strict=True)) / ideal


# --- issue 19: margin, detection and image losses ------------------------------------------


@reference("hinge_embedding")
def hinge_embedding(x, y, margin=1.0):
    return x if y == 1 else max(mp.mpf(0), margin - x)


@reference("multilabel_soft_margin")
def multilabel_soft_margin(z, t, class_weights=None):
    w = [1] * len(z) if class_weights is None else class_weights
    # -[t log σ(z) + (1 - t) log σ(-z)] per class, averaged over the C classes
    terms = [-(tc * log_sigmoid(zc) + (1 - tc) * log_sigmoid(-zc)) for zc, tc in zip(z, t, strict=True)]
    return mp.fsum(wc * v for wc, v in zip(w, terms, strict=True)) / len(z)


def _box_parts(b, g):
    """Intersection, union and enclosing box of two boxes (x1, y1, x2, y2), by their definitions."""
    iw = max(mp.mpf(0), min(b[2], g[2]) - max(b[0], g[0]))
    ih = max(mp.mpf(0), min(b[3], g[3]) - max(b[1], g[1]))
    inter = iw * ih
    union = (b[2] - b[0]) * (b[3] - b[1]) + (g[2] - g[0]) * (g[3] - g[1]) - inter
    cw = max(b[2], g[2]) - min(b[0], g[0])
    ch = max(b[3], g[3]) - min(b[1], g[1])
    return inter, union, cw, ch


def _diou(b, g):
    inter, union, cw, ch = _box_parts(b, g)
    rho2 = ((b[0] + b[2] - g[0] - g[2]) / 2) ** 2 + ((b[1] + b[3] - g[1] - g[3]) / 2) ** 2
    return 1 - inter / union + rho2 / (cw**2 + ch**2), 1 - inter / union


@reference("giou")
def giou(b, g):
    inter, union, cw, ch = _box_parts(b, g)
    return 1 - (inter / union - (cw * ch - union) / (cw * ch))


@reference("diou")
def diou(b, g):
    return _diou(b, g)[0]


@reference("ciou")
def ciou(b, g):
    value, one_minus_iou = _diou(b, g)
    v = 4 / mp.pi**2 * (mp.atan((g[2] - g[0]) / (g[3] - g[1])) - mp.atan((b[2] - b[0]) / (b[3] - b[1]))) ** 2
    return value + (v * v / (one_minus_iou + v) if v else 0)


@reference("total_variation")
def total_variation(img):
    # one H × W image (a list of rows): |vertical| and |horizontal| neighbour differences
    rows, cols = len(img), len(img[0])
    down = [abs(img[i + 1][j] - img[i][j]) for i in range(rows - 1) for j in range(cols)]
    right = [abs(img[i][j + 1] - img[i][j]) for i in range(rows) for j in range(cols - 1)]
    return mp.fsum(down + right)


# --- issue 19: perceptron ------------------------------------------------------------------


@reference("perceptron")
def perceptron(f, y):
    return max(0, -y * f)


# --- issue 20: preference optimisation (SimPO, IPO, ORPO, KTO) -----------------------------


@reference("simpo")
def simpo(pc, pr, len_c, len_r, beta=2.0, gamma=1.0):
    # Meng et al. (2024), eq. 6: rewards β·log π(y)/|y|, margin γ
    return -log_sigmoid(mp.mpf(beta) * (pc / len_c - pr / len_r) - gamma)


@reference("ipo")
def ipo(pc, pr, rc, rr, tau=0.1):
    # Azar et al. (2024), eq. 17: (h − τ⁻¹/2)²
    return ((pc - rc) - (pr - rr) - 1 / (2 * mp.mpf(tau))) ** 2


# --- issue 19: sparsemax_loss, ordinal_logistic -------------------------------------------


@reference("sparsemax_loss")
def sparsemax_loss(z, label):
    # Martins & Astudillo (2016), eq. (5) and Prop. 2: the support is the k largest logits for
    # the largest k with 1 + k z_(k) > Σ_{j≤k} z_(j); τ = (Σ_{j≤k} z_(j) − 1)/k
    ordered = sorted(z, reverse=True)
    k = max(j for j in range(1, len(z) + 1) if 1 + j * ordered[j - 1] > mp.fsum(ordered[:j]))
    tau = (mp.fsum(ordered[:k]) - 1) / k
    support = [v for v in z if v > tau]
    return -z[label] + mp.fsum(v**2 - tau**2 for v in support) / 2 + mp.mpf(1) / 2


@reference("ordinal_logistic")
def ordinal_logistic(z, label, task_weights=None):
    # one binary cross-entropy per threshold k, target [y > k]: −log σ(z_k) or −log(1 − σ(z_k))
    w = [1] * len(z) if task_weights is None else task_weights
    return mp.fsum(
        wk * -(log_sigmoid(zk) if label > k else log_sigmoid(-zk))
        for k, (zk, wk) in enumerate(zip(z, w, strict=True))
    )


# --- issue 20: auxiliary losses ------------------------------------------------------------


def _lse_terms(z):
    """log Σ e^z and the size of the two terms it is computed from, |max z| + log(1 + rest)."""
    m = max(z)
    rest = mp.fsum(exp(v - m) for v in z) - 1  # the other classes' share, relative to the top
    return m + mp.log1p(rest), abs(m) + mp.log1p(rest)


@reference("z_loss")
def z_loss(z):
    # (log Z)²; log Z near 0 (a row of log-probabilities) is a cancellation of max z against
    # log(1 + rest) that rounding the inputs already makes: measured relative to |log Z|·size
    lse, size = _lse_terms(z)
    return lse**2, abs(lse) * size


def _z_loss_grad_magnitude(z):
    # ∂ℓ/∂z_j = 2 log Z · p_j: relative to 2·size·p_j where log Z cancels
    lse, size = _lse_terms(z)
    return [2 * size * exp(v - lse) for v in z]


z_loss.grad_magnitude = _z_loss_grad_magnitude
# --- issue 19: proxy and neighbourhood metric learning (proxy_anchor, proxy_nca, nca) -----


def _log1p_sum_exp(terms):
    """log(1 + Σ e^t), exactly: 0 for no terms."""
    return _lse([mp.mpf(0), *terms])


@reference("proxy_anchor")
def proxy_anchor(embeddings, labels, proxies, alpha=32.0, margin=0.1):
    """Per proxy p: C/|P⁺| · log(1 + Σ_{x of class p} e^{−α(s − δ)}) + log(1 + Σ_{others} e^{α(s + δ)})."""
    x = [_unit(r)[0] for r in embeddings]
    q = [_unit(r)[0] for r in proxies]
    a, d, c = mp.mpf(alpha), mp.mpf(margin), len(q)
    with_positive = sum(1 for p in range(c) if p in labels)
    out = []
    for p in range(c):
        pos = [-a * (_dot(xi, q[p]) - d) for xi, y in zip(x, labels, strict=True) if y == p]
        neg = [a * (_dot(xi, q[p]) + d) for xi, y in zip(x, labels, strict=True) if y != p]
        out.append(mp.mpf(c) / with_positive * _log1p_sum_exp(pos) + _log1p_sum_exp(neg))
    return out


def _cosine_grad_magnitude(embeddings, proxies, g):
    """Per entry, the sizes of the terms ∂/∂s_ip · ∂s_ip/∂(entry) that the gradient sums.

    |g_ip| (|p̂_k| + |s_ip| |x̂_k|) / ‖x‖ for an embedding, the same with the roles swapped.
    """
    xs, qs = [_unit(r) for r in embeddings], [_unit(r) for r in proxies]
    n, c, d = len(xs), len(qs), len(embeddings[0])
    s = [[_dot(xs[i][0], qs[p][0]) for p in range(c)] for i in range(n)]
    mag_x = [
        [
            mp.fsum(abs(g[i][p]) * (abs(qs[p][0][k]) + abs(s[i][p] * xs[i][0][k])) for p in range(c))
            / xs[i][1]
            for k in range(d)
        ]
        for i in range(n)
    ]
    mag_q = [
        [
            mp.fsum(abs(g[i][p]) * (abs(xs[i][0][k]) + abs(s[i][p] * qs[p][0][k])) for i in range(n))
            / qs[p][1]
            for k in range(d)
        ]
        for p in range(c)
    ]
    return mag_x, None, mag_q


def _proxy_anchor_grad_magnitude(embeddings, labels, proxies, alpha=32.0, margin=0.1):
    x = [_unit(r)[0] for r in embeddings]
    q = [_unit(r)[0] for r in proxies]
    a, d, c = mp.mpf(alpha), mp.mpf(margin), len(q)
    with_positive = sum(1 for p in range(c) if p in labels)
    g = [[mp.mpf(0)] * c for _ in x]
    for p in range(c):
        t = [
            (-a * (_dot(xi, q[p]) - d) if y == p else a * (_dot(xi, q[p]) + d))
            for xi, y in zip(x, labels, strict=True)
        ]
        for own in (True, False):
            idx = [i for i, y in enumerate(labels) if (y == p) == own]
            denominator = exp(_log1p_sum_exp([t[i] for i in idx]))
            for i in idx:
                g[i][p] = a * exp(t[i]) / denominator * (mp.mpf(c) / with_positive if own else 1)
    return _cosine_grad_magnitude(embeddings, proxies, g)


proxy_anchor.grad_magnitude = _proxy_anchor_grad_magnitude


@reference("proxy_nca")
def proxy_nca(embeddings, labels, proxies, scale=1.0):
    """Per embedding, −log softmax over the proxies of −s‖x̂ − p̂‖² (the distance, as written)."""
    q = [_unit(r)[0] for r in proxies]
    out = []
    for row, y in zip(embeddings, labels, strict=True):
        x = _unit(row)[0]
        z = [-scale * mp.fsum((a - b) ** 2 for a, b in zip(x, p, strict=True)) for p in q]
        out.append(_lse(z) - z[y])
    return out


def _proxy_nca_grad_magnitude(embeddings, labels, proxies, scale=1.0):
    q = [_unit(r)[0] for r in proxies]
    g = []
    for row, y in zip(embeddings, labels, strict=True):
        x = _unit(row)[0]
        p = _softmax([2 * scale * _dot(x, qc) for qc in q])
        g.append([2 * scale * abs(pc - (1 if c == y else 0)) for c, pc in enumerate(p)])
    return _cosine_grad_magnitude(embeddings, proxies, g)


proxy_nca.grad_magnitude = _proxy_nca_grad_magnitude


@reference("nca")
def nca(embeddings, labels, scale=1.0):
    """A coupled loss: per row, −log of the softmax mass on its class-mates (0 without one)."""
    n = len(embeddings)
    out = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        mates = [j for j in others if labels[j] == labels[i]]
        if not mates:
            out.append(mp.mpf(0))
            continue
        z = {
            j: -scale * mp.fsum((a - b) ** 2 for a, b in zip(embeddings[i], embeddings[j], strict=True))
            for j in others
        }
        out.append(_lse([z[j] for j in others]) - _lse([z[j] for j in mates]))
    return out


def _nca_grad_magnitude(embeddings, labels, scale=1.0):
    """Per entry, Σ_j (|w_kj| + |w_jk|)·2s·|x_k − x_j|: the terms the gradient sums."""
    n, d = len(embeddings), len(embeddings[0])
    w = [[mp.mpf(0)] * n for _ in range(n)]
    for i in range(n):
        others = [j for j in range(n) if j != i]
        mates = [j for j in others if labels[j] == labels[i]]
        if not mates:
            continue
        z = {
            j: -scale * mp.fsum((a - b) ** 2 for a, b in zip(embeddings[i], embeddings[j], strict=True))
            for j in others
        }
        lse_all, lse_mates = _lse([z[j] for j in others]), _lse([z[j] for j in mates])
        for j in others:
            w[i][j] = abs(exp(z[j] - lse_all) - (exp(z[j] - lse_mates) if j in mates else 0))
    return (
        [
            [
                mp.fsum(
                    (w[k][j] + w[j][k]) * 2 * scale * abs(embeddings[k][m] - embeddings[j][m])
                    for j in range(n)
                )
                for m in range(d)
            ]
            for k in range(n)
        ],
    )


nca.grad_magnitude = _nca_grad_magnitude


@reference("orpo")
def orpo(pc, pr, len_c, len_r, lam=0.1):
    # Hong et al. (2024), eqs. 4–7: odds p/(1 − p) of the mean token probability p = e^m̄
    def log_odds(m):
        p = exp(m)
        return mp.log(p / (1 - p))

    mc, mr = pc / len_c, pr / len_r
    return -mc - mp.mpf(lam) * log_sigmoid(log_odds(mc) - log_odds(mr))


@reference("kto")
def kto(policy, ref, desirable, reference_point=0.5, beta=0.1, desirable_weight=1.0, undesirable_weight=1.0):
    # Ethayarajh et al. (2024), eq. 7: λ_y − v(x, y) with v = λσ(±β(r − z₀))
    r = policy - ref
    if desirable == 1:
        return mp.mpf(desirable_weight) * (1 - sigmoid(mp.mpf(beta) * (r - reference_point)))
    return mp.mpf(undesirable_weight) * (1 - sigmoid(mp.mpf(beta) * (reference_point - r)))


# --- issue 19: pair-based metric learning (circle, multi_similarity, lifted_structure) --------


def _pair_sets(labels):
    """Per anchor i, its positives (other rows with its label) and negatives (other labels)."""
    n = len(labels)
    pos = [[j for j in range(n) if j != i and labels[j] == labels[i]] for i in range(n)]
    neg = [[j for j in range(n) if labels[j] != labels[i]] for i in range(n)]
    return pos, neg


def _circle_exponents(z, i, pos, neg, gamma, margin):
    g, m = mp.mpf(gamma), mp.mpf(margin)
    zp = [-g * max(1 + m - _dot(z[i], z[j]), 0) * (_dot(z[i], z[j]) - (1 - m)) for j in pos[i]]
    zn = [g * max(_dot(z[i], z[j]) + m, 0) * (_dot(z[i], z[j]) - m) for j in neg[i]]
    return zp, zn


@reference("circle")
def circle(embeddings, labels, gamma=80.0, margin=0.4):
    """Per anchor, softplus(LSE over positives + LSE over negatives); 0 without either."""
    z = [_unit(r)[0] for r in embeddings]
    pos, neg = _pair_sets(labels)
    out = []
    for i in range(len(z)):
        if not pos[i] or not neg[i]:
            out.append(mp.mpf(0))
            continue
        zp, zn = _circle_exponents(z, i, pos, neg, gamma, margin)
        out.append(_softplus(_lse(zp) + _lse(zn)))
    return out


def _circle_grad_magnitude(embeddings, labels, gamma=80.0, margin=0.4):
    """Per entry, the sizes of the unit-vector terms the gradient sums (as for SupCon)."""
    zs = [_unit(r) for r in embeddings]
    z = [a for a, _ in zs]
    n, d, g, m = len(z), len(z[0]), mp.mpf(gamma), mp.mpf(margin)
    pos, neg = _pair_sets(labels)
    c = [[mp.mpf(0)] * n for _ in range(n)]
    for i in range(n):
        if not pos[i] or not neg[i]:
            continue
        zp, zn = _circle_exponents(z, i, pos, neg, gamma, margin)
        sig = 1 / (1 + exp(-(_lse(zp) + _lse(zn))))
        for j, w in zip(pos[i], _softmax(zp), strict=True):
            c[i][j] = abs(sig * w * 2 * g * (1 - _dot(z[i], z[j])))
        for j, w in zip(neg[i], _softmax(zn), strict=True):
            s = _dot(z[i], z[j])
            c[i][j] = abs(sig * w * 2 * g * s) if s + m > 0 else mp.mpf(0)
    return (
        [
            [
                mp.fsum((c[i][j] + c[j][i]) * (abs(z[j][k]) + abs(z[i][k])) for j in range(n)) / zs[i][1]
                for k in range(d)
            ]
            for i in range(n)
        ],
    )


circle.grad_magnitude = _circle_grad_magnitude


@reference("multi_similarity")
def multi_similarity(embeddings, labels, alpha=2.0, beta=50.0, base=1.0):
    """Per anchor, (1/α) log(1 + Σ_P e^{−α(s − λ)}) + (1/β) log(1 + Σ_N e^{β(s − λ)})."""
    z = [_unit(r)[0] for r in embeddings]
    a, b, lam = mp.mpf(alpha), mp.mpf(beta), mp.mpf(base)
    pos, neg = _pair_sets(labels)
    out = []
    for i in range(len(z)):
        tp = [-a * (_dot(z[i], z[j]) - lam) for j in pos[i]]
        tn = [b * (_dot(z[i], z[j]) - lam) for j in neg[i]]
        out.append(_lse([mp.mpf(0), *tp]) / a + _lse([mp.mpf(0), *tn]) / b)
    return out


def _multi_similarity_grad_magnitude(embeddings, labels, alpha=2.0, beta=50.0, base=1.0):
    """Per entry, the sizes of the unit-vector terms the gradient sums."""
    zs = [_unit(r) for r in embeddings]
    z = [v for v, _ in zs]
    n, d, a, b, lam = len(z), len(z[0]), mp.mpf(alpha), mp.mpf(beta), mp.mpf(base)
    pos, neg = _pair_sets(labels)
    c = [[mp.mpf(0)] * n for _ in range(n)]
    for i in range(n):
        for group, scale in ((pos[i], -a), (neg[i], b)):
            if group:
                w = _softmax([mp.mpf(0), *[scale * (_dot(z[i], z[j]) - lam) for j in group]])[1:]
                for j, wj in zip(group, w, strict=True):
                    c[i][j] = wj
    return (
        [
            [
                mp.fsum((c[i][j] + c[j][i]) * (abs(z[j][k]) + abs(z[i][k])) for j in range(n)) / zs[i][1]
                for k in range(d)
            ]
            for i in range(n)
        ],
    )


multi_similarity.grad_magnitude = _multi_similarity_grad_magnitude


def _lifted_terms(embeddings, labels, margin):
    """The distances, each row's log Σ_{N(i)} e^{α − D} and each positive pair's J (mpmath)."""
    n = len(embeddings)
    dist = [
        [
            mp.sqrt(mp.fsum((a - b) ** 2 for a, b in zip(embeddings[i], embeddings[j], strict=True)))
            for j in range(n)
        ]
        for i in range(n)
    ]
    pos, neg = _pair_sets(labels)
    a = mp.mpf(margin)
    lse = [_lse([a - dist[i][k] for k in neg[i]]) if neg[i] else None for i in range(n)]
    j = {}
    for i in range(n):
        for p in pos[i]:
            terms = [a - dist[i][k] for k in neg[i]] + [a - dist[p][k] for k in neg[p]]
            j[i, p] = _lse(terms) + dist[i][p] if terms else None
    return dist, pos, neg, lse, j


@reference("lifted_structure")
def lifted_structure(embeddings, labels, margin=1.0):
    """Per row, half of Σ over its positive pairs of [J]_+² (the sum over rows is Σ_P [J]_+²)."""
    _, pos, _, _, j = _lifted_terms(embeddings, labels, margin)
    out = []
    for i in range(len(embeddings)):
        hinge = [max(j[i, p], 0) if j[i, p] is not None else mp.mpf(0) for p in pos[i]]
        out.append(mp.fsum(h * h for h in hinge) / 2)
    return out


def _lifted_structure_grad_magnitude(embeddings, labels, margin=1.0):
    """Per entry, the sizes of the unit-vector terms (x_k − x_j)/D_kj the gradient sums."""
    dist, pos, neg, _, j = _lifted_terms(embeddings, labels, margin)
    n, d, a = len(embeddings), len(embeddings[0]), mp.mpf(margin)
    c = [[mp.mpf(0)] * n for _ in range(n)]
    for i in range(n):
        for p in pos[i]:
            h = max(j[i, p], 0) if j[i, p] is not None else 0
            if not h:
                continue
            c[i][p] += h
            for k in neg[i]:  # J_ip's share of e^{α − D_ik}, counted for (i, p) and (p, i)
                c[i][k] += 2 * h * exp(a - dist[i][k] - (j[i, p] - dist[i][p]))
    return (
        [
            [
                mp.fsum(
                    (c[k][m] + c[m][k]) * abs(embeddings[k][e] - embeddings[m][e]) / dist[k][m]
                    for m in range(n)
                    if dist[k][m]
                )
                for e in range(d)
            ]
            for k in range(n)
        ],
    )


lifted_structure.grad_magnitude = _lifted_structure_grad_magnitude


# --- issue 19: ssim ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _gaussian_window(prec):
    # the 11 × 11 weights g_a·g_b of σ = 1.5, normalised, at the working precision (the same for
    # every evaluation: the sweep's derivatives call the reference thousands of times)
    with mp.workprec(prec):
        taps = [exp(-mp.mpf(k * k) / (2 * mp.mpf(1.5) ** 2)) for k in range(-5, 6)]
        total = mp.fsum(taps)
        g = [t / total for t in taps]
        return [g[a] * g[b] for a in range(11) for b in range(11)]


@functools.lru_cache(maxsize=64)
def _target_window(v, prec):
    # the weighted target window w·v, its mean and its variance: a derivative moves one pixel
    # of the prediction, and the target's statistics were recomputed on every evaluation
    w = _gaussian_window(prec)
    with mp.workprec(prec):
        wv = [p * q for p, q in zip(w, v, strict=True)]
        my = mp.fsum(wv)
        return wv, my, mp.fdot(wv, v) - my**2


@reference("ssim")
def ssim(x, y, data_range=1.0):
    # one H × W image each (lists of rows); Wang et al.'s statistics under an 11 × 11 Gaussian
    # window (σ = 1.5, weights normalised to 1) at every position where it fits. The second
    # moments as E[uv] − E[u]E[v]: at 400 digits the cancellation costs at most 2·16 of them
    w = _gaussian_window(mp.mp.prec)
    c1, c2 = (mp.mpf("0.01") * data_range) ** 2, (mp.mpf("0.03") * data_range) ** 2
    rows, cols = len(x), len(x[0])
    scores = []
    for i in range(rows - 10):
        for j in range(cols - 10):
            u = [x[i + a][j + b] for a in range(11) for b in range(11)]
            v = tuple(y[i + a][j + b] for a in range(11) for b in range(11))
            wv, my, vy = _target_window(v, mp.mp.prec)
            wu = [p * q for p, q in zip(w, u, strict=True)]
            mx = mp.fsum(wu)
            vx = mp.fdot(wu, u) - mx**2
            cxy = mp.fdot(wv, u) - mx * my
            scores.append((2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return 1 - mp.fsum(scores) / len(scores)


# --- issue 19: hausdorff_dt -------------------------------------------------------------------


def _distance_to_other_class(mask):
    # brute force: each pixel's Euclidean distance to the nearest pixel of the other class;
    # 0 everywhere for a mask without both classes (no boundary). Every derivative evaluates
    # the loss again on the same masks: the maps are remembered per mask and working precision
    return _distance_map(tuple(map(tuple, mask)), mp.mp.prec)


@functools.lru_cache(maxsize=256)
def _distance_map(mask, prec):
    cells = [(i, j) for i in range(len(mask)) for j in range(len(mask[0]))]
    if len({mask[i][j] for i, j in cells}) < 2:
        return {c: mp.mpf(0) for c in cells}
    # squared distances are integers: the minimum is exact before the one square root
    with mp.workprec(prec):
        return {
            (i, j): mp.sqrt(min((i - a) ** 2 + (j - b) ** 2 for a, b in cells if mask[a][b] != mask[i][j]))
            for i, j in cells
        }


@reference("hausdorff_dt")
def hausdorff_dt(p, g, alpha=2.0):
    # one H × W mask each (lists of rows); the prediction's map is of p > 0.5
    dp = _distance_to_other_class([[v > 0.5 for v in row] for row in p])
    dg = _distance_to_other_class([[v == 1 for v in row] for row in g])
    terms = [(p[i][j] - g[i][j]) ** 2 * (dp[(i, j)] ** alpha + dg[(i, j)] ** alpha) for i, j in sorted(dp)]
    return mp.fsum(terms) / len(terms)


# --- issue 20: RL fine-tuning terms ---------------------------------------------------------


def _neg_entropy_terms(z):
    """Σ p log p and the softmax p, from the definition p = e^z / Σ e^z."""
    log_p = log_softmax(z)
    return mp.fsum(exp(lp) * lp for lp in log_p), log_p


@reference("entropy_bonus")
def entropy_bonus(z):
    return _neg_entropy_terms(z)[0]


def _entropy_bonus_grad_magnitude(z):
    # ∂ℓ/∂z_j = p_j (log p_j − Σ p log p) is a difference that vanishes for a uniform row:
    # measured relative to p_j (|log p_j| + |Σ p log p|)
    neg_h, log_p = _neg_entropy_terms(z)
    return [exp(lp) * (abs(lp) + abs(neg_h)) for lp in log_p]


entropy_bonus.grad_magnitude = _entropy_bonus_grad_magnitude


@reference("kl_penalty")
def kl_penalty(log_probs, ref_log_probs, estimator="k3"):
    x = ref_log_probs - log_probs  # log ρ
    return {"k1": -x, "k2": x**2 / 2, "k3": exp(x) - 1 - x}[estimator]


@reference("ppo_value")
def ppo_value(values, old_values, returns, clip=0.2):
    if clip is None:
        return (values - returns) ** 2 / 2
    eps = mp.mpf(clip)
    clipped = old_values + min(max(values - old_values, -eps), eps)
    return max((values - returns) ** 2, (clipped - returns) ** 2) / 2


# --- issue 20: self-supervised losses ------------------------------------------------------


def _unit_norm(v):
    n = mp.sqrt(mp.fsum(t * t for t in v))
    return [t / n for t in v], n


@reference("siglip")
def siglip(images, texts, logit_scale=10.0, logit_bias=-10.0):
    """A coupled loss: image i's loss Σ_j −log σ(z_ij (t x̂_i·ŷ_j + b)), from Zhai et al. (2023)."""
    u = [_unit_norm(r)[0] for r in images]
    v = [_unit_norm(r)[0] for r in texts]
    n = len(u)
    out = []
    for i in range(n):
        terms = []
        for j in range(n):
            s = logit_scale * mp.fsum(a * b for a, b in zip(u[i], v[j], strict=True)) + logit_bias
            z = 1 if i == j else -1
            terms.append(mp.log1p(exp(-z * s)))  # −log σ(z s)
        out.append(mp.fsum(terms))
    return out


def _siglip_grad_magnitude(images, texts, logit_scale=10.0, logit_bias=-10.0):
    """Per entry, the sizes of the terms its gradient sums: t |g_ij| (|ŷ_jk| + |x̂_ik|) / ‖x_i‖.

    They nearly cancel when every text lies close to the image's own direction.
    """
    us, vs = [_unit_norm(r) for r in images], [_unit_norm(r) for r in texts]
    n, t = len(us), logit_scale
    g = [[None] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            s = t * mp.fsum(a * b for a, b in zip(us[i][0], vs[j][0], strict=True)) + logit_bias
            z = 1 if i == j else -1
            g[i][j] = 1 / (1 + exp(z * s))  # |∂/∂s_ij| = σ(−z s)
    d = len(us[0][0])
    mag_u = [
        [
            mp.fsum(g[i][j] * (abs(vs[j][0][k]) + abs(us[i][0][k])) for j in range(n)) * t / us[i][1]
            for k in range(d)
        ]
        for i in range(n)
    ]
    mag_v = [
        [
            mp.fsum(g[i][j] * (abs(us[i][0][k]) + abs(vs[j][0][k])) for i in range(n)) * t / vs[j][1]
            for k in range(d)
        ]
        for j in range(n)
    ]
    return mag_u, mag_v


siglip.grad_magnitude = _siglip_grad_magnitude


@reference("byol")
def byol(p, z):
    # 2 − 2 cos(p, z) (Grill et al. 2020). Rounding p̂ and ẑ moves d = p̂ − ẑ by about ε, so the
    # value ‖d‖² is measured relative to ‖d‖² + 2‖d‖, the error an ulp of the inputs causes
    (pu, _), (zu, _) = _unit_norm(p), _unit_norm(z)
    value = 2 - 2 * mp.fsum(a * b for a, b in zip(pu, zu, strict=True))
    dist = mp.sqrt(mp.fsum((a - b) ** 2 for a, b in zip(pu, zu, strict=True)))
    return value, dist * dist + 2 * dist


def _byol_grad_magnitude(p, z):
    # −(2/‖p‖)(ẑ − (p̂·ẑ) p̂): its terms, which cancel for nearly parallel p and z
    (pu, n), (zu, _) = _unit_norm(p), _unit_norm(z)
    return [2 * (abs(b) + abs(a)) / n for a, b in zip(pu, zu, strict=True)]


byol.grad_magnitude = _byol_grad_magnitude


def _vicreg_parts(rows, gamma, eps):
    n, d = len(rows), len(rows[0])
    mean = [mp.fsum(r[k] for r in rows) / n for k in range(d)]
    xc = [[r[k] - mean[k] for k in range(d)] for r in rows]
    cov = [[mp.fsum(xc[i][a] * xc[i][b] for i in range(n)) / (n - 1) for b in range(d)] for a in range(d)]
    std = [mp.sqrt(cov[k][k] + eps) for k in range(d)]
    return mean, xc, cov, std


@reference("vicreg")
def vicreg(x, y, invariance=25.0, variance=25.0, covariance=1.0, gamma=1.0, eps=1e-4):
    """A coupled loss: row i's invariance term plus the batch's variance and covariance terms.

    Bardes et al. 2022, as facebookresearch/vicreg's main_vicreg.py at commit b42aa23.
    """
    n, d = len(x), len(x[0])
    shared = 0
    for rows in (x, y):
        _, _, cov, std = _vicreg_parts(rows, gamma, eps)
        shared += variance / 2 * mp.fsum(max(mp.mpf(0), gamma - s) for s in std) / d
        shared += covariance * mp.fsum(cov[a][b] ** 2 for a in range(d) for b in range(d) if a != b) / d
    return [
        invariance * mp.fsum((a - b) ** 2 for a, b in zip(x[i], y[i], strict=True)) / d + shared
        for i in range(n)
    ]


def _vicreg_grad_magnitude(x, y, invariance=25.0, variance=25.0, covariance=1.0, gamma=1.0, eps=1e-4):
    """Per entry, the sizes of the terms of ∂Σℓ/∂x_id, with |x_id| + |x̄_d| for the centred entry."""
    n, d = len(x), len(x[0])
    out = []
    for rows, other in ((x, y), (y, x)):
        mean, _, cov, std = _vicreg_parts(rows, gamma, eps)
        size = [[abs(r[k]) + abs(mean[k]) for k in range(d)] for r in rows]
        mag = []
        for i in range(n):
            mag.append(
                [
                    2 * invariance / d * (abs(rows[i][k]) + abs(other[i][k]))
                    + (n * variance / (2 * d) * size[i][k] / ((n - 1) * std[k]) if std[k] < gamma else 0)
                    + 4
                    * n
                    * covariance
                    / (d * (n - 1))
                    * mp.fsum(size[i][e] * abs(cov[e][k]) for e in range(d) if e != k)
                    for k in range(d)
                ]
            )
        out.append(mag)
    return out[0], out[1]


vicreg.grad_magnitude = _vicreg_grad_magnitude


def _batch_norm_columns(rows, eps):
    n, d = len(rows), len(rows[0])
    mean = [mp.fsum(r[k] for r in rows) / n for k in range(d)]
    std = [mp.sqrt(mp.fsum((r[k] - mean[k]) ** 2 for r in rows) / n + eps) for k in range(d)]
    return [[(r[k] - mean[k]) / std[k] for k in range(d)] for r in rows], std


def _barlow_parts(x, y, lambd, eps):
    n, d = len(x), len(x[0])
    a, sa = _batch_norm_columns(x, eps)
    b, sb = _batch_norm_columns(y, eps)
    c = [[mp.fsum(a[i][p] * b[i][q] for i in range(n)) / n for q in range(d)] for p in range(d)]
    return a, sa, b, sb, c


@reference("barlow_twins")
def barlow_twins(x, y, lambd=5e-3, eps=1e-5):
    """A batch statistic: every row's value is Σ(1 − C_dd)² + λ Σ C_de² (Zbontar et al. 2021).

    The embeddings get BatchNorm1d(affine=False)'s training-mode normalisation (biased variance + ε).
    """
    d = len(x[0])
    *_, c = _barlow_parts(x, y, lambd, eps)
    loss = mp.fsum((1 - c[p][p]) ** 2 for p in range(d))
    loss += lambd * mp.fsum(c[p][q] ** 2 for p in range(d) for q in range(d) if p != q)
    return [loss] * len(x)


def _barlow_grad_magnitude(x, y, lambd=5e-3, eps=1e-5):
    """Per entry of ∂Σℓ/∂x = N ∂ℒ/∂x, the sizes of the batch-norm backward's three terms."""
    n, d = len(x), len(x[0])
    a, sa, b, sb, c = _barlow_parts(x, y, lambd, eps)
    g = [[abs(2 * lambd * c[p][q]) if p != q else abs(2 * (1 - c[p][p])) for q in range(d)] for p in range(d)]

    def side(u, su, v, transpose):
        # |∂ℒ/∂u_ip|·N ≤ Σ_q |G| |v_iq|, then (|g| + mean|g| + |u| mean|g u|)/σ
        gu = [
            [mp.fsum((g[q][p] if transpose else g[p][q]) * abs(v[i][q]) for q in range(d)) for p in range(d)]
            for i in range(n)
        ]
        mean_g = [mp.fsum(gu[i][p] for i in range(n)) / n for p in range(d)]
        mean_gu = [mp.fsum(gu[i][p] * abs(u[i][p]) for i in range(n)) / n for p in range(d)]
        return [
            [(gu[i][p] + mean_g[p] + abs(u[i][p]) * mean_gu[p]) / su[p] for p in range(d)] for i in range(n)
        ]

    return side(a, sa, b, False), side(b, sb, a, True)


barlow_twins.grad_magnitude = _barlow_grad_magnitude


# --- issue 20: grpo, reinforce --------------------------------------------------------------


@reference("grpo")
def grpo(
    log_probs,
    old_log_probs,
    ref_log_probs,
    rewards,
    epsilon=0.2,
    epsilon_high=None,
    beta=0.04,
    scale_rewards="group",
    loss_type="grpo",
    max_completion_length=None,
    eps=1e-4,
    mask=None,
):
    """One group's loss, from DeepSeekMath's eq. 3.

    Advantages from the rewards, then per token −min(ρA, clip(ρ)A) + β(ρ_ref − log ρ_ref − 1),
    ρ_ref = π_ref/π_θ, averaged as ``loss_type`` says (the group is one sample, so ``"batch"``
    scaling is the group's). Returned with the sum of the terms' magnitudes.
    """
    g = len(rewards)
    mean = mp.fsum(rewards) / g
    var = mp.fsum((r - mean) ** 2 for r in rewards) / (g - 1) if g > 1 else mp.mpf(0)
    scale = 1 if scale_rewards == "none" else mp.sqrt(var) + mp.mpf(eps)
    adv = [(r - mean) / scale for r in rewards]
    low, high = 1 - mp.mpf(epsilon), 1 + mp.mpf(epsilon if epsilon_high is None else epsilon_high)
    masks = [[1] * len(row) if mask is None else mask[i] for i, row in enumerate(log_probs)]
    tokens = sum(sum(m) for m in masks)
    longest = len(log_probs[0]) if max_completion_length is None else max_completion_length
    total, size = [], []
    for i in range(g):
        m = masks[i]
        if loss_type == "grpo":  # the completion's token mean, then the mean over completions
            c = mp.mpf(1) / (max(sum(m), 1) * g)
        elif loss_type == "dr_grpo":
            c = mp.mpf(1) / (g * longest)
        else:  # bnpo / dapo: the group's token mean
            c = mp.mpf(1) / max(tokens, 1)
        for t, keep in enumerate(m):
            if not keep:
                continue
            rho = exp(log_probs[i][t] - old_log_probs[i][t])
            surrogate = -min(rho * adv[i], min(max(rho, low), high) * adv[i])
            x = ref_log_probs[i][t] - log_probs[i][t]
            kl = mp.mpf(beta) * (exp(x) - 1 - x)
            total += [c * surrogate, c * kl]
            size += [abs(c * surrogate), abs(c * kl)]
    return mp.fsum(total), mp.fsum(size)


@reference("reinforce")
def reinforce(log_prob, reward, baseline=None):
    """−(r − b)·log π at one completion: b = 0 or a given number (RLOO needs a group, not a point)."""
    b = mp.mpf(0) if baseline is None else mp.mpf(baseline)
    return -(reward - b) * log_prob


# --- issue 20: moe_load_balancing, denoising_score_matching, flow_matching ----------------


def _moe_parts(rows, top_k, alpha):
    """Softmax rows p, dispatch fractions f (Σ f = 1 over the T·k choices) and α·N."""
    t, n = len(rows), len(rows[0])
    probs = [[exp(v) for v in log_softmax(r)] for r in rows]
    counts = [0] * n
    for r in rows:
        # each token's k largest logits; among equal logits the lower expert index first
        for i in sorted(range(n), key=lambda i: (-r[i], i))[:top_k]:
            counts[i] += 1
    f = [mp.mpf(c) / (top_k * t) for c in counts]
    return probs, f, alpha * n


@reference("moe_load_balancing")
def moe_load_balancing(rows, top_k=1, alpha=1e-2):
    """A coupled loss: token t's value αN Σ_i f_i p_ti; their mean is αN Σ_i f_i P_i (Fedus et al. 2022)."""
    probs, f, scale = _moe_parts(rows, top_k, alpha)
    return [scale * mp.fsum(a * b for a, b in zip(f, p, strict=True)) for p in probs]


def _moe_grad_magnitude(rows, top_k=1, alpha=1e-2):
    # αN p_tj (f_j − Σ_i f_i p_ti): relative to the two terms' sizes, which cancel when f_j ≈ f·p_t
    probs, f, scale = _moe_parts(rows, top_k, alpha)
    out = []
    for p in probs:
        fp = mp.fsum(a * b for a, b in zip(f, p, strict=True))
        out.append([scale * pj * (fj + fp) for pj, fj in zip(p, f, strict=True)])
    return (out,)


moe_load_balancing.grad_magnitude = _moe_grad_magnitude


@reference("denoising_score_matching")
def denoising_score_matching(s, noisy, clean, sigma, sigma_power=2.0):
    # σ^p/2 · Σ (s + (x̃ − x)/σ²)² (Vincent 2011; Song & Ermon 2019: p = 2). The sum inside cancels
    # when s ≈ −(x̃ − x)/σ²: measured relative to its terms' sizes, the inputs' rounding cost
    sig = mp.mpf(sigma)
    w = sig ** mp.mpf(sigma_power) / 2
    terms = [a + (b - c) / sig**2 for a, b, c in zip(s, noisy, clean, strict=True)]
    sizes = [abs(a) + (abs(b) + abs(c)) / sig**2 for a, b, c in zip(s, noisy, clean, strict=True)]
    return w * mp.fsum(t * t for t in terms), w * mp.fsum(z * z for z in sizes)


def _dsm_grad_magnitude(s, noisy, clean, sigma, sigma_power=2.0):
    sig = mp.mpf(sigma)
    w = sig ** mp.mpf(sigma_power)
    return [w * (abs(a) + (abs(b) + abs(c)) / sig**2) for a, b, c in zip(s, noisy, clean, strict=True)]


denoising_score_matching.grad_magnitude = _dsm_grad_magnitude


@reference("flow_matching")
def flow_matching(v, x0, x1, sigma_min=0.0):
    # (1/D) Σ (v − x1 + (1 − σ_min) x0)² (Lipman et al. 2023, eq. 23, averaged over the D features),
    # relative to the three terms' sizes where they cancel
    c = 1 - mp.mpf(sigma_min)
    d = len(v)
    terms = [a - b + c * z for a, z, b in zip(v, x0, x1, strict=True)]
    sizes = [abs(a) + abs(b) + abs(c * z) for a, z, b in zip(v, x0, x1, strict=True)]
    return mp.fsum(t * t for t in terms) / d, mp.fsum(z * z for z in sizes) / d


def _flow_grad_magnitude(v, x0, x1, sigma_min=0.0):
    c = 1 - mp.mpf(sigma_min)
    return [2 * (abs(a) + abs(b) + abs(c * z)) / len(v) for a, z, b in zip(v, x0, x1, strict=True)]


flow_matching.grad_magnitude = _flow_grad_magnitude


# --- transport ----------------------------------------------------------------------------


_SINKHORN_WARM = {}


def _sq_dist(p, q):
    return mp.fsum((u - v) ** 2 for u, v in zip(p, q, strict=True))


def _ot_lse(terms):
    m = max(terms)
    return m + mp.log(mp.fsum(exp(t - m) for t in terms))


def _ot_equations(c, log_a, log_b, eps, f, g):
    """The fixed-point residuals f_i + ε LSE_j(log b_j + (g_j − C_ij)/ε) and g_j likewise."""
    n, m = len(f), len(g)
    rf = [f[i] + eps * _ot_lse([log_b[j] + (g[j] - c[i][j]) / eps for j in range(m)]) for i in range(n)]
    rg = [g[j] + eps * _ot_lse([log_a[i] + (f[i] - c[i][j]) / eps for i in range(n)]) for j in range(m)]
    return rf, rg


def _ot_potentials(c, a, b, eps, symmetric):
    """Dual potentials of OT_ε: the solution of the Schrödinger (fixed-point) equations.

    A warm start from alternating Sinkhorn updates at 30 digits (ε halved from the largest cost,
    as the float64 code cannot be trusted to supply it), then Newton's method on the equations
    at the working precision: quadratic convergence to every digit. A symmetric problem (OT(x, x))
    solves for one potential f = g, which has no (f + c, g − c) gauge to fix; the others fix
    g_m and drop its equation (implied by the others: both marginals carry mass 1).
    """
    n, m = len(a), len(b)
    costs = tuple(float(v) for row in c for v in row)
    key = (costs, tuple(map(float, a)), tuple(map(float, b)), float(eps), symmetric)
    if key not in _SINKHORN_WARM:
        with mp.workdps(30):
            cf = [[mp.mpf(float(v)) for v in row] for row in c]
            la, lb = [mp.log(v) for v in a], [mp.log(v) for v in b]
            e, top = mp.mpf(float(eps)), max(max(row) for row in cf)
            stages = [e]
            while stages[-1] < top:
                stages.append(2 * stages[-1])
            f, g = [mp.mpf(0)] * n, [mp.mpf(0)] * m
            for k, s in enumerate(reversed(stages)):
                for _ in range(5000 if k == len(stages) - 1 else 200):
                    f = [-s * _ot_lse([lb[j] + (g[j] - cf[i][j]) / s for j in range(m)]) for i in range(n)]
                    if symmetric:  # f ← (f + T(f))/2 (Feydy et al.): no crawl between far blocks
                        f = [(u + v) / 2 for u, v in zip(f, g, strict=True)]
                        g = f
                    else:
                        g = [
                            -s * _ot_lse([la[i] + (f[i] - cf[i][j]) / s for i in range(n)]) for j in range(m)
                        ]
                    rf, _ = _ot_equations(cf, la, lb, s, f, g)
                    if max(abs(v) for v in rf) < s * mp.mpf(10) ** (-4 if s > e else -20):
                        break
        _SINKHORN_WARM[key] = (f, g)
    f, g = (list(map(mp.mpf, v)) for v in _SINKHORN_WARM[key])
    log_a, log_b = [mp.log(v) for v in a], [mp.log(v) for v in b]
    if symmetric:
        f = [(u + v) / 2 for u, v in zip(f, g, strict=True)]
    for _ in range(60):
        if symmetric:
            rf, _ = _ot_equations(c, log_a, log_b, eps, f, f)
            # ∂/∂f_k of f_i + ε LSE_j(log a_j + (f_j − C_ij)/ε) = δ_ik + softmax_k
            rows = []
            for i in range(n):
                w = [exp(log_a[j] + (f[j] - c[i][j]) / eps) for j in range(n)]
                total = mp.fsum(w)
                rows.append([(1 if i == k else 0) + w[k] / total for k in range(n)])
            step = mp.lu_solve(mp.matrix(rows), mp.matrix(rf))
            f = [f[i] - step[i] for i in range(n)]
            g = f
            size = max(abs(v) for v in step)
        else:
            rf, rg = _ot_equations(c, log_a, log_b, eps, f, g)
            rows = []
            for i in range(n):  # ∂F_i/∂f = δ, ∂F_i/∂g_j = the softmax over j (g_m fixed)
                w = [exp(log_b[j] + (g[j] - c[i][j]) / eps) for j in range(m)]
                total = mp.fsum(w)
                rows.append([1 if i == k else 0 for k in range(n)] + [w[j] / total for j in range(m - 1)])
            for j in range(m - 1):
                w = [exp(log_a[i] + (f[i] - c[i][j]) / eps) for i in range(n)]
                total = mp.fsum(w)
                rows.append([w[i] / total for i in range(n)] + [1 if j == k else 0 for k in range(m - 1)])
            step = mp.lu_solve(mp.matrix(rows), mp.matrix(rf + rg[: m - 1]))
            f = [f[i] - step[i] for i in range(n)]
            g = [g[j] - step[n + j] for j in range(m - 1)] + [g[m - 1]]
            size = max(abs(v) for v in step)
        if size <= (abs(eps) + max(abs(v) for v in f + g)) * mp.mpf(2) ** (-mp.mp.prec + 8):
            break
    return f, g


def _ot_value(x, y, a, b, eps, symmetric=False):
    """OT_ε = ⟨P, C⟩ + ε KL(P ‖ a⊗b) at the optimal plan P_ij = a_i b_j e^{(f_i + g_j − C_ij)/ε}."""
    c = [[_sq_dist(p, q) for q in y] for p in x]
    f, g = _ot_potentials(c, a, b, eps, symmetric)
    total = mp.mpf(0)
    for i in range(len(x)):
        for j in range(len(y)):
            log_ratio = (f[i] + g[j] - c[i][j]) / eps  # log(P_ij / (a_i b_j))
            p = a[i] * b[j] * exp(log_ratio)
            total += p * c[i][j] + eps * p * log_ratio
    return total


@reference("sinkhorn")
def sinkhorn(x, y, epsilon, a=None, b=None, debias=False, tol=None, max_iter=None):
    """Entropic OT between the clouds x (n × d) and y (m × d), squared Euclidean cost (Cuturi 2013).

    Debiased: OT_ε(x, y) − ½OT_ε(x, x) − ½OT_ε(y, y) (Feydy et al. 2019).
    """
    eps = mp.mpf(epsilon)
    a = [mp.mpf(1) / len(x)] * len(x) if a is None else [mp.mpf(v) for v in a]
    b = [mp.mpf(1) / len(y)] * len(y) if b is None else [mp.mpf(v) for v in b]
    value = _ot_value(x, y, a, b, eps)
    if debias:
        value -= (_ot_value(x, x, a, a, eps, True) + _ot_value(y, y, b, b, eps, True)) / 2
    return value


@reference("rnnt")
def rnnt(logits, targets, logit_length, target_length, blank=0):
    """Graves' forward recursion over the T × (U + 1) lattice, in probabilities (no logs).

    A(t, u) sums every partial alignment that reaches frame t with u labels emitted:
    A(t, u) = A(t − 1, u) p_{t−1,u}(∅) + A(t, u − 1) p_{t,u−1}(y_u), A(0, 0) = 1, and
    P(y | x) = A(T − 1, U) p_{T−1,U}(∅), with p = softmax of each node's logits.
    """
    frames, labels = int(logit_length), [int(k) for k in targets[: int(target_length)]]
    blank = blank % len(logits[0][0])
    p = [[_softmax(node) for node in row] for row in logits]
    a = [[mp.mpf(0)] * (len(labels) + 1) for _ in range(frames)]
    for t in range(frames):
        for u in range(len(labels) + 1):
            if t == 0 and u == 0:
                a[t][u] = mp.mpf(1)
                continue
            above = a[t - 1][u] * p[t - 1][u][blank] if t > 0 else 0
            left = a[t][u - 1] * p[t][u - 1][labels[u - 1]] if u > 0 else 0
            a[t][u] = above + left
    return -mp.log(a[frames - 1][len(labels)] * p[frames - 1][len(labels)][blank])


# --- issue 20: negative_sampling ------------------------------------------------------------


@reference("negative_sampling")
def negative_sampling(negatives, positive):
    # Mikolov et al. (2013), eq. 4 with scores s = v'·v: −log σ(s⁺) − Σ_k log σ(−s⁻_k)
    return -log_sigmoid(positive) - mp.fsum(log_sigmoid(-s) for s in negatives)


# --- issue 20: critic gradient penalties (gradient_penalty) ---


@reference("gradient_penalty")
def gradient_penalty(g, lam=10.0):
    # λ(‖g‖ − 1)²; near ‖g‖ = 1 it cancels: measured relative to λ·(‖g‖ + 1)²
    norm = mp.sqrt(mp.fsum(v * v for v in g))
    return lam * (norm - 1) ** 2, lam * (norm + 1) ** 2


@reference("r1_penalty")
def r1_penalty(g, gamma=10.0):
    # Mescheder et al. (2018), R1: γ/2·‖∇D‖²
    return gamma / 2 * mp.fsum(v * v for v in g)


# --- issue 20: relativistic average GAN (variant="relativistic_average" of gan_discriminator and
# gan_generator; their registered references above are per sample, this one needs the batch) ---


def relativistic_average_gan(real, fake):
    """RaSGAN's discriminator loss per (real, fake) pair, Jolicoeur-Martineau (2018), section 4.

    −log σ(d_r − mean d_f) − log(1 − σ(d_f − mean d_r)); the generator's loss is the same
    function with the real and fake batches swapped.
    """
    mean_real, mean_fake = mp.fsum(real) / len(real), mp.fsum(fake) / len(fake)
    return [
        -log_sigmoid(r - mean_fake) - log_sigmoid(-(f - mean_real)) for r, f in zip(real, fake, strict=True)
    ]


# --- issue 20: sampled_softmax ---------------------------------------------------------------


@reference("sampled_softmax")
def sampled_softmax(negatives, positive, negative_log_counts, positive_log_counts):
    # Jean et al. (2015), sec. 3: −log softmax of the corrected row [s⁺ − log k⁺, s⁻_k − log k⁻_k] at 0
    z_pos = positive - positive_log_counts
    z_neg = [s - c for s, c in zip(negatives, negative_log_counts, strict=True)]
    return mp.log(exp(z_pos) + mp.fsum(exp(z) for z in z_neg)) - z_pos


# --- issue 20: generalized_jsd ---


@reference("generalized_jsd")
def generalized_jsd(a, b, beta=0.5):
    # Agarwal et al. (2024), eq. 1: β KL(t ‖ m) + (1 − β) KL(s ‖ m), m = β t + (1 − β) s; each class
    # adds β t log(t/m) + (1 − β) s log(s/m) >= 0 (a binary KL times m), so the sum cancels nothing
    beta = mp.mpf(beta)
    s, t = [exp(v) for v in a], [exp(v) for v in b]
    m = [beta * tk + (1 - beta) * sk for sk, tk in zip(s, t, strict=True)]
    terms = zip(s, t, m, strict=True)
    return mp.fsum(beta * xlogy(tk, tk / mk) + (1 - beta) * xlogy(sk, sk / mk) for sk, tk, mk in terms)


# --- issue 20: nce ----------------------------------------------------------------------------


@reference("nce")
def nce(negatives, positive, negative_log_counts, positive_log_counts):
    # Gutmann & Hyvärinen (2010); Mnih & Teh (2012): −log σ(s⁺ − log k⁺) − Σ_k log σ(−(s⁻_k − log k⁻_k))
    def log1p_exp(z):
        return mp.log(1 + exp(z))

    terms = [log1p_exp(-(positive - positive_log_counts))]
    terms += [log1p_exp(s - c) for s, c in zip(negatives, negative_log_counts, strict=True)]
    return mp.fsum(terms)


# --- issue 20: mmd ---


@reference("mmd")
def mmd(x, y, bandwidth, estimator="unbiased"):
    """Gretton et al. (2012), eqs. 3 and 5: MMD² from the means of a (sum of) Gaussian kernel(s).

    Returned with the scale it is measured against: the value is a difference of kernel means,
    and since the means of the constant 1 cancel (1 + 1 − 2 = 0) it is equally the same
    difference of the means of k − 1. Rounding the inputs costs a few ulps of the smaller of
    the two sums of the terms' magnitudes (per bandwidth, summed over the bandwidths).
    """
    sigmas = [mp.mpf(s) for s in (bandwidth if isinstance(bandwidth, list | tuple) else [bandwidth])]
    n, m = len(x), len(y)
    off = estimator == "unbiased"

    def means(f):
        xx = [f(x[i], x[j]) for i in range(n) for j in range(n) if not (off and i == j)]
        yy = [f(y[i], y[j]) for i in range(m) for j in range(m) if not (off and i == j)]
        xy = [f(x[i], y[j]) for i in range(n) for j in range(m)]
        return mp.fsum(xx) / len(xx), mp.fsum(yy) / len(yy), mp.fsum(xy) / len(xy)

    value = scale = mp.mpf(0)
    for s in sigmas:

        def k(p, q, s=s):
            return exp(-mp.fsum((a - b) ** 2 for a, b in zip(p, q, strict=True)) / (2 * s * s))

        a, b, c = means(k)
        ea, eb, ec = means(lambda p, q, k=k: k(p, q) - 1)  # all ≤ 0
        value += a + b - 2 * c
        scale += min(a + b + 2 * c, -(ea + eb + 2 * ec))
    return value, scale
