"""The conformance cases: inputs for which PyTorch's answer is stored in tests/golden/torch.json.

Random draws for every loss and hyperparameter variant (each reduction, and a weighted
mean), the extra input paths (probability targets, ignore_index, per-class pos_weight,
log targets) and a table of extremes. Deterministic: the same list every run.
"""

import math

import numpy as np

import lossref

import torch_registry
from helpers import prepare, variants

BIG = 1e4

# Losses registered with no_torch (tests/torch_registry.py, each with its reason) are compared
# elsewhere (scikit-learn, or an independent implementation); the golden cases skip them.
NO_TORCH = set(torch_registry.NO_TORCH)

# Inputs where PyTorch and lossref must still agree to 1e-10: saturated logits, ties,
# residuals of 1e8, probabilities far from the clamping thresholds.
EXTREMES = {
    "mse": [([BIG, -BIG, 0.0, 1e-300], [-BIG, BIG, 0.0, 0.0], {})],
    "mae": [([0.0, 1.0, -BIG], [0.0, 1.0, BIG], {})],
    "huber": [
        ([1e8, -1e8, 1e-12, 1.0], [0.0, 0.0, 0.0, 0.0], {"delta": 1e-3}),
        ([1.0, -1.0, 0.0], [0.0, 0.0, 0.0], {}),
    ],
    "smooth_l1": [
        ([0.0, 2.0, -3.0], [0.0, 0.0, 0.0], {"beta": 0.0}),
        ([1e8, -1e8, 1e-12], [0.0, 0.0, 0.0], {"beta": 1e-3}),
    ],
    "log_cosh": [([BIG, -BIG, 800.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], {})],
    "quantile": [([1e8, -1e8, 3.0], [0.0, 0.0, 0.0], {"q": 0.01})],
    "charbonnier": [
        ([1e8, -1e8, 1e200, 1e-300, 1e-6, 0.0], [0.0] * 6, {}),
        ([1e-9, -2e-12, 1.0], [0.0, 0.0, 0.0], {"eps": 1e-6}),
    ],
    "cauchy": [
        ([1e8, -1e8, 1e150, 1e-300, 0.5, 0.0], [0.0] * 6, {}),
        ([1e3, 1e-12, -2e-3], [0.0, 0.0, 0.0], {"scale": 1e-3}),
    ],
    "tukey_biweight": [([1e8, -1e8, 4.0, -4.6, 4.685, 1e-300, 0.0], [0.0] * 7, {})],
    "mape": [([1.0, -1.0, 1e8, 0.0, 2.0], [1e-300, 0.0, 1e-12, 1e-300, 2.0], {})],
    "smape": [([1.0, 0.0, 1e-300, 1e300, 3.0, 1e8, 0.0], [0.0, 0.0, 2e-300, -1e300, 1e-12, 1.0, 5.0], {})],
    # RMSE = 0 is left out: there √ has no derivative (lossref returns 0, autograd NaN)
    "rmse": [([1e8, -1e8, 0.0, 1e-3], [0.0, 0.0, 0.0, 0.0], {}), ([1e-150, 3e-150], [0.0, 0.0], {})],
    # ties go to the first maximal class in both (numpy.argmax, torch.argmax)
    "zero_one": [
        (
            [[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [BIG, -BIG, BIG], [-1.0, 3.0, 2.0]],
            [0, 1, 2, 0, 1],
            {},
        )
    ],
    "binary_cross_entropy": [([1e-6, 1 - 1e-6, 0.5, 0.25], [1.0, 0.0, 1.0, 0.0], {})],
    "binary_cross_entropy_with_logits": [
        ([BIG, -BIG, BIG, -BIG, 0.0, 40.0], [1.0, 0.0, 0.0, 1.0, 0.5, 1.0], {}),
        ([BIG, -BIG, 40.0, 3.0], [0.0, 1.0, 1.0, 0.0], {"pos_weight": 7.0}),
    ],
    "sigmoid_focal": [
        ([BIG, -BIG, BIG, -BIG, 0.0, 30.0], [1.0, 0.0, 0.0, 1.0, 1.0, 0.3], {}),
        ([BIG, -BIG, BIG, -BIG], [1.0, 0.0, 0.0, 1.0], {"gamma": 0.0, "alpha": None}),
    ],
    "hinge": [([BIG, -BIG, 1e-300, 3.0], [1.0, 1.0, -1.0, -1.0], {})],
    "squared_hinge": [([BIG, -BIG, 1e-300, 3.0, 1.0], [1.0, 1.0, -1.0, -1.0, 1.0], {})],
    # ties for the largest wrong score (split evenly, as torch.amax) and slacks exactly at 0
    "multiclass_hinge": [
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [1.0, 2.0, 2.0], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]],
            [0, 0, 0, 0, 1],
            {},
        ),
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [1.0, 2.0, 2.0], [2.0, 1.0, 0.0]],
            [0, 0, 0, 0],
            {"p": 2, "margin": 0.5},
        ),
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]],
            [0, 0, 0, 1],
            {"variant": "weston_watkins", "p": 2, "class_weights": [0.5, 2.0, 3.0]},
        ),
        ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [2.0, 1.0, 0.0]], [0, 0, 0], {"variant": "weston_watkins"}),
    ],
    "multilabel_margin": [
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]],
            [[1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]],
            {},
        ),
    ],
    # PyTorch overflows for y f < -709.78 (a documented difference): -700 is as far as it goes
    "soft_margin": [
        ([BIG, -BIG, 40.0, -40.0, 0.0, 1e-300, -700.0], [1.0, -1.0, -1.0, -1.0, 1.0, -1.0, 1.0], {})
    ],
    "exponential": [([709.0, -709.0, BIG, -BIG, 0.0, 1e-300], [-1.0, -1.0, 1.0, -1.0, 1.0, -1.0], {})],
    "modified_huber": [
        ([BIG, -BIG, 1e8, -1e8, -1.0, 1.0, 0.5, 1e-300], [1.0, 1.0, -1.0, -1.0, 1.0, -1.0, -1.0, 1.0], {})
    ],
    "softmax_cross_entropy": [
        ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0], {}),
        ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG]], [0, 0], {"label_smoothing": 0.1}),
        ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG]], [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]], {}),
    ],
    "sparse_categorical_cross_entropy": [
        ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0], {}),
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG]],
            [0, 0],
            {"label_smoothing": 0.1, "class_weights": [0.5, 2.0, 1.0]},
        ),
    ],
    # γ = 2 keeps autograd of (1 - p_y)^γ finite at p_y = 1 (γ < 1 would give NaN, as torchvision)
    "softmax_focal": [
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0], [-745.0, 0.0, 0.0]],
            [0, 0, 2, 0, 0],
            {},
        ),
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [3.0, 0.0, 1.0]],
            [0, 0, 2],
            {"gamma": 0.0, "alpha": [0.5, 2.0, 1.0]},
        ),
    ],
    "class_balanced": [
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]],
            [0, 0, 2, 0],
            {"samples_per_class": [10**6, 10, 1]},
        ),
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [40.0, -40.0, 1.0]],
            [0, 0, 1],
            {"samples_per_class": [10**6, 10, 1], "base": "sigmoid", "beta": 0.999999},
        ),
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [40.0, -40.0, 1.0]],
            [0, 0, 1],
            {"samples_per_class": [10**6, 10, 1], "base": "focal"},
        ),
    ],
    "nll": [([[-BIG, -1e-300, 0.0], [-745.0, 0.0, -1e300]], [0, 2], {})],
    # disjoint supports (JS = log 2), p within 1e-16 of one-hot, p = 0 exactly (a = -800)
    "js_div": [
        ([[-BIG, 0.0], [-1e-16, -37.0], [-800.0, 0.0]], [[0.0, -BIG], [0.0, -745.0], [-1e-300, -700.0]], {})
    ],
    "cross_entropy": [
        ([[1e-15, 1 - 1e-15], [0.5, 0.5], [1e-300, 1.0]], [[0.5, 0.5], [0.0, 1.0], [0.0, 1.0]], {}),
        ([[1e-15, 1 - 1e-15], [1e-300, 1.0], [0.25, 0.75]], [0, 1, 1], {}),
    ],
    "knowledge_distillation": [
        (
            [[BIG, -BIG, 0.0], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]],
            [[-BIG, BIG, 0.0], [1e-12, 0.0, 0.0], [40.0, 0.0, 1.0]],
            {},
        ),
        (
            [[BIG, -BIG, 0.0], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]],
            [[-BIG, BIG, 0.0], [1e-12, 0.0, 0.0], [0.0, 0.0, 0.0]],
            {"temperature": 4.0, "labels": [1, 0, 2], "alpha": 0.3},
        ),
    ],
    # no exact ties (cos = m) and no norms near √ε: both are documented differences
    "cosine_embedding": [
        (
            [[BIG, 1.0, -BIG], [1.0, 2.0, 3.0], [1e-3, 2e-3, 0.0], [-1.0, 0.5, 2.0]],
            [[1e-4, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 2.0, 1.0], [1.0, -0.5, -2.0]],
            [-1.0, 1.0, -1.0, 1.0],
            {},
        ),
        (
            [[BIG, 1.0, -BIG], [1e-3, 2e-3, 0.0]],
            [[1e-4, 2.0, 3.0], [3.0, 2.0, 1.0]],
            [-1.0, -1.0],
            {"margin": -0.5, "eps": 0.0},
        ),
    ],
    # empty and full masks, probabilities within 1e-12 of 0 and 1, soft targets; focal γ < 1 without
    # a perfect overlap (there autograd's γ·0^(γ−1)·0 is NaN, lossref returns 0)
    "dice": [
        (
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1e-12, 1 - 1e-12, 0.5], [1e-300, 0.3, 1.0], [0.2, 0.7, 0.4]],
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
            {},
        ),
        ([[1e-12, 1 - 1e-12, 0.5], [0.2, 0.7, 0.4]], [[0.0, 1.0, 1.0], [0.3, 1.0, 0.5]], {"smooth": 0.0}),
    ],
    "jaccard": [
        (
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1e-12, 1 - 1e-12, 0.5], [1e-300, 0.3, 1.0], [0.2, 0.7, 0.4]],
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
            {},
        )
    ],
    "tversky": [
        (
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1e-12, 1 - 1e-12, 0.5], [1e-300, 0.3, 1.0], [0.2, 0.7, 0.4]],
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
            {"alpha": 0.3, "beta": 0.7, "smooth": 1e-7},
        )
    ],
    "focal_tversky": [
        (
            [[1e-12, 1 - 1e-12, 0.5], [1e-300, 0.3, 1.0], [0.2, 0.7, 0.4]],
            [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
            {},
        ),
        (
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.2, 0.7, 0.4]],
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.3, 1.0, 0.5]],
            {"gamma": 2.0, "smooth": 1e-7},
        ),
    ],
    "bradley_terry": [
        ([BIG, -BIG, 1e8, 0.0, 1e-300, 40.0], [-BIG, BIG, -1e8, 0.0, 0.0, 0.0], {}),
        ([BIG, -BIG, 1.0, 700.0], [-BIG, BIG, 0.0, -45.0], {"margin": 1.0}),
    ],
    # saturated pairs (h = ±2e4), log-probs of -1e-300 and 0, and cDPO smoothing on them
    "dpo": [
        (
            [-BIG, -1.0, -700.0, -5.0, -2.0],
            [-1.0, -BIG, -0.5, -5.0, -2.0],
            [-1.0, -BIG, -1e-300, 0.0, -BIG],
            [-BIG, -1.0, -800.0, 0.0, -BIG],
            {},
        ),
        (
            [-BIG, -1.0, -700.0, -5.0],
            [-1.0, -BIG, -0.5, -5.0],
            [-1.0, -BIG, -1e-300, 0.0],
            [-BIG, -1.0, -800.0, 0.0],
            {"beta": 1.0, "label_smoothing": 0.1},
        ),
    ],
    # ratios of e^±700, advantages of ±1e8 and 0, both clipped branches (away from the boundary)
    "ppo_clip": [
        (
            [0.0, -700.0, 5.0, -3.0, 1.0, 0.0],
            [-700.0, 0.0, 5.0, -3.0, 1.1, -40.0],
            [-1.0, 1e8, -1e8, 0.0, 2.0, 1e-300],
            {},
        ),
        ([0.0, -700.0, -0.5, 0.5], [-700.0, 0.0, 0.0, 0.0], [-1e-3, 1e8, -1e8, 1e8], {"clip_eps": 0.3}),
    ],
    "l2_penalty": [([1e150, -1e150, 1e-300, 0.0, 3.0], {})],
    "l1_penalty": [([1e300, -1e300, 1e-300, -1e-300, 0.0, 3.0], {"strength": 0.5})],
    "elastic_net_penalty": [
        ([1e150, -1e150, 1e-300, 0.0, 3.0], {}),
        ([1e150, -1e-300, 0.0, 3.0], {"strength": 2.0, "l1_ratio": 0.2}),
    ],
    "margin_ranking": [
        ([BIG, -BIG, 1e-300, 3.0, 1e8], [-BIG, BIG, 0.0, 3.5, -1e8], [1.0, 1.0, -1.0, -1.0, -1.0], {}),
        ([BIG, 0.25, 2.0], [BIG, 0.5, -2.0], [1.0, -1.0, 1.0], {"margin": 1.0}),
    ],
    # saturated pairs both ways, ties (z = 0) with every target, soft targets, differences of 2e8
    "ranknet": [
        (
            [BIG, -BIG, BIG, 1e8, 0.0, 1e-300, 40.0, 3.0],
            [-BIG, BIG, -BIG, -1e8, 0.0, 0.0, 0.0, 3.0],
            [1.0, 1.0, 0.0, 0.5, 0.5, 0.3, 1.0, 0.0],
            {},
        ),
        (
            [BIG, -BIG, 1.0, 700.0, 2.0],
            [-BIG, BIG, 0.0, -45.0, 2.0],
            [0.0, 0.5, 1.0, 1.0, 1.0],
            {"sigma": 2.5},
        ),
    ],
    # softmax of ±1e4 in the scores and in the labels, tied scores and labels, a large common offset
    "listnet": [
        (
            [
                [BIG, 0.0, -BIG],
                [-BIG, 0.0, BIG],
                [BIG, BIG, 0.0],
                [0.0, 0.0, 0.0],
                [40.0, 0.0, 1.0],
                [10001.0, BIG, 9999.5],
            ],
            [
                [BIG, 0.0, -BIG],
                [BIG, 0.0, -BIG],
                [1.0, 1.0, 0.0],
                [3.0, 0.0, 1.0],
                [0.0, 0.0, 0.0],
                [2.0, 1.0, 0.0],
            ],
            {},
        )
    ],
    # lists in and against the label order at ±1e4, tied labels (index order, as torch's stable
    # argsort) and tied scores, a large common offset, a low item between two high ones
    "listmle": [
        (
            [
                [BIG, 0.0, -BIG],
                [-BIG, 0.0, BIG],
                [BIG, BIG, 0.0],
                [0.0, 0.0, 0.0],
                [40.0, 0.0, 1.0],
                [10001.0, BIG, 9999.5],
                [0.0, -BIG, 1e-3],
                [2.0, 0.5, -1.0],
            ],
            [
                [2.0, 1.0, 0.0],
                [2.0, 1.0, 0.0],
                [1.0, 1.0, 0.0],
                [1.0, 1.0, 1.0],
                [0.0, 1.0, 2.0],
                [3.0, 0.0, 1.0],
                [2.0, 1.0, 0.0],
                [1.0, 1.0, 1.0],
            ],
            {},
        )
    ],
    # huge and tiny rows, swap both ways; no slack exactly 0 and no ties d(a, n) = d(p, n)
    "info_nce": [  # a tiny temperature: similarities of ±1000 (torch: cross_entropy on them)
        (
            [[1.0, 2.0, 3.0], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0]],
            [[2.0, 4.0, 6.0], [-1.0, -2.0, -3.0], [3.0, -2.0, 0.5]],
            {"temperature": 1e-3},
        ),
        (
            [[1.0, 2.0, 3.0], [3.0, 1.0, -2.0]],
            [[2.0, 4.0, 6.0], [1.0, 0.0, 0.0]],
            {"form": "nt_xent", "temperature": 0.01},
        ),
        ([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], {"form": "symmetric", "temperature": 0.05}),
    ],
    # similarities of ±1e4 (saturated softmax rows), tiny, zero and large rows
    "n_pair": [
        ([[100.0, 0.0], [0.0, 100.0], [70.0, -70.0]], [[100.0, 1.0], [-100.0, 0.0], [0.0, 100.0]], {}),
        (
            [[1e-200, 3e-200, 0.0], [0.0, 0.0, 0.0], [30.0, -30.0, 10.0]],
            [[1.0, 2.0, 3.0], [3.0, -2.0, 0.5], [30.0, -30.0, 10.0]],
            {},
        ),
    ],
    # τ = 1e-3 (similarities of ±1000), a lone anchor (left out of the mean), many positives
    "supervised_contrastive": [
        (
            [[1.0, 2.0, 3.0], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0], [2.0, 4.0, 6.0], [0.0, 1.0, 0.0]],
            [0, 1, 0, 1, 2],
            {"temperature": 1e-3},
        ),
        ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]], [3, 3, 3, 5], {"temperature": 0.05}),
    ],
    # frames of 0 and −1e4 (ℓ ≈ 1e4 over tied paths), −745 and −1e-300 entries, an infeasible target
    # scored 0 (zero_infinity) and an empty target, the blank last
    "ctc": [
        (
            [
                [[-1e4, 0.0, -1e4], [-1e4, -1e4, 0.0], [0.0, -1e4, -1e4], [-1e4, -1e4, 0.0]],
                [
                    [-745.0, -1e-300, -800.0],
                    [-1.0986, -1.0986, -1.0986],
                    [-2e4, -0.5, -0.9],
                    [0.0, -1e4, -1e4],
                ],
            ],
            [[1, 2], [1, 1]],
            [4, 4],
            [2, 2],
            {},
        ),
        (
            [
                [[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]],
                [[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]],
            ],
            [[1, 1], [2, 2]],
            [2, 3],
            [2, 0],
            {"zero_infinity": True},
        ),
        ([[[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]]], [[0, 1]], [3], [2], {"blank": 2}),
    ],
    # logits of ±1e4 and 1e-300, an empty mask, errors below 0 (no loss), no ties between errors
    "lovasz_hinge": [
        (
            [[1e4, -1e4, 0.5, 3.0], [2.0, 2.5, -1e4, 1e-300], [5.0, 4.0, -3.0, -7.0]],
            [[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]],
            {},
        ),
    ],
    # probabilities of exactly 0 and 1 and 1e-300, a class absent from an image, no ties
    "lovasz_softmax": [
        (
            [
                [[1.0, 0.0, 0.0], [1e-300, 1.0 - 1e-15, 1e-15], [0.2, 0.3, 0.5], [0.45, 0.35, 0.2]],
                [[0.9, 0.05, 0.05], [0.9, 0.06, 0.04], [0.1, 0.1, 0.8], [0.7, 0.2, 0.1]],
            ],
            [[0, 1, 2, 1], [2, 0, 2, 0]],
            {},
        ),
        ([[[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.15, 0.25, 0.6]]], [[0, 0, 1]], {"classes": "all"}),
    ],
    # cosines at ±1 and within the slack outside, the target at the threshold cos(π − m) (the
    # fallback: strictly above it is cos(θ + m)), at the edge of the 1 − 1e-7 band and inside it,
    # at 0 with easy_margin (the fallback again), saturated softmax (s = 64 and s = 1000)
    "arcface": [
        ([[1.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.3, -1.0, 1.0]], [0, 0, 2, 1], {}),
        (
            [
                [1.0 - 1e-7, 0.5, -1.0],
                [1.0 - 1e-12, -1.0, 0.2],
                [math.cos(math.pi - 0.5), 1.0, -1.0],
                [1.0 + 5e-7, -1.0 - 5e-7, 0.0],
            ],
            [0, 0, 0, 0],
            {"scale": 1e3},
        ),
        ([[0.0, 0.9, -0.9], [-0.2, 0.1, 0.0], [1.0, -1.0, -1.0]], [0, 1, 0], {"easy_margin": True}),
        ([[-1.0, 0.5, 0.0], [-0.99, 0.2, 0.3], [1.0, 0.0, 0.0]], [0, 0, 0], {"margin": 0.0}),
    ],
    "cosface": [
        ([[1.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.3, -1.0, 1.0]], [0, 0, 2, 1], {}),
        (
            [[1.0, 0.5, -1.0], [1.0 + 5e-7, -1.0 - 5e-7, 0.0], [-1.0, 1.0, -1.0]],
            [0, 0, 2],
            {"scale": 1e3, "margin": 0.5},
        ),
    ],
    # squares near 1e300, a feature at its center, differences of 1e-300, entries of 1e8 next to 1
    "center": [
        (
            [
                [1e150, -1e150, 0.0, 3e149],
                [0.0, 0.0, 0.0, 0.0],
                [1e-300, 0.0, 0.0, 0.0],
                [1e8, 1.0, -1e8, 0.0],
                [1.0, -1.0, 0.5, 2.0],
            ],
            [0, 0, 0, 3, 1],
            {
                "centers": [
                    [0.0, 0.0, 0.0, 0.0],
                    [1.0, -1.0, 0.5, 2.0],
                    [-2.0, 0.5, 1.0, 0.0],
                    [0.25, 3.0, -1.0, -0.5],
                ]
            },
        ),
        (
            [[0.0, 0.0], [-1e-300, 1e-300], [BIG, -BIG]],
            [0, 1, 1],
            {"centers": [[0.0, 0.0], [1e-300, -1e-300]]},
        ),
    ],
    "triplet_margin": [
        (
            [[BIG, 1.0, -BIG], [1.0, 2.0, 3.0], [1e-3, 2e-3, 0.0], [0.0, 0.0, 0.0]],
            [[BIG, 2.0, -BIG], [1.5, 2.0, 3.0], [3.0, 2.0, 1.0], [0.5, -0.5, 0.0]],
            [[BIG, 1.0, -BIG + 1.5], [1.0, 2.0, 6.0], [1e-3, 2e-3, 0.5], [2.0, 0.0, 0.0]],
            {},
        ),
        (
            [[BIG, 1.0, -BIG], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
            [[BIG, 2.0, -BIG], [2.0, 2.0, 3.0], [0.5, -0.5, 0.0]],
            [[BIG, 3.0, -BIG], [1.0, 2.5, 3.0], [2.0, 0.0, 0.0]],
            {"swap": True, "margin": 0.5},
        ),
        (
            [[BIG, 1.0, -BIG], [1.0, 2.0, 3.0]],
            [[BIG, 2.0, -BIG], [2.0, 2.0, 3.5]],
            [[BIG, 3.0, -BIG], [1.0, 2.5, 3.0]],
            {"p": 1, "swap": True},
        ),
    ],
    # identical similar and dissimilar pairs (d = 0: gradient 0 in both), huge and tiny rows
    "contrastive": [
        (
            [[BIG, 1.0, -BIG], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1e-3, 2e-3, 0.0], [0.25, 0.0, 0.0]],
            [[BIG, 2.0, -BIG], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [0.0, 0.0, 0.0]],
            [1.0, 1.0, 0.0, 0.0, 0.0],
            {},
        ),
    ],
    "kl_div": [([[-BIG, 0.0], [-1e-16, -37.0]], [[0.0, 1.0], [1.0 - 1e-16, 1e-16]], {})],
    # log-rates of ±700, zero counts, huge counts; rates from 1e-300 (with eps) to 1e300
    "poisson_nll": [
        ([700.0, -700.0, 0.0, 30.0, -30.0, 2.0], [0.0, 1e6, 0.0, 1e300, 7.0, 1.0], {}),
        ([1e-300, 0.0, 1e6, 1e300, 0.25], [0.0, 5.0, 1e6, 1.0, 3.0], {"log_input": False}),
        ([0.0, 3.0, -2.0, 700.0, 1.0], [0.0, 1.0, 1e300, 1.5, 2.0], {"full": True}),
    ],
    # residuals of ±1e8 and 1e150, variances from 1e-3 to 1e300 (away from the clamp at eps,
    # where PyTorch's variance gradient differs: a documented difference)
    # saturated logits, a padded token holding -100, and the sequence normalisation
    "sequence_cross_entropy": [
        (
            [
                [[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [0.0, 0.0, 0.0]],
                [[40.0, 0.0, 1.0], [-745.0, 0.0, 0.0], [BIG, 0.0, 0.0]],
            ],
            [[0, 0, 2], [0, 0, -100]],
            {"mask": [[1, 1, 1], [1, 1, 0]]},
        ),
        (
            [[[BIG, -BIG, 0.0], [-BIG, BIG, BIG]]],
            [[0, 1]],
            {"label_smoothing": 0.1, "normalize": "sequences"},
        ),
    ],
    "gaussian_nll": [
        (
            [1e8, -1e8, 0.0, 1e-300, 3.0, 1e150],
            [0.0, 0.0, 0.0, 0.0, -3.0, -1e150],
            [1e-3, 1e300, 2e-6, 1.0, 1e-3, 1e300],
            {},
        ),
        ([1e8, 2.0, 0.0], [-1e8, 0.0, 1.0], [1e-1, 2e-2, 1e300], {"full": True, "eps": 1e-2}),
    ],
    "gan_discriminator": [
        ([BIG, -BIG, 0.0, 40.0, -40.0, 1e-300], [-BIG, BIG, 0.0, 40.0, -745.0, 0.0], {}),
        ([1e8, -1e8, 1e-300, 3.0], [1e8, -1e8, 0.0, 2.5], {"variant": "least_squares"}),
        ([1e8, -1e8, 1e-300, 3.0], [1e8, BIG, 0.0, -2.5], {"variant": "wasserstein"}),
        ([BIG, -BIG, 0.5, 3.0], [-BIG, BIG, -0.5, -2.5], {"variant": "hinge"}),
    ],
    "gan_generator": [
        ([BIG, -BIG, 0.0, 1e-300, 40.0, -40.0, -745.0], {}),
        ([BIG, -BIG, 0.0, 1e-300, 40.0, -40.0, 745.0], {"variant": "saturating"}),
        ([1e8, -1e8, 1.0, 1e-300], {"variant": "least_squares"}),
        ([1e8, -1e8, 1e-300], {"variant": "hinge"}),
    ],
    # probabilities within 1e-6 of 0 and 1 (PyTorch clamps p(1 − p) at 1e-12 and log at −100: not reached),
    # means of 1e8, log-variances from −1e4 to 700
    "vae_elbo": [
        (
            [[1e-6, 1 - 1e-6, 0.5], [0.3, 0.7, 0.999]],
            [[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]],
            [[1e8, 0.0, 1.0], [30.0, 0.0, -BIG]],
            [[700.0, -BIG, 0.5], [-745.0, 0.0, 30.0]],
            {},
        ),
        (
            [[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0]],
            [[-1e8, 1e8, 0.0], [0.0, 3.0, 2.0]],
            [[1e8, 0.0, 1.0], [1.0, 2.0, 3.0]],
            [[700.0, -BIG, 0.0], [0.5, -0.5, 5.0]],
            {"reconstruction": "mse", "beta": 4.0},
        ),
    ],
    "diffusion_noise_mse": [
        ([[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0]], [[-1e8, 1e8, 0.0], [0.0, 3.0, BIG]], {})
    ],
    # issue 19 (catalog III): margin, detection and image losses
    # (no input at the kink x = m, y = -1: there PyTorch's clamp_min passes the gradient -1, lossref 0)
    "hinge_embedding": [
        ([BIG, -BIG, 1e-300, 1e8, -1e8, 0.5], [1.0, -1.0, -1.0, -1.0, 1.0, -1.0], {}),
        ([3.0, 0.0, -2.0, 1.5], [-1.0, -1.0, -1.0, 1.0], {"margin": -0.5}),
    ],
    "multilabel_soft_margin": [
        (
            [[BIG, -BIG, 0.0], [-BIG, BIG, 40.0], [-745.0, 700.0, 1e-300]],
            [[1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0]],
            {},
        ),
        (
            [[BIG, -BIG, 2.0], [-30.0, 30.0, 0.5]],
            [[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]],
            {"class_weights": [0.5, 0.0, 3.0]},
        ),
    ],
    # boxes: nested, overlapping, apart in x and in y, far from the origin, tiny (no edge on an
    # edge: there torch.max and torch.min split the gradient, lossref counts neither side)
    **{
        name: [
            (
                [
                    [0.25, 0.25, 0.75, 0.5],
                    [0.0, 0.0, 2.0, 1.0],
                    [3.0, -2.0, 4.0, -1.0],
                    [1e8, -1e8, 1e8 + 1.0, -1e8 + 2.0],
                    [1e-6, 2e-6, 3e-6, 5e-6],
                ],
                [
                    [0.0, 0.0, 1.0, 1.0],
                    [0.5, -0.5, 1.5, 1.5],
                    [0.0, 0.5, 1.0, 1.5],
                    [1e8 + 0.5, -1e8 + 0.25, 1e8 + 3.0, -1e8 + 1.0],
                    [2e-6, 1e-6, 4e-6, 3e-6],
                ],
                {},
            ),
            # edges on edges: torch.max and torch.min split the gradient evenly, as lossref does
            ([[0.0, 0.0, 2.0, 1.0], [0.5, -1.0, 2.0, 3.0]], [[0.0, 0.0, 1.0, 1.0], [0.5, -1.0, 2.0, 3.0]], {})
            if name != "ciou"  # equal boxes: α = 0/0 without torchvision's eps
            else (
                [[0.0, 0.0, 2.0, 1.0], [0.5, -1.0, 2.0, 3.0]],
                [[0.0, 0.0, 1.0, 1.0], [0.5, -1.0, 1.0, 3.0]],
                {},
            ),
        ]
        for name in ("giou", "diou", "ciou")
    },
    # ties between neighbours (|·|' = 0 in both), pixels of 1e8 and 1e200 beside 0, an (N, C, H, W) batch
    "total_variation": [
        (
            [
                [[1e8, -1e8, 0.0], [1e-300, 1e4, 1e4], [-1e4, 1e-12, 0.0]],
                [[1e200, 0.0, -1e200], [0.5, 1.5, 0.5], [3.0, 2.0, 3.0]],
            ],
            {},
        ),
        ([[[[1e8, 0.0], [0.0, -1e8]], [[1e-300, 2.0], [5.0, 5.0]]]], {}),
    ],
}


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _case(name, args, hyper, reduction, weights=None, kind="random", argnum=0):
    case = {
        "loss": name,
        "kind": kind,
        "args": [_jsonable(np.asarray(a)) for a in args],
        "hyper": _jsonable(hyper),
        "reduction": reduction,
        "weights": _jsonable(weights),
    }
    if argnum:  # the gradient is taken with respect to args[argnum] (absent: the first)
        case["argnum"] = argnum
    return case


