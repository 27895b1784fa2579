"""The Keras, optax, pytorch-metric-learning and Kornia conformance cases.

Each is a call into the framework, written as it runs.

A case names the lossref loss, the framework, the exact ``call`` (a Python expression over the
case's ``inputs``, run by scripts/jax_reference.py with ``keras``, ``optax`` and ``jnp`` in scope,
or by scripts/torch_libs_reference.py with ``torch``, ``pml`` and ``kornia`` in scope)
and ``ours``, the lossref expression that must give the same value (``None``: no lossref
expression does, and a test in test_differences.py reads the stored value instead). ``grad``
names the input both sides are differentiated by (the first argument of ``ours``), or is None.

Keras is run with floatx float64 on the JAX backend with x64 enabled, but its ``ops.mean``
still computes in float32 (Keras 3.15.1 maps 64-bit to 32-bit in ``result_type``: see
``test_keras_mean_is_float32``), so a Keras loss that averages over the last axis is only
float32-exact: Keras cases compare at ``rtol=1e-6``. optax runs in float64 throughout: 1e-12.
pytorch-metric-learning and Kornia run on float64 tensors: 1e-12.
"""

import json
import re

import numpy as np

KERAS_VERSION, OPTAX_VERSION, JAX_VERSION = "3.15.1", "0.2.8", "0.10.2"
PML_VERSION, KORNIA_VERSION, TORCH_VERSION = "2.9.0", "0.9.0", "2.13.0"
RTOL = {"Keras": 1e-6, "optax": 1e-12, "pytorch-metric-learning": 1e-12, "Kornia": 1e-12}
GOLDEN_FILES = {
    "Keras": "keras.json",
    "optax": "optax.json",
    "pytorch-metric-learning": "pml.json",
    "Kornia": "kornia.json",
}
# the packages each runner needs at these exact versions for the live cases
PINNED = {
    "jax": {"keras": KERAS_VERSION, "optax": OPTAX_VERSION, "jax": JAX_VERSION, "jaxlib": JAX_VERSION},
    "torch": {
        "pytorch-metric-learning": PML_VERSION,
        "kornia": KORNIA_VERSION,
        "torch": TORCH_VERSION + "+cpu",
    },
}


