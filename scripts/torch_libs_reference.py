"""pytorch-metric-learning's and Kornia's side of the cases in tests/framework_cases.py.

The recipe behind tests/golden/pml.json and tests/golden/kornia.json.

Both are PyTorch libraries: each case's ``call`` is evaluated as written on float64 tensors
(integer inputs become int64 tensors) with ``torch``, ``pml`` (pytorch_metric_learning with its
``losses``, ``reducers``, ``distances`` and ``miners``) and ``kornia`` in scope, and its gradient is
autograd's gradient of that same expression.
"""

import importlib.metadata

import kornia
import numpy as np
import pytorch_metric_learning as pml
import torch
from pytorch_metric_learning import distances, losses, miners, reducers  # noqa: F401  (pml.losses etc.)

torch.set_num_threads(1)  # deterministic summation order

VERSIONS = {
    "pytorch-metric-learning": importlib.metadata.version("pytorch-metric-learning"),
    "Kornia": importlib.metadata.version("kornia"),
    "torch": torch.__version__.split("+")[0],
}


def _tensor(value):
    array = np.asarray(value)
    if array.dtype.kind in "iub":
        return torch.tensor(array, dtype=torch.int64)
    return torch.tensor(array, dtype=torch.float64)


def evaluate(case):
    """The library's value (a float or a list) and, if the case names an input, autograd's gradient by it."""
    inputs = {k: _tensor(v) for k, v in case["inputs"].items()}
    scope = {"torch": torch, "pml": pml, "kornia": kornia}
    name = case["grad"]
    if name:
        inputs[name].requires_grad_(True)
    value = eval(case["call"], scope, dict(inputs))
    grad = None
    if name:
        (grad,) = torch.autograd.grad(value.sum(), inputs[name])
        grad = grad.numpy().tolist()
    return value.detach().numpy().tolist(), grad