def _argnums(loss, reduction):
    """The arguments a case's gradient is taken for: every differentiable one ("none", or a loss
    with no gradient such as zero_one: only the value is compared, once).
    """
    if reduction == "none":
        return [0]
    return [loss.arg_names.index(name) for name in loss.differentiable] or [0]


# Losses whose PyTorch reference came after the golden file's first version draw from their
# own generator, so adding one leaves every earlier case (and its random inputs) as it was.
ADDED_LATER = {
    "rmse": 1,
    "zero_one": 2,
    "hinge_embedding": 1901,
    "multilabel_soft_margin": 1902,
    "giou": 1903,
    "diou": 1904,
    "ciou": 1905,
    "total_variation": 1906,
}


def cases():
    rng = np.random.default_rng(2026)
    out = []
    for loss in lossref.catalog():
        if loss.name not in NO_TORCH and loss.name not in ADDED_LATER:
            out += _loss_cases(loss, rng)
    out += _extra_paths(rng)
    for name, seed in ADDED_LATER.items():
        if name not in NO_TORCH:
            out += _loss_cases(lossref.get(name), np.random.default_rng([2026, seed]))
    return out


def _loss_cases(loss, rng):
    """Random draws for each hyperparameter variant and reduction, a weighted mean, the extremes."""
    out = []
    for _, hyper in variants(loss):
        for _draw in range(2):
            args = prepare(loss, loss.sample_inputs(rng, batch=5, classes=4), hyper)
            for reduction in loss.reduction.choices:  # a penalty: "sum" and "none" only
                for argnum in _argnums(loss, reduction):
                    out.append(_case(loss.name, args, hyper, reduction, argnum=argnum))
    args = loss.sample_inputs(rng, batch=5, classes=4)
    if loss.reduction.accepts_weights:  # a coupled loss (InfoNCE) rejects weights=
        out.append(
            _case(
                loss.name,
                args,
                dict(loss.meta.required),
                loss.reduction.default,
                weights=rng.uniform(0.1, 3.0, size=5),
                kind="weights",
            )
        )
    # rows: the loss's arguments, then hyperparameters; "sum" and "none" where the loss has them (RMSE: "mean")
    reductions = [r for r in ("sum", "none") if r in loss.reduction.choices] or list(loss.reduction.choices)
    for *xs, hyper in EXTREMES.get(loss.name, []):
        for reduction in reductions:
            for argnum in _argnums(loss, reduction):
                out.append(_case(loss.name, xs, hyper, reduction, kind="extreme", argnum=argnum))
    return out