def _inputs():
    rng = np.random.default_rng(15)
    n, c = 5, 4
    labels = np.array([0, 2, 1, 3, 2])
    onehot = np.eye(c)[labels]
    q = rng.uniform(0.1, 1.0, size=(n, c))
    p = rng.uniform(0.1, 1.0, size=(n, c))
    seq_mask = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]])
    ctc_logits = rng.normal(size=(3, 6, 4))
    return {
        "y_pred": rng.normal(size=(n, 3)),
        "y_true": rng.normal(size=(n, 3)),
        "positive": rng.uniform(0.5, 3.0, size=(n, 3)),  # targets away from 0 (MAPE)
        "probs": rng.uniform(0.05, 0.95, size=(n, 3)),
        "y01": rng.integers(0, 2, size=(n, 3)).astype(float),
        "ypm": 2.0 * rng.integers(0, 2, size=(n, 3)) - 1.0,
        "logits": 2.0 * rng.normal(size=(n, c)),
        "scores": 2.0 * rng.normal(size=(n, 3)),
        "labels": labels,
        "onehot": onehot,
        "q": q / q.sum(axis=1, keepdims=True),
        "p": p / p.sum(axis=1, keepdims=True),
        "log_p": np.log(p / p.sum(axis=1, keepdims=True)),
        # Cui et al.'s class-balanced weights (1 − β)/(1 − β^n_c), scaled to sum to C, looked up per label
        "cb_weight": _class_balanced_weights([50, 5, 20, 1], 0.99)[labels],
        "rate": rng.uniform(0.2, 4.0, size=(n, 3)),
        "counts": rng.integers(0, 6, size=(n, 3)).astype(float),
        "masks": rng.integers(0, 2, size=(2, 6)).astype(float),
        "mask_probs": rng.uniform(0.05, 0.95, size=(2, 6)),
        "mask_logits": rng.normal(size=(2, 6)),
        "seq_logits": rng.normal(size=(3, 4, 5)),
        "seq_tokens": rng.integers(0, 5, size=(3, 4)) * seq_mask.astype(int),
        "seq_mask": seq_mask,
        # labels 1..2 of C = 4 padded with 0 (Keras: 0 is padding and blank); every frame used
        "ctc_log_probs": ctc_logits - np.log(np.exp(ctc_logits).sum(axis=-1, keepdims=True)),
        "ctc_labels": np.array([[1, 2, 0], [2, 2, 1], [1, 0, 0]]),
        "ctc_input_lengths": np.array([6, 6, 6]),
        "ctc_label_lengths": np.array([2, 3, 1]),
        "anchor": rng.normal(size=(n, 3)),
        "pos": rng.normal(size=(n, 3)),
        "neg": rng.normal(size=(n, 3)),
        "theta": rng.normal(size=6),
        "edge_probs": np.array([1e-9, 0.5, 1.0 - 1e-9, 0.3]),
        "edge_labels": np.array([1.0, 0.0, 0.0, 1.0]),
        "hinge_scores": np.array([[0.5, -2.0, -3.0], [0.5, 0.2, -3.0]]),
        "hinge_onehot": np.eye(3)[[0, 0]],
        "focal_edge_logits": np.array([[1.0, 0.0, -1.0], [-30.0, 0.0, 0.0]]),
        "focal_edge_onehot": np.eye(3)[[0, 0]],
        "rank_scores": rng.normal(size=(3, 4)),
        "rank_labels": np.array([[3.0, 0.5, 1.0, 0.25], [1.0, 1.0, 0.5, 2.0], [0.5, 0.25, 4.0, 1.0]]),
        "views_u": rng.normal(size=(4, 3)),
        "views_v": rng.normal(size=(4, 3)),
        "w": rng.uniform(0.1, 3.0, size=n),
        # issue 19 (fixed values: drawing them would shift every later draw)
        "msle_edge_pred": np.array([[-0.5], [0.0], [1e-9], [2.0]]),
        "msle_edge_true": np.array([[1.0], [1.0], [-0.9], [2.0]]),
        # issue 19 (segmentation): 2 images of 6 pixels, 3 classes last; class 2 absent from image 1
        "seg_logits": rng.normal(size=(2, 6, 3)),
        "seg_onehot": np.eye(3)[[[0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 1, 1]]],
        # pytorch-metric-learning and Kornia cases (fixed values, as above)
        "triplet_embeddings": np.array(
            [[0.3, -1.2, 0.8], [0.5, -0.9, 1.1], [-1.4, 0.2, 0.4], [-1.1, 0.6, 0.1], [0.9, 1.3, -0.7]]
        ),
        "triplet_labels": np.array([0, 0, 1, 1, 2]),
        "triplet_a": np.array([0, 1, 2, 3, 0, 2]),
        "triplet_p": np.array([1, 0, 3, 2, 1, 3]),
        "triplet_n": np.array([2, 4, 0, 4, 3, 1]),
        "tv_images": np.array([[[[0.2, 0.9, 0.4], [0.7, 0.7, 0.1]], [[1.0, 0.0, 0.5], [0.3, 0.8, 0.6]]]]),
        # issue 19 (sparsemax): binary logits on each piece of sparse_plus (below −1, inside, above 1)
        "sparsemax_z": np.array([-2.5, -1.0, -0.3, 0.0, 0.6, 1.0, 2.0]),
        "sparsemax_y": np.array([1, 0, 1, 0, 1, 1, 0]),
        # issue 19 (proxies): 6 embeddings of 3 classes; class 3's proxy has no positive in the batch
        "proxy_embeddings": np.array(
            [
                [0.3, -1.2, 0.8],
                [0.5, -0.9, 1.1],
                [-1.4, 0.2, 0.4],
                [-1.1, 0.6, 0.1],
                [0.9, 1.3, -0.7],
                [0.2, 0.4, 0.9],
            ]
        ),
        "proxy_labels": np.array([0, 0, 1, 1, 2, 0]),
        "proxy_weights": np.array([[0.4, -1.0, 1.0], [-1.2, 0.5, 0.2], [0.7, 0.9, -0.3], [0.1, -0.2, -1.5]]),
        # the last embedding is far from its proxy: at softmax_scale 500 its probability underflows to 0
        "far_embeddings": np.array([[1.0, 0.99], [0.995, 1.0], [-1.0, 0.05]]),
        "far_labels": np.array([0, 1, 0]),
        "far_proxies": np.array([[1.0, 0.0], [0.0, 1.0]]),
        # rows 4 and 5 (class 2) are 80 apart, 40 from the nearest other class: their class-mate
        # probability e^(−4800) underflows
        "nca_far": np.array([[0.0, 0.0], [0.3, 0.0], [0.6, 0.0], [0.9, 0.0], [40.0, 0.0], [-40.0, 0.0]]),
        "nca_far_labels": np.array([0, 1, 0, 1, 2, 2]),
        # pml contrastive pairs (a_i, b_i), given as indices_tuple: 0–2 similar (pair 0 at distance 0),
        # 3–5 dissimilar at distances 0.5, 0.8 and 1.6, so margin 1 leaves pairs 0 and 5 a zero term
        "pair_a": np.array(
            [
                [0.3, -1.2, 0.8],
                [0.5, -0.9, 1.1],
                [-1.4, 0.2, 0.4],
                [-1.1, 0.6, 0.1],
                [0.9, 1.3, -0.7],
                [0.2, 0.4, 0.6],
            ]
        ),
        "pair_b": np.array(
            [
                [0.3, -1.2, 0.8],
                [0.1, -0.6, 1.3],
                [-1.0, 0.4, 0.0],
                [-1.1, 0.6, 0.6],
                [0.9, 1.3, 0.1],
                [0.2, 2.0, 0.6],
            ]
        ),
        # pml ArcFace/CosFace: their class weights W (embedding size 3 × 4 classes) set explicitly;
        # row 4's target cosine is −0.98 (θ = 2.94 rad, past π − 0.5: ArcFace's fallback branch)
        "face_embeddings": np.array(
            [[0.9, 0.2, -0.1], [0.3, 0.8, 0.4], [-0.2, 0.5, 0.7], [0.5, 0.4, -0.6], [0.1, -1.5, 0.2]]
        ),
        "face_weights": np.array([[1.0, 0.0, 0.0, 0.6], [0.0, 1.0, 0.0, 0.6], [0.0, 0.0, 1.0, -0.5]]),
        "face_labels": np.array([0, 1, 2, 3, 1]),
        # pml SupCon: labels 2 and 3 have one row each (no positive)
        "supcon_features": np.array(
            [
                [0.8, -0.3, 0.5],
                [0.2, 0.9, -0.4],
                [-0.6, 0.4, 0.7],
                [0.5, 0.5, 0.1],
                [-0.9, -0.2, 0.3],
                [0.1, -0.8, -0.6],
                [0.7, 0.1, -0.9],
            ]
        ),
        "supcon_labels": np.array([0, 0, 1, 1, 1, 2, 3]),
        # Kornia's Charbonnier at residuals where √(r² + 1) − 1 cancels
        "tiny_residuals": np.array([1e-9, -3e-6, 2e-3, 0.0, 1e150]),
        # issue 19 (pair-based metric learning): fixed rows; label 2's one row has no positive
        "pair_embeddings": np.array(
            [
                [0.9, 0.3, -0.2],
                [0.7, 0.6, 0.1],
                [-0.4, 0.8, 0.5],
                [-0.1, 0.9, 0.2],
                [-0.6, 0.5, 0.7],
                [0.2, -0.8, 0.6],
            ]
        ),
        "pair_labels": np.array([0, 0, 1, 1, 1, 2]),
        # issue 19 (ssim): two 2-channel 12 × 13 images in [0.1, 0.9], from a fixed formula
        "ssim_x": 0.5 + 0.4 * np.sin(0.7 * np.arange(2 * 2 * 12 * 13)).reshape(2, 2, 12, 13),
        "ssim_y": 0.5 + 0.4 * np.sin(0.7 * np.arange(2 * 2 * 12 * 13) + 0.3).reshape(2, 2, 12, 13),
        # issue 20 (vicreg): two views of 5 rows; column spreads on both sides of γ = 1
        "vicreg_x": np.array(
            [[0.3, -1.2, 0.1], [0.5, 0.9, -0.2], [-0.4, 2.2, 0.4], [0.1, -1.6, 0.0], [-0.6, 0.4, 0.3]]
        ),
        "vicreg_y": np.array(
            [[0.2, -1.0, 0.6], [0.8, 1.1, -0.9], [-0.3, 1.9, 1.2], [0.0, -1.4, -0.5], [-0.5, 0.2, 0.7]]
        ),
    }


def _class_balanced_weights(counts, beta):
    w = (1 - beta) / (1 - beta ** np.asarray(counts, dtype=float))
    return w * len(counts) / w.sum()


def _case(loss, framework, call, ours, grad=None, rtol=None, kind="equivalent"):
    short = {"pytorch-metric-learning": "pml"}.get(framework, framework.lower())
    return {
        "id": f"{loss}-{short}-{kind}",
        "loss": loss,
        "framework": framework,
        "kind": kind,
        "call": call,
        "ours": ours,
        "grad": grad,
        "rtol": rtol or RTOL[framework],
    }


K, OX, PML, KO = "Keras", "optax", "pytorch-metric-learning", "Kornia"
SPARSE = "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
BCE_LOGITS = "keras.losses.BinaryCrossentropy(from_logits=True)"

