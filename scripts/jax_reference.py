"""Keras and optax's side of the cases in tests/framework_cases.py.

The recipe behind tests/golden/keras.json and tests/golden/optax.json.

Keras runs on the JAX backend (set here, before Keras is imported) with floatx float64, and
JAX with x64 enabled, so inputs stay float64; each case's ``call`` is evaluated as written,
and its gradient is JAX's autodiff of that same expression.

Each call is compiled with ``jax.jit``, value and gradient together, as a training step runs it
(Keras 3.15.1's ``compile(jit_compile="auto")`` resolves to XLA on the JAX backend:
keras/src/trainers/trainer.py, ``_resolve_auto_jit_compile``). Run eagerly, JAX compiles every
primitive on its own: the 77 cases took 897 XLA compilations and 41 s, compiled whole 10 s.
The values agree with the eager ones to 1.3e-14 relative, except Keras's CTC, which computes
in float32 (3.4e-8, within its case's 1e-6).
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

    name = case["grad"]
    # a Keras metric updates its variables, which a traced function may not: those run eagerly
    compiled = (lambda f: f) if "metric(" in case["call"] else jax.jit
    if name:
        value, grad = compiled(jax.value_and_grad(lambda x: call(**{name: x})))(inputs[name])
        return np.asarray(value).tolist(), np.asarray(grad).tolist()
    return np.asarray(compiled(call)()).tolist(), None
