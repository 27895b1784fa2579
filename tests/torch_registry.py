"""Which losses have a PyTorch reference, registered once per loss.

``@torch_reference(name, call)`` marks a function in scripts/torch_reference.py as PyTorch's
side of ``name`` and records the call it makes (written into each golden case as
``reference``); ``no_torch(name, reason)`` records a loss with no PyTorch reference and why.
This module does not import torch, so the golden tests can read ``NO_TORCH`` without it;
tests/test_conformance.py checks, when torch is installed, that every loss is in exactly one.
"""

TORCH_REFERENCES = {}  # name -> (function, the PyTorch call it makes)
NO_TORCH = {}  # name -> why PyTorch has no reference for it
LIVE_ONLY = {}  # name -> the test in tests/test_conformance.py that runs it against PyTorch live


def torch_reference(name, call):
    def register(fn):
        if name in TORCH_REFERENCES or name in NO_TORCH:
            raise ValueError(f"{name!r} is registered twice")
        TORCH_REFERENCES[name] = (fn, call)
        return fn

    return register


def no_torch(name, reason, live_test=None):
    """``live_test``: a test that still runs the loss against PyTorch, live only (no golden vectors)."""
    if name in TORCH_REFERENCES or name in NO_TORCH:
        raise ValueError(f"{name!r} is registered twice")
    NO_TORCH[name] = reason
    if live_test:
        LIVE_ONLY[name] = live_test


no_torch("tweedie_deviance", "scikit-learn's mean_tweedie_deviance (live) and mpmath check it")
no_torch("gamma_deviance", "scikit-learn's mean_gamma_deviance (live) and mpmath check it")
no_torch(
    "perceptual",
    "its hyperparameters are functions (the user's network), which golden vectors cannot hold",
    live_test="test_perceptual_matches_torch_autograd",
)

# issue 19: losses PyTorch has no function for
no_torch(
    "msle",
    "no PyTorch function; Keras MeanSquaredLogarithmicError and scikit-learn mean_squared_log_error "
    "(golden and live) and mpmath check it",
)
no_torch(
    "epsilon_insensitive",
    "no PyTorch function; scikit-learn's SGD losses EpsilonInsensitive and SquaredEpsilonInsensitive "
    "(golden and live) and mpmath check it",
)
no_torch(
    "expectile",
    "no PyTorch function (nor Keras, optax or scikit-learn); mpmath and hand-computed values check it",
)
no_torch(
    "barron",
    "no PyTorch function (Barron's robust_loss_pytorch is a separate package); mpmath at every α variant, "
    "and lossref's charbonnier and cauchy at α = 1 and 0, check it",
)
no_torch(
    "crps_gaussian",
    "no PyTorch function (nor Keras, optax or scikit-learn); mpmath (value and both gradients) and the "
    "integral definition, by quadrature in tests/test_losses.py, check it",
)
no_torch(
    "generalized_kl",
    "no PyTorch function; optax generalized_kl_divergence (golden and live), scikit-learn's NMF "
    "β = 1 divergence (golden and live) and mpmath check it",
)
no_torch(
    "cox_partial_likelihood",
    "no PyTorch function (nor Keras, optax or scikit-learn); mpmath and hand-computed risk sets check it",
)
no_torch(
    "perceptron",
    "no PyTorch loss (it is torch.clamp(-y * f, min=0)); scikit-learn's Hinge(0.0), the loss of "
    'SGDClassifier(loss="perceptron") (golden and live), and mpmath check it',
)
no_torch(
    "sparsemax_loss",
    "no PyTorch function (sparsemax is not in torch.nn); optax multiclass_sparsemax_loss and its binary "
    "sparsemax_loss (golden and live), mpmath and hand-computed supports check it",
)

# issue 20
no_torch(
    "z_loss",
    "no PyTorch function (torch.logsumexp(z, -1).square() is the formula); mpmath and hand values check it, "
    "and T5X's definition is dated on the page",
)
no_torch(
    "proxy_anchor",
    "no PyTorch function (the loss owns learnable proxies); pytorch-metric-learning 2.9.0's ProxyAnchorLoss "
    "with the proxies set (golden and live), a hand-computed value and mpmath check it",
)
no_torch(
    "proxy_nca",
    "no PyTorch function (the loss owns learnable proxies); pytorch-metric-learning 2.9.0's ProxyNCALoss "
    "with the proxies set (golden and live), a hand-computed value and mpmath check it",
)
no_torch(
    "nca",
    "no PyTorch function; pytorch-metric-learning 2.9.0's NCALoss (golden and live), scikit-learn 1.9.1's "
    "NeighborhoodComponentsAnalysis objective (live, tests/test_losses.py), a hand-computed value and mpmath "
    "check it",
)
no_torch(
    "circle",
    "no PyTorch function; Keras 3.15.1 keras.losses.Circle (value and gradient, golden and live), "
    "pytorch-metric-learning 2.9.0 CircleLoss (value), mpmath and hand-computed values check it",
)
no_torch(
    "multi_similarity",
    "no PyTorch function; pytorch-metric-learning 2.9.0 MultiSimilarityLoss (value and gradient, golden "
    "and live), mpmath and hand-computed values check it",
)
no_torch(
    "lifted_structure",
    "no PyTorch function; pytorch-metric-learning 2.9.0 LiftedStructureLoss with unnormalised LpDistance "
    "(value and gradient, golden and live), mpmath and hand-computed values check it",
)
no_torch(
    "ssim",
    "no PyTorch loss; Kornia 0.9.0's ssim_loss (golden and live, value and gradient), mpmath and a "
    "hand-computed flat-image value check it",
)
no_torch(
    "hausdorff_dt",
    "no PyTorch, Keras or optax loss (MONAI's HausdorffDTLoss, named with its release on the page, is not "
    "installed); mpmath with brute-force distance maps and hand-computed distances check it",
)