def _extra_paths(rng):
    """Input forms beyond the sampled defaults."""
    out = []
    z = rng.normal(scale=2.0, size=(6, 4))
    q = np.exp(z[::-1]) / np.exp(z[::-1]).sum(-1, keepdims=True)
    w = np.array([0.5, 2.0, 1.0, 3.0])
    labels = np.array([0, 2, 1, 2, 3, 2])
    for hyper in (
        {},
        {"label_smoothing": 0.2},
        {"class_weights": w},
        {"label_smoothing": 0.2, "class_weights": w},
    ):
        for reduction in ("mean", "sum", "none"):
            out.append(_case("softmax_cross_entropy", [z, q], hyper, reduction, kind="probability-targets"))
            out.append(
                _case(
                    "softmax_cross_entropy",
                    [z, labels],
                    dict(hyper, ignore_index=2),
                    reduction,
                    kind="ignore-index",
                )
            )
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    for hyper in ({"ignore_index": 2}, {"ignore_index": 2, "class_weights": w}):
        for reduction in ("mean", "sum", "none"):
            out.append(_case("nll", [log_p, labels], hyper, reduction, kind="ignore-index"))
    y = rng.integers(0, 2, size=(6, 4)).astype(float)
    for reduction in ("mean", "sum"):
        out.append(
            _case(
                "binary_cross_entropy_with_logits",
                [z, y],
                {"pos_weight": np.array([0.5, 1.0, 3.0, 9.0])},
                reduction,
                kind="per-class-pos-weight",
            )
        )
        out.append(
            _case(
                "binary_cross_entropy_with_logits",
                [z, rng.uniform(size=(6, 4))],
                {},
                reduction,
                kind="soft-labels",
            )
        )
        out.append(
            _case(
                "sigmoid_focal",
                [z, rng.uniform(size=(6, 4))],
                {"gamma": 1.5, "alpha": 0.4},
                reduction,
                kind="soft-labels",
            )
        )
    for hyper in ({"ignore_index": 2}, {"ignore_index": 2, "label_smoothing": 0.2, "class_weights": w}):
        for reduction in ("mean", "sum", "none"):
            out.append(
                _case("sparse_categorical_cross_entropy", [z, labels], hyper, reduction, kind="ignore-index")
            )
    # padded batches (B, T, V): a mask of real tokens; PyTorch sees label -100 there
    zs = rng.normal(scale=2.0, size=(3, 5, 4))
    lengths = np.array([5, 2, 3])
    mask = (np.arange(5) < lengths[:, None]).astype(float)
    tokens = np.where(mask > 0, rng.integers(0, 4, size=(3, 5)), -100)
    for hyper in (
        {"mask": mask},
        {"mask": mask, "label_smoothing": 0.2},
        {"mask": mask, "normalize": "sequences"},
    ):
        for reduction in ("mean", "sum", "none"):
            out.append(_case("sequence_cross_entropy", [zs, tokens], hyper, reduction, kind="padding-mask"))
    return out
