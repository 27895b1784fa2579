"""Sequence losses: per-token predictions over a time axis, with padding."""

import numpy as np

from ._checks import as_float_array
from ._core import class_axis_loss
from ._domains import LOGITS
from .classification import (
    _INTEGER_LABELS,
    _label_cross_entropy,
    _logit_curve,
    _softmax_inputs,
)

_NORMALIZE = ("tokens", "sequences")


def _token_mask(mask, labels):
    """The 0/1 mask of real tokens (all ones if None), the shape of ``labels``."""
    if mask is None:
        return np.ones(labels.shape)
    m = np.asarray(mask)
    m = as_float_array(m.astype(np.float64) if m.dtype == np.bool_ else m, "mask")
    if m.shape != labels.shape:
        raise ValueError(f"mask has shape {m.shape} but labels has shape {labels.shape}; they must match")
    if not np.isin(m, (0.0, 1.0)).all():
        raise ValueError(f"mask must be 0 or 1 (1 marks a real token); got {float(m[~np.isin(m, (0.0, 1.0))].flat[0])!r}")
    return m


@class_axis_loss(
    explore={"label_smoothing": (0.0, 0.5)},
    family="sequence",
    formula=(
        r"\ell_{b,t} = m_{b,t}\,\big(\mathrm{LSE}(z_{b,t}) - z_{b,t,y_{b,t}}\big) \quad (\varepsilon = 0)",
        r"\mathcal L = \frac{\sum_{b,t} \ell_{b,t}}{\sum_{b,t} m_{b,t}}\ \text{(tokens)}, \qquad \frac{\sum_{b,t} \ell_{b,t}}{B}\ \text{(sequences)}",
    ),
    gradient=r"\frac{\partial \ell_{b,t}}{\partial z_{b,t}} = m_{b,t}\,(p_{b,t} - e_{y_{b,t}}) \quad (\varepsilon = 0)",
    domain={"logits": LOGITS, "labels": _INTEGER_LABELS},
    use_case="Language models and seq2seq decoders: token-level cross-entropy over padded batches (and perplexity).",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.functional.cross_entropy(z.flatten(0, 1), y.flatten(), ignore_index=-100) with padding labels set to -100",
        "Keras": "keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=pad_id)",
        "optax": "optax.losses.softmax_cross_entropy_with_integer_labels(z, y, where=mask), then sum / mask.sum()",
    },
    references=(
        "Jelinek, Mercer, Bahl & Baker, Perplexity—a measure of the difficulty of speech recognition tasks (1977)",
        "Vaswani et al., Attention Is All You Need (2017)",
    ),
    curve=_logit_curve(tuple(
        (f"ε = {e:g}", {}, {"label_smoothing": e}) for e in (0.0, 0.1, 0.3)
    )),
    variants=({"label_smoothing": 0.1}, {"normalize": "sequences"}),
    extremes=(
        ([[[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0]], [[40.0, 0.0, 1.0], [-745.0, 0.0, 0.0], [1e4, 0.0, 0.0]]],
          [[0, 0, 2], [0, 0, -100]]], {"mask": [[1, 1, 1], [1, 1, 0]]}),
        ([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 0]], {"label_smoothing": 0.1}),
        ([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 7]], {"mask": [1.0, 0.0], "normalize": "sequences"}),
    ),
    invalid=(
        ({"label_smoothing": 1.5}, ValueError, "label_smoothing must be in [0, 1]"),
        ({"normalize": "batch"}, ValueError, "normalize must be 'tokens' or 'sequences'"),
        ({"mask": [[1.0, 0.0]]}, ValueError, "mask has shape (1, 2) but labels has shape"),
    ),
    reduction_note=(
        "The per-sample values are per token (padding gives 0). With `normalize=\"tokens\"` "
        "`\"mean\"` divides by the number of real tokens Σm (PyTorch's `ignore_index`, Keras' "
        "`ignore_class`); with `\"sequences\"` by the number of sequences B (every axis of the "
        "labels but the last, time), padding or not. `\"sum\"` is the raw total; `weights=` "
        "(per token) multiply each token's share of the denominator."
    ),
)
def sequence_cross_entropy(logits, labels, *, mask=None, label_smoothing=0.0, normalize="tokens"):
    """Token-level softmax cross-entropy over padded sequences.

    Args:
        logits: Logits z, shape (B, T, V): batch, time, vocabulary (any leading axes;
            the last axis of ``labels`` is time).
        labels: Integer token ids in [0, V), shape (B, T). Entries under ``mask == 0``
            are not read (padding may hold any integer, e.g. -100).
        mask: Optional 0/1 array, shape (B, T): 1 marks a real token. None: all real.
        label_smoothing: ε in [0, 1]; each token's target becomes (1 - ε)·e_y + ε/V.
        normalize: ``"tokens"`` (default): ``"mean"`` divides by the number of real
            tokens. ``"sequences"``: by the batch size B (a per-sequence sum, averaged).

    Returns:
        The mean loss by default; ``reduction="none"`` gives one value per token (0 at
        padding). Perplexity is ``exp`` of the token mean.

    Examples:
        >>> from lossref import sequence_cross_entropy as seq_ce
        >>> z = [[[0.0, 0.0], [0.0, 0.0]]]                  # B = 1, T = 2, V = 2
        >>> seq_ce(z, [[1, -100]], mask=[[1, 0]])             # log 2 / 1 real token
        0.6931471805599453
        >>> seq_ce.grad(z, [[1, -100]], mask=[[1, 0]])        # p - e_y, 0 at padding
        array([[[ 0.5, -0.5],
                [ 0. ,  0. ]]])
    """
    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be 'tokens' or 'sequences'; got {normalize!r}")
    log_p, w = _softmax_inputs(logits, label_smoothing, None)
    m = _token_mask(mask, labels)
    # padding may hold any integer (-100, a pad id): read label 0 there, then mask it out
    value, grad, _ = _label_cross_entropy(log_p, np.where(m > 0, labels, 0), "labels", w, label_smoothing, None)
    if normalize == "tokens":
        norm = m
    else:  # each token's share of B: 1/T, so that the shares of all B·T tokens add up to B
        norm = np.full(labels.shape, 1.0 / (labels.shape[-1] if labels.ndim else 1))
    return np.where(m > 0, value, 0.0), np.where(m[..., None] > 0, grad, 0.0), norm
