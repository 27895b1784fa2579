"""Stable elementary functions shared by several losses."""

import numpy as np


def softplus(x):
    """log(1 + e^x) without overflow: logaddexp(0, x) = max(x, 0) + log1p(e^-|x|)."""
    return np.logaddexp(0.0, x)


def sigmoid(x):
    """σ(x) = exp(-softplus(-x)): finite and accurate for |x| up to float64's range."""
    return np.exp(-softplus(-x))


def log_softmax(z):
    """z - LSE(z) over the last axis; LSE shifted by the row maximum, so e^z never overflows."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def xlogy(x, y):
    """x·log(y) with the convention 0·log(0) = 0 (as scipy.special.xlogy)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))
