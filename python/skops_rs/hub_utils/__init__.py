"""Model repositories for a Hugging Face Hub: a drop-in for skops 0.11's ``skops.hub_utils``.

``init`` makes a repository folder from a model file (copied, never loaded) and writes its
``config.json``; ``add_files``, ``update_env``, ``get_config`` and ``get_requirements`` edit and
read it; ``push`` and ``download`` move it to and from a Hub (https://huggingface.co, or any
Hub-compatible server such as ``skops-rs hub serve``, through ``HF_ENDPOINT``) with the
official ``huggingface_hub`` client (``pip install skops-rs[hub]``); ``get_model_output`` asks
an inference endpoint (``HF_INFERENCE_ENDPOINT``) for predictions.

Same signatures, defaults, ``config.json`` bytes, exceptions and messages as skops 0.11, with
no deprecation warnings (``push`` and ``get_model_output`` are supported here). The
differences (atomic ``config.json`` writes, ``download(keep_cache=False)`` removing the files
too, no default inference endpoint and :class:`~skops_rs.exceptions.InferenceEndpointError`)
are listed in ``docs/hub_utils.md``.
"""

from skops_rs.exceptions import InferenceEndpointError as InferenceEndpointError
from skops_rs.hub_utils._hub import download, push
from skops_rs.hub_utils._inference import get_model_output
from skops_rs.hub_utils._repo import (
    SUPPORTED_TASKS as SUPPORTED_TASKS,
)
from skops_rs.hub_utils._repo import (
    add_files,
    get_config,
    get_requirements,
    init,
    update_env,
)

# The names of skops 0.11's `skops.hub_utils`; `SUPPORTED_TASKS` and `InferenceEndpointError`
# are importable too.
__all__ = [
    "add_files",
    "download",
    "get_config",
    "get_model_output",
    "get_requirements",
    "init",
    "push",
    "update_env",
]
