"""lossref: loss functions with their values, analytic gradients and metadata, in NumPy."""

# Each family module lists its losses in __all__; adding a loss edits only its module.
from . import (
    _angular,
    _auxiliary,
    _boxes,
    _classification,
    _contrastive,
    _critic_penalties,
    _diffusion,
    _discrepancy,
    _divergence,
    _generative,
    _images,
    _listwise,
    _margin,
    _metric_pairs,
    _perceptual,
    _policy_gradient,
    _preference,
    _probabilistic,
    _proxies,
    _ranking,
    _regression,
    _regularization,
    _sampled,
    _segmentation,
    _self_supervised,
    _sequence,
    _transducer,
    _transport,
)
from ._angular import *  # noqa: F403
from ._auxiliary import *  # noqa: F403
from ._boxes import *  # noqa: F403
from ._classification import *  # noqa: F403
from ._contrastive import *  # noqa: F403
from ._core import Curve, Difference, Loss, catalog, get
from ._critic_penalties import *  # noqa: F403
from ._diffusion import *  # noqa: F403
from ._discrepancy import *  # noqa: F403
from ._divergence import *  # noqa: F403
from ._generative import *  # noqa: F403
from ._gradcheck import GradcheckResult, gradcheck, numerical_gradient
from ._images import *  # noqa: F403
from ._listwise import *  # noqa: F403
from ._margin import *  # noqa: F403
from ._metric_pairs import *  # noqa: F403
from ._perceptual import *  # noqa: F403
from ._policy_gradient import *  # noqa: F403
from ._preference import *  # noqa: F403
from ._probabilistic import *  # noqa: F403
from ._proxies import *  # noqa: F403
from ._ranking import *  # noqa: F403
from ._regression import *  # noqa: F403
from ._regularization import *  # noqa: F403
from ._sampled import *  # noqa: F403
from ._segmentation import *  # noqa: F403
from ._self_supervised import *  # noqa: F403
from ._sequence import *  # noqa: F403
from ._transducer import *  # noqa: F403
from ._transport import *  # noqa: F403

__all__ = [
    "Curve",
    "Difference",
    "GradcheckResult",
    "Loss",
    "catalog",
    "get",
    "gradcheck",
    "numerical_gradient",
]
__all__ += _angular.__all__
__all__ += _auxiliary.__all__
__all__ += _sampled.__all__
__all__ += _boxes.__all__
__all__ += _classification.__all__
__all__ += _contrastive.__all__
__all__ += _critic_penalties.__all__
__all__ += _diffusion.__all__
__all__ += _discrepancy.__all__
__all__ += _divergence.__all__
__all__ += _generative.__all__
__all__ += _images.__all__
__all__ += _listwise.__all__
__all__ += _margin.__all__
__all__ += _metric_pairs.__all__
__all__ += _perceptual.__all__
__all__ += _policy_gradient.__all__
__all__ += _preference.__all__
__all__ += _probabilistic.__all__
__all__ += _proxies.__all__
__all__ += _ranking.__all__
__all__ += _regression.__all__
__all__ += _regularization.__all__
__all__ += _segmentation.__all__
__all__ += _self_supervised.__all__
__all__ += _sequence.__all__
__all__ += _transducer.__all__
__all__ += _transport.__all__

__version__ = "0.1.0"