CASES = [
    # regression
    _case(
        "mse", K, "keras.losses.MeanSquaredError()(y_true, y_pred)", "lossref.mse(y_pred, y_true)", "y_pred"
    ),
    _case(
        "mse",
        OX,
        "jnp.mean(optax.losses.squared_error(y_pred, y_true))",
        "lossref.mse(y_pred, y_true)",
        "y_pred",
    ),
    _case(
        "mse",
        OX,
        "2 * jnp.mean(optax.losses.l2_loss(y_pred, y_true))",
        "lossref.mse(y_pred, y_true)",
        "y_pred",
        kind="l2-loss-is-half",
    ),
    # Keras divides the weighted sum by N (one column: Keras' mean over the last axis is the value)
    _case(
        "mse",
        K,
        "keras.losses.MeanSquaredError()(y_true[:, :1], y_pred[:, :1], sample_weight=w)",
        "lossref.mse(y_pred[:, :1], y_true[:, :1], weights=w[:, None], reduction='sum') / 5",
        kind="sample-weight",
    ),
    _case(
        "mae", K, "keras.losses.MeanAbsoluteError()(y_true, y_pred)", "lossref.mae(y_pred, y_true)", "y_pred"
    ),
    _case(
        "huber",
        K,
        "keras.losses.Huber(delta=0.7)(y_true, y_pred)",
        "lossref.huber(y_pred, y_true, delta=0.7)",
        "y_pred",
    ),
    _case(
        "huber",
        OX,
        "jnp.mean(optax.losses.huber_loss(y_pred, y_true, delta=0.7))",
        "lossref.huber(y_pred, y_true, delta=0.7)",
        "y_pred",
    ),
    _case(
        "smooth_l1",
        OX,
        "jnp.mean(optax.losses.huber_loss(y_pred, y_true, delta=0.7)) / 0.7",
        "lossref.smooth_l1(y_pred, y_true, beta=0.7)",
        "y_pred",
    ),
    _case(
        "log_cosh", K, "keras.losses.LogCosh()(y_true, y_pred)", "lossref.log_cosh(y_pred, y_true)", "y_pred"
    ),
    _case(
        "log_cosh",
        OX,
        "jnp.mean(optax.losses.log_cosh(y_pred, y_true))",
        "lossref.log_cosh(y_pred, y_true)",
        "y_pred",
    ),
    _case(
        "rmse",
        K,
        "metric(keras.metrics.RootMeanSquaredError(), y_true, y_pred)",
        "lossref.rmse(y_pred, y_true)",
    ),
    _case(
        "mape",
        K,
        "keras.losses.MeanAbsolutePercentageError()(positive, y_pred)",
        "100 * lossref.mape(y_pred, positive)",
    ),
    # classification
    _case(
        "binary_cross_entropy",
        K,
        "keras.losses.BinaryCrossentropy()(y01, probs)",
        "lossref.binary_cross_entropy(probs, y01)",
        "probs",
    ),
    _case(
        "binary_cross_entropy",
        K,
        "keras.losses.BinaryCrossentropy(reduction=None)(edge_labels[:, None], edge_probs[:, None])",
        "lossref.binary_cross_entropy(np.clip(edge_probs, 1e-7, 1 - 1e-7), edge_labels, reduction='none')",
        kind="clips-probabilities",
    ),
    _case(
        "binary_cross_entropy_with_logits",
        K,
        f"{BCE_LOGITS}(y01, scores)",
        "lossref.binary_cross_entropy_with_logits(scores, y01)",
        "scores",
    ),
    _case(
        "binary_cross_entropy_with_logits",
        OX,
        "jnp.mean(optax.losses.sigmoid_binary_cross_entropy(scores, y01))",
        "lossref.binary_cross_entropy_with_logits(scores, y01)",
        "scores",
    ),
    _case(
        "softmax_cross_entropy",
        K,
        "keras.losses.CategoricalCrossentropy(from_logits=True)(q, logits)",
        "lossref.softmax_cross_entropy(logits, q)",
        "logits",
    ),
    _case(
        "softmax_cross_entropy",
        K,
        "keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)(onehot, logits)",
        "lossref.softmax_cross_entropy(logits, labels, label_smoothing=0.2)",
        "logits",
        kind="label-smoothing",
    ),
    _case(
        "softmax_cross_entropy",
        OX,
        "jnp.mean(optax.losses.softmax_cross_entropy(logits, q))",
        "lossref.softmax_cross_entropy(logits, q)",
        "logits",
    ),
    _case(
        "softmax_cross_entropy",
        OX,
        "jnp.mean(optax.losses.softmax_cross_entropy(logits, optax.smooth_labels(onehot, 0.2)))",
        "lossref.softmax_cross_entropy(logits, labels, label_smoothing=0.2)",
        "logits",
        kind="label-smoothing",
    ),
    _case(
        "sparse_categorical_cross_entropy",
        K,
        f"{SPARSE}(labels, logits)",
        "lossref.sparse_categorical_cross_entropy(logits, labels)",
        "logits",
    ),
    _case(
        "sparse_categorical_cross_entropy",
        K,
        "keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)(onehot, logits)",
        "lossref.sparse_categorical_cross_entropy(logits, labels, label_smoothing=0.2)",
        "logits",
        kind="label-smoothing",
    ),
    _case(
        "sparse_categorical_cross_entropy",
        OX,
        "jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels))",
        "lossref.sparse_categorical_cross_entropy(logits, labels)",
        "logits",
    ),
    _case(
        "sigmoid_focal",
        K,
        "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.25, gamma=2.0, "
        "from_logits=True)(y01, scores)",
        "lossref.sigmoid_focal(scores, y01, alpha=0.25, gamma=2.0)",
        "scores",
    ),
    _case(
        "sigmoid_focal",
        OX,
        "jnp.mean(optax.losses.sigmoid_focal_loss(scores, y01, alpha=0.25, gamma=2.0))",
        "lossref.sigmoid_focal(scores, y01, alpha=0.25, gamma=2.0)",
        "scores",
    ),
    _case(
        "sigmoid_focal",
        OX,
        "jnp.mean(optax.losses.sigmoid_focal_loss(scores, y01))",
        "lossref.sigmoid_focal(scores, y01, alpha=None)",
        "scores",
        kind="default-alpha-none",
    ),
    _case(
        "softmax_focal",
        K,
        "keras.losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0, from_logits=True)(onehot, logits)",
        "lossref.softmax_focal(logits, labels, alpha=0.25, gamma=2.0)",
        "logits",
    ),
    _case(
        "softmax_focal",
        K,
        "keras.losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0, from_logits=True, reduction=None)"
        "(focal_edge_onehot, focal_edge_logits)",
        None,
        kind="clips-probabilities",
    ),
    # Model.fit(class_weight=) passes w[y] as each sample's weight; the mean stays over N
    _case(
        "class_balanced",
        K,
        f"{SPARSE}(labels, logits, sample_weight=cb_weight)",
        "lossref.class_balanced(logits, labels, samples_per_class=[50, 5, 20, 1], beta=0.99)",
        "logits",
    ),
    _case(
        "zero_one",
        K,
        "1 - metric(keras.metrics.SparseCategoricalAccuracy(), labels, logits)",
        "lossref.zero_one(logits, labels)",
    ),
    # divergences: Keras takes (y_true, y_pred) = (target, prediction) as probabilities; optax takes
    # the prediction's log-probabilities first, as lossref
    _case("kl_div", K, "keras.losses.KLDivergence()(q, p)", "lossref.kl_div(log_p, q)"),
    _case(
        "kl_div", OX, "jnp.mean(optax.losses.kl_divergence(log_p, q))", "lossref.kl_div(log_p, q)", "log_p"
    ),
    # Keras renormalises p: on the simplex the values agree, the gradients differ off it (by 1/(NΣp))
    _case("cross_entropy", K, "keras.losses.CategoricalCrossentropy()(q, p)", "lossref.cross_entropy(p, q)"),
    # generative
    _case(
        "gan_discriminator",
        K,
        f"{BCE_LOGITS}(jnp.ones_like(y_pred), y_pred) + {BCE_LOGITS}(jnp.zeros_like(y_true), y_true)",
        "lossref.gan_discriminator(y_pred, y_true)",
        "y_pred",
    ),
    _case(
        "gan_generator",
        K,
        f"{BCE_LOGITS}(jnp.ones_like(y_pred), y_pred)",
        "lossref.gan_generator(y_pred)",
        "y_pred",
    ),
    # sequence
    _case(
        "sequence_cross_entropy",
        K,
        "keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)"
        "(jnp.where(seq_mask > 0, seq_tokens, -1), seq_logits)",
        "lossref.sequence_cross_entropy(seq_logits, seq_tokens, mask=seq_mask)",
        "seq_logits",
    ),
    _case(
        "sequence_cross_entropy",
        OX,
        "jnp.sum(optax.losses.softmax_cross_entropy_with_integer_labels(seq_logits, seq_tokens, "
        "where=seq_mask > 0))"
        " / seq_mask.sum()",
        "lossref.sequence_cross_entropy(seq_logits, seq_tokens, mask=seq_mask)",
        "seq_logits",
    ),
    # Keras and optax take logits and apply log_softmax: log-probabilities pass through unchanged
    _case(
        "ctc",
        K,
        "keras.losses.CTC()(ctc_labels, ctc_log_probs)",
        "lossref.ctc(ctc_log_probs, ctc_labels, ctc_input_lengths, ctc_label_lengths, blank=0, "
        "normalize='sequences')",
    ),
    _case(
        "ctc",
        OX,
        "jnp.mean(optax.ctc_loss(ctc_log_probs, jnp.zeros(ctc_log_probs.shape[:2]), ctc_labels, "
        "(ctc_labels == 0).astype(float), blank_id=0))",
        "lossref.ctc(ctc_log_probs, ctc_labels, ctc_input_lengths, ctc_label_lengths, blank=0, "
        "normalize='sequences')",
    ),
    # margin
    _case("hinge", K, "keras.losses.Hinge()(ypm, scores)", "lossref.hinge(scores, ypm)", "scores"),
    _case(
        "hinge",
        K,
        "keras.losses.Hinge()(y01, scores)",
        "lossref.hinge(scores, 2 * y01 - 1)",
        "scores",
        kind="01-labels",
    ),
    _case(
        "hinge", OX, "jnp.mean(optax.losses.hinge_loss(scores, ypm))", "lossref.hinge(scores, ypm)", "scores"
    ),
    _case(
        "squared_hinge",
        K,
        "keras.losses.SquaredHinge()(ypm, scores)",
        "lossref.squared_hinge(scores, ypm)",
        "scores",
    ),
    _case(
        "squared_hinge",
        K,
        "keras.losses.SquaredHinge()(y01, scores)",
        "lossref.squared_hinge(scores, 2 * y01 - 1)",
        "scores",
        kind="01-labels",
    ),
    _case(
        "multiclass_hinge",
        OX,
        "jnp.mean(optax.losses.multiclass_hinge_loss(logits, labels))",
        "lossref.multiclass_hinge(logits, labels)",
        "logits",
    ),
    _case(
        "multiclass_hinge",
        K,
        "keras.losses.CategoricalHinge(reduction=None)(hinge_onehot, hinge_scores)",
        None,
        kind="zero-floor",
    ),
    _case(
        "soft_margin", K, f"{BCE_LOGITS}((ypm + 1) / 2, scores)", "lossref.soft_margin(scores, ypm)", "scores"
    ),
    _case(
        "soft_margin",
        OX,
        "jnp.mean(optax.losses.sigmoid_binary_cross_entropy(scores, (ypm + 1) / 2))",
        "lossref.soft_margin(scores, ypm)",
        "scores",
    ),
    # probabilistic
    _case(
        "poisson_nll",
        K,
        "keras.losses.Poisson()(counts, rate)",
        "lossref.poisson_nll(rate, counts, log_input=False, eps=1e-7)",
        "rate",
    ),
    # segmentation: Keras' default axis=None is one score over the whole batch; optax's dice_loss
    # applies a sigmoid to a single channel and sums over the middle (pixel) axes
    _case(
        "dice",
        K,
        "keras.losses.Dice()(masks, mask_probs)",
        "lossref.dice(mask_probs.reshape(1, -1), masks.reshape(1, -1), smooth=0.0)",
        "mask_probs",
    ),
    _case(
        "dice",
        K,
        "keras.losses.Dice(axis=1)(masks, mask_probs)",
        "lossref.dice(mask_probs, masks, smooth=0.0)",
        "mask_probs",
        kind="per-image",
    ),
    _case(
        "dice",
        OX,
        "jnp.mean(optax.losses.dice_loss(mask_logits[..., None], masks[..., None]))",
        "lossref.dice(1 / (1 + np.exp(-mask_logits)), masks, smooth=2.0)",
    ),
    _case(
        "tversky",
        K,
        "keras.losses.Tversky(alpha=0.7, beta=0.3)(masks, mask_probs)",
        "lossref.tversky(mask_probs.reshape(1, -1), masks.reshape(1, -1), alpha=0.3, beta=0.7, smooth=0.0)",
        "mask_probs",
    ),
    _case(
        "tversky",
        OX,
        "jnp.mean(optax.losses.dice_loss(mask_logits[..., None], masks[..., None], alpha=0.3, beta=0.7))",
        "lossref.tversky(1 / (1 + np.exp(-mask_logits)), masks, alpha=0.3, beta=0.7, smooth=1.0)",
    ),
    # no focal Tversky loss in either: the Tversky loss raised to γ
    _case(
        "focal_tversky",
        K,
        "keras.losses.Tversky(alpha=0.7, beta=0.3)(masks, mask_probs) ** 0.75",
        "lossref.focal_tversky(mask_probs.reshape(1, -1), masks.reshape(1, -1), alpha=0.3, beta=0.7, "
        "gamma=0.75, smooth=0.0)",
        "mask_probs",
    ),
    _case(
        "focal_tversky",
        OX,
        "jnp.mean(optax.losses.dice_loss(mask_logits[..., None], masks[..., None], alpha=0.3, "
        "beta=0.7) ** 0.75)",
        "lossref.focal_tversky(1 / (1 + np.exp(-mask_logits)), masks, alpha=0.3, beta=0.7, "
        "gamma=0.75, smooth=1.0)",
    ),
    # ranking, listwise, contrastive
    _case(
        "triplet_margin",
        OX,
        "jnp.mean(optax.losses.triplet_margin_loss(anchor, pos, neg, eps=0.0))",
        "lossref.triplet_margin(anchor, pos, neg, eps=0.0)",
        "anchor",
    ),
    _case(
        "triplet_margin",
        OX,
        "jnp.mean(optax.losses.triplet_margin_loss(anchor, pos, neg, norm_degree=1, eps=0.0))",
        None,
        kind="odd-degree",
    ),
    _case(
        "listnet",
        OX,
        "jnp.mean(optax.losses.ranking_softmax_loss(rank_scores, rank_labels))",
        "lossref.listnet(rank_scores, np.log(rank_labels), weights=rank_labels.sum(axis=1), "
        "reduction='sum') / 3",
        kind="weighted-by-label-sum",
    ),
    _case(
        "info_nce",
        OX,
        "optax.losses.ntxent(jnp.concatenate([views_u, views_v]), jnp.concatenate([jnp.arange(4)] * 2), 0.2)",
        "lossref.info_nce(views_u, views_v, temperature=0.2, form='nt_xent')",
        "views_u",
    ),
    # regularisation: Keras' regularisers return the penalty; optax's add_decayed_weights adds λθ
    # to the update, the gradient of the penalty
    _case(
        "l2_penalty",
        K,
        "keras.regularizers.L2(l2=0.35)(theta)",
        "lossref.l2_penalty(theta, strength=0.7)",
        "theta",
    ),
    _case(
        "l2_penalty",
        OX,
        "optax.add_decayed_weights(0.7).update(jnp.zeros_like(theta), None, theta)[0]",
        "lossref.l2_penalty.grad(theta, strength=0.7)",
    ),
    _case(
        "l1_penalty",
        K,
        "keras.regularizers.L1(l1=0.3)(theta)",
        "lossref.l1_penalty(theta, strength=0.3)",
        "theta",
    ),
    _case(
        "elastic_net_penalty",
        K,
        "keras.regularizers.L1L2(l1=0.01, l2=0.03)(theta)",
        "lossref.elastic_net_penalty(theta, strength=0.07, l1_ratio=1 / 7)",
        "theta",
    ),
    # issue 19: regression and probabilistic additions
    _case(
        "msle",
        K,
        "keras.losses.MeanSquaredLogarithmicError()(rate, positive)",
        "lossref.msle(positive, rate)",
        "positive",
    ),
    # Keras clamps ŷ and y at 1e-7 before log(1 + ·); lossref takes every value > −1
    _case(
        "msle",
        K,
        "keras.losses.MeanSquaredLogarithmicError(reduction=None)(msle_edge_true, msle_edge_pred)",
        None,
        kind="clamps-at-epsilon",
    ),
    # optax takes log-predictions and sums over the last axis (5 rows of 3)
    _case(
        "generalized_kl",
        OX,
        "jnp.mean(optax.losses.generalized_kl_divergence(jnp.log(rate), counts))",
        "lossref.generalized_kl(rate, counts, reduction='sum') / 5",
        "rate",
    ),
    # issue 19: classification
    _case(
        "poly1_cross_entropy",
        OX,
        "jnp.mean(optax.losses.poly_loss_cross_entropy(logits, onehot, epsilon=1.0))",
        "lossref.poly1_cross_entropy(logits, labels)",
        "logits",
    ),
    _case(
        "poly1_cross_entropy",
        OX,
        "jnp.mean(optax.losses.poly_loss_cross_entropy(logits, onehot))",
        "lossref.poly1_cross_entropy(logits, labels, epsilon=2.0)",
        "logits",
        kind="default-epsilon-2",
    ),
    # Keras' GCE takes probabilities: softmax(z) in Keras, so its gradient runs through the softmax too
    _case(
        "generalized_cross_entropy",
        K,
        "keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7)(labels, keras.ops.softmax(logits))",
        "lossref.generalized_cross_entropy(logits, labels)",
        "logits",
    ),
    _case(
        "generalized_cross_entropy",
        K,
        "keras.losses.CategoricalGeneralizedCrossEntropy()(labels, keras.ops.softmax(logits))",
        "lossref.generalized_cross_entropy(logits, labels, q=0.5)",
        "logits",
        kind="default-q-0.5",
    ),
    # issue 19 (segmentation): optax's "generalized Dice" is a weighted mean of per-class Dice
    # losses (test_differences.py reads the value)
    _case(
        "generalized_dice",
        OX,
        "optax.losses.multiclass_generalized_dice_loss(seg_logits, seg_onehot)",
        None,
        kind="weighted-mean",
    ),
    # pytorch-metric-learning: explicit triplets (indices_tuple), Euclidean distance without its
    # default normalisation, a plain mean over triplets (its default reducer drops the zero ones)
    _case(
        "triplet_margin",
        PML,
        "pml.losses.TripletMarginLoss(margin=2.0, distance=pml.distances.LpDistance("
        "normalize_embeddings=False), reducer=pml.reducers.MeanReducer())(triplet_embeddings, "
        "triplet_labels, indices_tuple=(triplet_a, triplet_p, triplet_n))",
        "lossref.triplet_margin(triplet_embeddings[triplet_a], triplet_embeddings[triplet_p], "
        "triplet_embeddings[triplet_n], margin=2.0, eps=0.0)",
    ),
    # Kornia: one value per image and channel; lossref sums the channels
    _case(
        "total_variation",
        KO,
        "kornia.losses.total_variation(tv_images).sum(-1).mean()",
        "lossref.total_variation(tv_images)",
        "tv_images",
    ),
    # issue 19: sparsemax; optax's binary form is the two-class loss on logits (0, z) (no gradient
    # compared: ours is in both logits)
    _case(
        "sparsemax_loss",
        OX,
        "jnp.mean(optax.losses.multiclass_sparsemax_loss(logits, labels))",
        "lossref.sparsemax_loss(logits, labels)",
        "logits",
    ),
    _case(
        "sparsemax_loss",
        OX,
        "jnp.mean(optax.losses.sparsemax_loss(sparsemax_z, sparsemax_y))",
        "lossref.sparsemax_loss(np.stack([np.zeros_like(sparsemax_z), sparsemax_z], axis=-1), sparsemax_y)",
        kind="binary",
    ),
    # issue 19 (proxies): pml owns its proxies (a parameter): the call sets their data to the case's
    _case(
        "proxy_anchor",
        PML,
        "(lambda loss, data: setattr(loss.proxies, 'data', data) or loss)("
        "pml.losses.ProxyAnchorLoss(4, 3, margin=0.1, alpha=32), proxy_weights)"
        "(proxy_embeddings, proxy_labels)",
        "lossref.proxy_anchor(proxy_embeddings, proxy_labels, proxy_weights)",
        "proxy_embeddings",
    ),
    _case(
        "proxy_nca",
        PML,
        "(lambda loss, data: setattr(loss.proxies, 'data', data) or loss)("
        "pml.losses.ProxyNCALoss(4, 3, softmax_scale=3.0), proxy_weights)(proxy_embeddings, proxy_labels)",
        "lossref.proxy_nca(proxy_embeddings, proxy_labels, proxy_weights, scale=3.0)",
        "proxy_embeddings",
    ),
    # NCALoss keeps only the rows whose probability is not 0: the far row underflows and is dropped
    _case(
        "proxy_nca",
        PML,
        "(lambda loss, data: setattr(loss.proxies, 'data', data) or loss)("
        "pml.losses.ProxyNCALoss(2, 2, softmax_scale=500.0), far_proxies)(far_embeddings, far_labels)",
        None,
        kind="drops-underflow",
    ),
    # NCA on the embeddings as given: pml's default distance normalises them (a difference, below).
    # Row 4 (class 2) has no class-mate: both leave it out of the mean
    _case(
        "nca",
        PML,
        "pml.losses.NCALoss(softmax_scale=2.0, distance=pml.distances.LpDistance(power=2, "
        "normalize_embeddings=False))(proxy_embeddings, proxy_labels)",
        "lossref.nca(proxy_embeddings, proxy_labels, scale=2.0)",
        "proxy_embeddings",
    ),
    _case("nca", PML, "pml.losses.NCALoss()(proxy_embeddings, proxy_labels)", None, kind="normalises"),
    _case(
        "nca",
        PML,
        "pml.losses.NCALoss(distance=pml.distances.LpDistance(power=2, normalize_embeddings=False))"
        "(nca_far, nca_far_labels)",
        None,
        kind="drops-underflow",
    ),
    # pytorch-metric-learning 2.9.0, every loss lossref names it for. LpDistance and
    # DotProductSimilarity normalise the embeddings unless told not to, and TripletMarginLoss,
    # ContrastiveLoss and SupConLoss average only their non-zero terms (AvgNonZeroReducer)
    _case(
        "triplet_margin",
        PML,
        "pml.losses.TripletMarginLoss(margin=0.5, distance=pml.distances.LpDistance("
        "normalize_embeddings=False), "
        "reducer=pml.reducers.MeanReducer())(torch.cat([anchor, pos, neg]), "
        "indices_tuple=(torch.arange(5), torch.arange(5, 10), torch.arange(10, 15)))",
        "lossref.triplet_margin(anchor, pos, neg, margin=0.5, eps=0.0)",
        "anchor",
        kind="gradient",
    ),
    # its defaults: margin 0.05, every triplet the labels allow, unit embeddings, the non-zero mean
    _case(
        "triplet_margin",
        PML,
        "pml.losses.TripletMarginLoss()(torch.cat([views_u, views_v]), torch.arange(8) % 4)",
        None,
        kind="defaults",
    ),
    # ContrastiveLoss has no squared hinges: no arguments give Hadsell et al.'s loss
    _case(
        "contrastive",
        PML,
        "pml.losses.ContrastiveLoss(pos_margin=0, neg_margin=1, distance=pml.distances.LpDistance("
        "normalize_embeddings=False), reducer=pml.reducers.MeanReducer())(torch.cat([pair_a, pair_b]), "
        "indices_tuple=(torch.arange(3), torch.arange(6, 9), torch.arange(3, 6), torch.arange(9, 12)))",
        None,
        kind="unsquared",
    ),
    _case(
        "contrastive",
        PML,
        "pml.losses.ContrastiveLoss()(torch.cat([pair_a, pair_b]), "
        "indices_tuple=(torch.arange(3), torch.arange(6, 9), torch.arange(3, 6), torch.arange(9, 12)))",
        None,
        kind="defaults",
    ),
    # NTXentLoss with the positives as reference embeddings: the one-way InfoNCE; with both views
    # stacked and one label per pair: SimCLR's NT-Xent
    _case(
        "info_nce",
        PML,
        "pml.losses.NTXentLoss(temperature=0.2)(views_u, torch.arange(4), ref_emb=views_v, "
        "ref_labels=torch.arange(4))",
        "lossref.info_nce(views_u, views_v, temperature=0.2)",
        "views_u",
    ),
    _case(
        "info_nce",
        PML,
        "pml.losses.NTXentLoss(temperature=0.2)(torch.cat([views_u, views_v]), torch.arange(8) % 4)",
        "lossref.info_nce(views_u, views_v, temperature=0.2, form='nt_xent')",
        "views_u",
        kind="nt-xent",
    ),
    _case(
        "info_nce",
        PML,
        "pml.losses.NTXentLoss()(views_u, torch.arange(4), ref_emb=views_v, ref_labels=torch.arange(4))",
        None,
        kind="default-temperature",
    ),
    _case(
        "n_pair",
        PML,
        "pml.losses.NPairsLoss(distance=pml.distances.DotProductSimilarity(normalize_embeddings=False))"
        "(torch.cat([views_u, views_v]), torch.arange(8) % 4)",
        "lossref.n_pair(views_u, views_v)",
        "views_u",
    ),
    _case(
        "n_pair",
        PML,
        "pml.losses.NPairsLoss()(torch.cat([views_u, views_v]), torch.arange(8) % 4)",
        None,
        kind="normalises",
    ),
    # labels 2 and 3 have one row: no positive, loss 0, left out of the mean by the non-zero reducer
    _case(
        "supervised_contrastive",
        PML,
        "pml.losses.SupConLoss(temperature=0.1)(supcon_features, supcon_labels)",
        "lossref.supervised_contrastive(supcon_features, supcon_labels, temperature=0.1)",
        "supcon_features",
    ),
    # ArcFaceLoss and CosFaceLoss own their class weights W: set to face_weights; lossref takes the
    # cosines between the embeddings and W's columns (the gradient is by the embeddings there, by
    # the cosines here: values only). ArcFace's margin in degrees: 0.5 rad is 28.6479°
    _case(
        "arcface",
        PML,
        "[f := pml.losses.ArcFaceLoss(4, 3, margin=28.64788975654116, scale=64), "
        'setattr(f.W, "data", face_weights), f(face_embeddings, face_labels)][-1]',
        "lossref.arcface(face_embeddings @ face_weights / np.outer(np.linalg.norm(face_embeddings, axis=1), "
        "np.linalg.norm(face_weights, axis=0)), face_labels)",
    ),
    _case(
        "arcface",
        PML,
        '[f := pml.losses.ArcFaceLoss(4, 3), setattr(f.W, "data", face_weights), '
        "f(face_embeddings, face_labels)][-1]",
        None,
        kind="degrees",
    ),
    _case(
        "cosface",
        PML,
        "[f := pml.losses.CosFaceLoss(4, 3, margin=0.35, scale=64), "
        'setattr(f.W, "data", face_weights), f(face_embeddings, face_labels)][-1]',
        "lossref.cosface(face_embeddings @ face_weights / np.outer(np.linalg.norm(face_embeddings, axis=1), "
        "np.linalg.norm(face_weights, axis=0)), face_labels)",
    ),
    # Kornia 0.9.0: the robust losses at its fixed scale, elementwise (reduction="none" by default)
    _case(
        "charbonnier",
        KO,
        'kornia.losses.charbonnier_loss(y_pred, y_true, reduction="mean")',
        "lossref.charbonnier(y_pred, y_true, eps=1.0)",
        "y_pred",
    ),
    _case(
        "charbonnier",
        KO,
        "kornia.losses.charbonnier_loss(tiny_residuals, torch.zeros_like(tiny_residuals))",
        "lossref.charbonnier(tiny_residuals, np.zeros_like(tiny_residuals), eps=1.0, reduction='none')",
        kind="small-residuals",
    ),
    _case(
        "cauchy",
        KO,
        'kornia.losses.cauchy_loss(y_pred, y_true, reduction="mean")',
        "lossref.cauchy(y_pred, y_true, scale=2**0.5)",
        "y_pred",
    ),
    # one value per image and channel; reduction="mean" averages each direction over its own count
    _case("total_variation", KO, "kornia.losses.total_variation(tv_images)", None, kind="per-channel"),
    _case(
        "total_variation",
        KO,
        'kornia.losses.total_variation(tv_images, reduction="mean")',
        None,
        kind="mean-per-direction",
    ),
    # Kornia 0.9.0's other losses lossref has. Its segmentation losses take logits (N, C, H, W) with
    # the softmax inside and labels (N, H, W): seg_logits' 6 pixels as a 6 × 1 image
    _case(
        "sigmoid_focal",
        KO,
        'kornia.losses.binary_focal_loss_with_logits(scores, y01, alpha=0.25, gamma=2.0, reduction="mean")',
        "lossref.sigmoid_focal(scores, y01, alpha=0.25, gamma=2.0)",
        "scores",
    ),
    # focal_loss's "mean" is over the N × C entries of which only the target's is not 0: a sum / N
    _case(
        "softmax_focal",
        KO,
        'kornia.losses.focal_loss(logits, labels, alpha=None, gamma=2.0, reduction="sum") / 5',
        "lossref.softmax_focal(logits, labels, gamma=2.0)",
        "logits",
    ),
    # its scalar alpha weighs class 0 by 1 − α and every other class by α
    _case(
        "softmax_focal",
        KO,
        'kornia.losses.focal_loss(logits, labels, alpha=0.25, gamma=2.0, reduction="sum") / 5',
        "lossref.softmax_focal(logits, labels, gamma=2.0, alpha=[0.75, 0.25, 0.25, 0.25])",
        "logits",
        kind="alpha-class-0",
    ),
    _case(
        "softmax_focal",
        KO,
        'kornia.losses.focal_loss(logits, labels, alpha=None, gamma=2.0, reduction="mean")',
        "lossref.softmax_focal(logits, labels, gamma=2.0) / 4",
        "logits",
        kind="mean-over-classes",
    ),
    # dice_loss pools each image's classes and pixels ("micro"); eps=0 drops its 1e-8
    _case(
        "dice",
        KO,
        "kornia.losses.dice_loss(seg_logits.permute(0, 2, 1)[..., None], seg_onehot.argmax(-1)[..., None], "
        "eps=0.0)",
        "lossref.dice(np.exp(seg_logits) / np.exp(seg_logits).sum(-1, keepdims=True), seg_onehot, "
        "smooth=0.0)",
    ),
    _case(
        "dice",
        KO,
        "kornia.losses.dice_loss(seg_logits.permute(0, 2, 1)[..., None], seg_onehot.argmax(-1)[..., None])",
        None,
        kind="default-eps",
    ),
    # tversky_loss averages per-class indices over the classes present in each image
    _case(
        "tversky",
        KO,
        "kornia.losses.tversky_loss(seg_logits.permute(0, 2, 1)[..., None], "
        "seg_onehot.argmax(-1)[..., None], "
        "alpha=0.3, beta=0.7, eps=0.0)",
        None,
        kind="per-class",
    ),
    _case(
        "lovasz_hinge",
        KO,
        "kornia.losses.lovasz_hinge_loss(mask_logits.reshape(2, 1, 2, 3), masks.reshape(2, 2, 3).long())",
        "lossref.lovasz_hinge(mask_logits, masks)",
        "mask_logits",
    ),
    # lovasz_softmax_loss averages over all C classes, present or not
    _case(
        "lovasz_softmax",
        KO,
        "kornia.losses.lovasz_softmax_loss(seg_logits.permute(0, 2, 1)[..., None], "
        "seg_onehot.argmax(-1)[..., None])",
        "lossref.lovasz_softmax(np.exp(seg_logits) / np.exp(seg_logits).sum(-1, keepdims=True), "
        "seg_onehot.argmax(-1), classes='all')",
    ),
    # the heatmap divergences: each (b, n) slice is a distribution over H × W (here 5 rows of 4 as 2 × 2)
    _case(
        "kl_div",
        KO,
        "kornia.losses.kl_div_loss_2d(log_p.exp().reshape(5, 1, 2, 2), q.reshape(5, 1, 2, 2))",
        "lossref.kl_div(log_p, q)",
        "log_p",
    ),
    _case(
        "js_div",
        KO,
        "kornia.losses.js_div_loss_2d(log_p.exp().reshape(5, 1, 2, 2), q.reshape(5, 1, 2, 2))",
        "lossref.js_div(log_p, np.log(q))",
        "log_p",
    ),
    # Barron's family at scale 1: Kornia's Geman–McClure (α = −2) and Welsch (α = −∞)
    _case(
        "barron",
        KO,
        'kornia.losses.geman_mcclure_loss(y_pred, y_true, reduction="mean")',
        "lossref.barron(y_pred, y_true, alpha=-2.0)",
        "y_pred",
        kind="geman-mcclure",
    ),
    _case(
        "barron",
        KO,
        'kornia.losses.welsch_loss(y_pred, y_true, reduction="mean")',
        "lossref.barron(y_pred, y_true, alpha=-np.inf)",
        "y_pred",
        kind="welsch",
    ),
    # issue 19 (pair-based metric learning). Keras' Circle takes unit rows: normalised in the call,
    # so its autodiff runs through the normalisation as lossref's gradient does
    _case(
        "circle",
        K,
        "keras.losses.Circle()(pair_labels, pair_embeddings / jnp.linalg.norm(pair_embeddings, axis=1, "
        "keepdims=True))",
        "lossref.circle(pair_embeddings, pair_labels)",
        "pair_embeddings",
    ),
    _case(
        "circle",
        K,
        "keras.losses.Circle(gamma=16.0, margin=0.25)(pair_labels, pair_embeddings / "
        "jnp.linalg.norm(pair_embeddings, axis=1, keepdims=True))",
        "lossref.circle(pair_embeddings, pair_labels, gamma=16.0, margin=0.25)",
        "pair_embeddings",
        kind="gamma-16-margin-0.25",
    ),
    # Keras on rows that are not unit vectors: raw dot products (test_differences.py reads the value)
    _case(
        "circle",
        K,
        "keras.losses.Circle(gamma=16.0, margin=0.25)(pair_labels, pair_embeddings)",
        None,
        kind="raw-rows",
    ),
    # pml's CircleLoss: the same value (its reducer averages the non-zero anchors: those with a
    # positive and a negative); its gradient holds α constant (test_differences.py reads it)
    _case(
        "circle",
        PML,
        "pml.losses.CircleLoss()(pair_embeddings, pair_labels)",
        "lossref.circle(pair_embeddings, pair_labels)",
    ),
    _case(
        "circle",
        PML,
        "pml.losses.CircleLoss(m=0.25, gamma=16)(pair_embeddings, pair_labels)",
        None,
        "pair_embeddings",
        kind="detached-weights",
    ),
    # pml's MultiSimilarityLoss alone (no miner): the paper's λ = 1 and pml's default base 0.5
    _case(
        "multi_similarity",
        PML,
        "pml.losses.MultiSimilarityLoss(alpha=2, beta=50, base=1.0)(pair_embeddings, pair_labels)",
        "lossref.multi_similarity(pair_embeddings, pair_labels)",
        "pair_embeddings",
    ),
    _case(
        "multi_similarity",
        PML,
        "pml.losses.MultiSimilarityLoss()(pair_embeddings, pair_labels)",
        "lossref.multi_similarity(pair_embeddings, pair_labels, base=0.5)",
        "pair_embeddings",
        kind="default-base-0.5",
    ),
    # pml's LiftedStructureLoss is Song et al.'s loss with Euclidean distances on the raw rows; its
    # default distance normalises them, and GeneralizedLiftedStructureLoss is Hermans et al.'s
    # variant (test_differences.py reads both values)
    _case(
        "lifted_structure",
        PML,
        "pml.losses.LiftedStructureLoss(neg_margin=1, pos_margin=0, distance=pml.distances.LpDistance("
        "normalize_embeddings=False))(pair_embeddings, pair_labels)",
        "lossref.lifted_structure(pair_embeddings, pair_labels)",
        "pair_embeddings",
    ),
    _case(
        "lifted_structure",
        PML,
        "pml.losses.LiftedStructureLoss()(pair_embeddings, pair_labels)",
        None,
        kind="normalises",
    ),
    _case(
        "lifted_structure",
        PML,
        "pml.losses.GeneralizedLiftedStructureLoss(neg_margin=1, pos_margin=0, distance=pml.distances."
        "LpDistance(normalize_embeddings=False))(pair_embeddings, pair_labels)",
        None,
        kind="generalized",
    ),
    # Kornia's ssim_loss is (1 − SSIM)/2 with padding='same' and eps=1e-12 by default: twice its
    # valid-window, eps-free value is lossref's 1 − SSIM (every image has as many positions)
    _case(
        "ssim",
        KO,
        "2 * kornia.losses.ssim_loss(ssim_x, ssim_y, 11, max_val=1.0, eps=0.0, padding='valid')",
        "lossref.ssim(ssim_x, ssim_y)",
        "ssim_x",
    ),
    _case(
        "ssim",
        KO,
        "kornia.losses.ssim_loss(ssim_x, ssim_y, 11, max_val=1.0, eps=0.0, padding='valid')",
        None,
        kind="halved",
    ),
    _case("ssim", KO, "kornia.losses.ssim_loss(ssim_x, ssim_y, 11)", None, kind="same-padding"),
    # issue 20: VICReg; pml's defaults are the official code's (γ = 1, unbiased variance, each
    # view's variance term halved, the covariance summed over the views)
    _case(
        "vicreg",
        PML,
        "pml.losses.VICRegLoss()(vicreg_x, ref_emb=vicreg_y)",
        "lossref.vicreg(vicreg_x, vicreg_y)",
        "vicreg_x",
    ),
]


