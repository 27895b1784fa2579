"""Helpers shared by the losses that take a class axis and integer labels."""

from dataclasses import replace

import numpy as np

from ._checks import as_array, as_float_array, as_label_array, in_unit_interval, last_axis
from ._core import Curve, Result
from ._domains import CLASS_LABEL
from ._math import as_rows, log_softmax


def _logit_curve(series):
    """Plot against the logit of the true class y (of three; other logits 0).

    The true class is class 0 unless a series sets ``{"y": label}``.
    """
    return Curve(
        x_label="logit of the true class z_y (other two logits = 0)",
        grad_label="gradient ∂ℓ/∂z_y",
        x_range=(-6.0, 6.0),
        args=lambda x, y=0: (np.where(np.arange(3) == y, x[..., None], 0.0), np.full(x.shape, y)),
        series=series,
        component=lambda g, args: _pick(g, args[1]),
    )


def _class_weights(class_weights, num_classes, name="class_weights"):
    if class_weights is None:
        return np.ones(num_classes)
    w = as_float_array(class_weights, name)
    if w.shape != (num_classes,):
        raise ValueError(f"{name} must have shape ({num_classes},), one per class; got {w.shape}")
    if (w < 0).any():
        raise ValueError(f"{name} must be >= 0")
    if not w.any():  # every sample would weigh 0: a zero loss, or a mean of nothing
        raise ValueError(f"{name} must not all be 0 (every sample would get weight 0)")
    return w


def _empty_label_mean(first, labels, *, class_weights=None, ignore_index=None, **_):
    """Why a mean over integer labels has a zero denominator (``Meta.empty_mean``)."""
    if ignore_index is not None and (labels == ignore_index).all():
        return f"every label equals ignore_index ({ignore_index}), so no sample is left to average"
    return "class_weights is 0 for every label in the batch, so the denominator Σ w_y is 0"


def _check_labels(labels, logits, name, ignore_index):
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"{name} has shape {labels.shape} but {logits.shape[:-1]} was expected "
            f"(the shape of the first argument {logits.shape} without its class axis)"
        )
    if ignore_index is not None and (
        isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer))
    ):
        raise TypeError(f"ignore_index must be an int or None, got {type(ignore_index).__name__}")
    keep = np.ones(labels.shape, bool) if ignore_index is None else labels != ignore_index
    bad = labels[keep & ((labels < 0) | (labels >= logits.shape[-1]))]
    if bad.size:
        raise ValueError(
            f"{name} must be in [0, {logits.shape[-1]}) (the number of classes); got {bad.flat[0]}"
        )
    return keep, np.where(keep, labels, 0)


def _check_class_axis(arr, name):
    last_axis(arr, name, why="; got a scalar")


def _softmax_inputs(logits, label_smoothing, class_weights):
    """Validate what every softmax cross-entropy shares; return log p and the class weights."""
    _check_class_axis(logits, "logits")
    in_unit_interval(label_smoothing=label_smoothing)
    return log_softmax(logits), _class_weights(class_weights, logits.shape[-1])


def _pick(log_p, labels):
    """log p_y: each row's entry at its label (``labels``: the shape of log_p without its last axis)."""
    rows, index = as_rows(log_p)
    return rows[index, labels.reshape(-1)].reshape(labels.shape)


def _p_minus_onehot(log_p, labels, log_p_y):
    """p - e_y, with p_y - 1 = expm1(log p_y): accurate when p_y is within 1e-16 of 1."""
    # C order whatever log_p's (a ufunc keeps a Fortran-ordered input's layout): the rows must
    # be a view for the pair index below to write into out
    out = np.exp(log_p, order="C")
    rows, index = as_rows(out)
    rows[index, labels.reshape(-1)] = np.expm1(log_p_y).reshape(-1)
    return out


def _label_cross_entropy(log_p, labels, name, w, eps, ignore_index):
    """Softmax cross-entropy against integer ``labels`` (argument ``name``), from log p.

    Returns a ``Result``: the per-sample values, the (deferred) gradient in the logits and,
    as ``norm``, each sample's class weight w_y (0 if ignored): PyTorch's ``"mean"`` denominator.
    """
    num_classes = log_p.shape[-1]
    keep, labels = _check_labels(labels, log_p, name, ignore_index)
    w_y = np.where(keep, w[labels], 0.0)
    log_p_y = _pick(log_p, labels)
    smooth = -(log_p * w).sum(axis=-1) / num_classes
    value = (1.0 - eps) * w_y * (0.0 - log_p_y) + eps * np.where(keep, smooth, 0.0)

    def backward():
        return (1.0 - eps) * w_y[..., None] * _p_minus_onehot(log_p, labels, log_p_y) + (
            eps / num_classes
        ) * (w.sum() * np.exp(log_p) - w) * keep[..., None]

    return Result(value, backward, w_y)


def _integer_labels(value, name):
    """Integer class labels; probability targets are pointed to softmax_cross_entropy."""
    arr = as_array(value, name)
    if np.issubdtype(arr.dtype, np.floating):
        raise TypeError(
            f"{name} must be integer class indices, got dtype {arr.dtype}; for one-hot or "
            "soft probability targets use softmax_cross_entropy"
        )
    return as_label_array(arr, name)


_INTEGER_LABELS = replace(CLASS_LABEL, convert=_integer_labels)
