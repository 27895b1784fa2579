"""Keras and optax's side of the cases in tests/framework_cases.py.

The recipe behind tests/golden/keras.json and tests/golden/optax.json.

Keras runs on the JAX backend (set here, before Keras is imported) with floatx float64, and
JAX with x64 enabled, so inputs stay float64; each case's ``call`` is evaluated as written,
and its gradient is JAX's autodiff of that same expression.
"""

import os

os.environ["KERAS_BACKEND"] = "jax"

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

if keras.backend.backend() != "jax":  # Keras was imported earlier with another backend
    raise RuntimeError(
        f"Keras runs on {keras.backend.backend()!r}; the conformance cases need KERAS_BACKEND=jax"
    )
keras.config.set_floatx("float64")

VERSIONS = {"Keras": keras.__version__, "optax": optax.__version__, "jax": jax.__version__}


def metric(m, *args):
    """A Keras metric's value after one batch."""
    m.update_state(*args)
    return m.result()


def evaluate(case):
    """The framework's value (a float or a list) and, if the case names an input, the gradient by it."""
    inputs = {k: jnp.asarray(v) for k, v in case["inputs"].items()}
    scope = {"keras": keras, "optax": optax, "jnp": jnp, "metric": metric}

    def call(**replace):
        return eval(case["call"], scope, dict(inputs, **replace))

    value = np.asarray(call()).tolist()
    grad = None
    if case["grad"]:
        name = case["grad"]
        grad = np.asarray(jax.grad(lambda x: call(**{name: x}))(inputs[name])).tolist()
    return value, grad