def cases():
    """Every case with its inputs, in a fixed order: the golden files store them as listed."""
    inputs = _inputs()
    out = []
    for case in CASES:
        names = sorted(n for n in inputs if _mentions(case, n))
        out.append(dict(case, inputs={n: inputs[n].tolist() for n in names}))
    return out


def _mentions(case, name):
    import re

    text = case["call"] + " " + (case["ours"] or "")
    return re.search(rf"\b{name}\b", text) is not None


def ours(case):
    """lossref's value for a case and, if it names an input, its gradient by that input."""
    import lossref

    scope = {"lossref": lossref, "np": np}
    inputs = {k: np.asarray(v) for k, v in case["inputs"].items()}
    value = eval(case["ours"], scope, inputs)
    grad = None
    if case["grad"]:
        # the gradient of the same call: lossref.<loss>(x, ...) -> lossref.<loss>.grad(x, ...)
        # (reshaped back where ours flattens the input first)
        match = re.match(r"lossref\.(\w+)\((\w+)\b", case["ours"])
        assert match, case["id"]
        assert match[2] == case["grad"], case["id"]
        grad = eval(
            case["ours"].replace(f"lossref.{match[1]}(", f"lossref.{match[1]}.grad(", 1), scope, inputs
        )
        grad = np.reshape(grad, inputs[case["grad"]].shape)
    return value, grad


def assert_matches(case, value, grad):
    """lossref agrees with the framework's value (and gradient) to the case's tolerance."""
    if case["ours"] is None:  # a documented difference: test_differences.py reads the value
        return
    mine, my_grad = ours(case)
    np.testing.assert_allclose(mine, value, rtol=case["rtol"], atol=1e-300)
    if case["grad"]:
        np.testing.assert_allclose(my_grad, grad, rtol=case["rtol"], atol=1e-12 * np.abs(grad).max())


def pinned_reason(packages):
    """Why the live cases of a runner cannot run here (a package missing or at another version), or None."""
    import importlib.metadata

    for package, version in packages.items():
        try:
            installed = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return f"{package} {version} not installed (make conformance); the golden values still ran"
        if installed != version:
            return (
                f"{package} {installed} installed, the cases are pinned to {version}; "
                "the golden values still ran"
            )
    return None


def write_golden(path, header, out):
    """One case per line, so the golden file diffs case by case."""
    lines = ",\n".join(json.dumps(case) for case in out)
    path.write_text(json.dumps(header)[:-1] + ', "cases": [\n' + lines + "\n]}\n")
    return path
