"""``get_model_output``: a prediction from a Hub-style inference endpoint.

skops 0.11 posted through ``huggingface_hub.InferenceClient.post``, which huggingface_hub 0.31
removed, to the Hub's legacy inference API, which is gone. This module sends the same request
itself, with the standard library: ``POST {HF_INFERENCE_ENDPOINT}/models/{repo_id}`` with the
JSON body ``{"inputs": {"data": {column: [values, ...]}}}`` and the Hub's headers (token and
user agent from ``huggingface_hub.utils.build_hf_headers``). A JSON list in a successful answer
is the prediction.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any

import numpy as np

from skops_rs.exceptions import InferenceEndpointError
from skops_rs.hub_utils._hub import _client_identity, _huggingface_hub

#: Seconds to wait for the endpoint to connect, and then for each read of its answer. A
#: prediction on a tabular model takes milliseconds; the margin is for an endpoint that loads
#: the model on the first request.
INFERENCE_TIMEOUT = 120.0

#: Seconds before the one retry of a 503 answer (a server that is still loading the model).
#: The retry carries ``X-wait-for-model: 1``, which asks the server to block until it is ready,
#: as huggingface_hub's client did.
RETRY_DELAY = 1.0

#: Characters of a non-JSON answer quoted in the error.
_QUOTED_BODY = 200


def _inference_endpoint() -> str:
    """``HF_INFERENCE_ENDPOINT`` at call time, or the error saying that none is configured.

    Read at each call (huggingface_hub reads its constants at import), so a process can point
    at a server started after the import. There is no default: the Hub's legacy inference API,
    huggingface_hub's default, no longer exists.
    """
    endpoint = os.environ.get("HF_INFERENCE_ENDPOINT", "").strip()
    if not endpoint:
        raise InferenceEndpointError(
            "no inference endpoint is configured: set HF_INFERENCE_ENDPOINT to the base URL of "
            "a server answering the Hub's inference API (requests go to "
            "`{HF_INFERENCE_ENDPOINT}/models/{repo_id}`)"
        )
    return endpoint.rstrip("/")


def _inputs(data: Any) -> dict[str, Any]:
    """The ``inputs`` of the request: ``{"data": {column: [values, ...]}}``.

    A DataFrame gives its own columns (``to_dict(orient="list")``); an array gives ``x0``... in
    order, as ``hub_utils.init`` names them in ``config.json``. Array columns are converted to
    lists: skops 0.11 put numpy arrays in the JSON, which cannot be serialised.
    """
    try:
        return {"data": data.to_dict(orient="list")}
    except AttributeError:
        # the input is not a pandas DataFrame
        columns = {f"x{i}": np.asarray(data[:, i]).tolist() for i in range(data.shape[1])}
        return {"data": columns}


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST `body`; the status and body of the answer, whatever the status."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=INFERENCE_TIMEOUT) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        # An answer, if not a successful one: its body says why.
        with error:
            return int(error.code), error.read()
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise InferenceEndpointError(
            f"no inference endpoint answered at {url}: {reason}", url=url
        ) from error


def get_model_output(repo_id: str, data: Any, token: str | None = None) -> Any:
    """Returns the output of the model from an inference endpoint.

    Checks on the Hub (``HF_ENDPOINT``) that the repository has a task (``pipeline_tag``), then
    posts `data` to ``{HF_INFERENCE_ENDPOINT}/models/{repo_id}`` as the Hub's inference API
    expects it, and returns the predictions.

    Parameters
    ----------
    repo_id : str
        The ID of the Hugging Face Hub repository in the form of ``OWNER/REPO_NAME``.

    data : Any
        The input to be given to the model. This can be a :class:`pandas.DataFrame` or a 2D
        :class:`numpy.ndarray` (its columns are sent as ``x0``, ``x1``...). If possible, you
        should always pass a :class:`pandas.DataFrame` with correct column names.

    token : str, optional
        The token sent to the Hub and to the endpoint. ``HF_TOKEN`` or the stored login
        otherwise. Only required if the repository is private.

    Returns
    -------
    output : numpy.ndarray
        The output of the model.

    Raises
    ------
    InferenceEndpointError
        A ``RuntimeError``: ``HF_INFERENCE_ENDPOINT`` is not set, nothing answers there, or
        the answer is not JSON.
    RuntimeError
        The endpoint answered with errors or warnings (any JSON answer other than a list, or
        a JSON answer with an error status); the message includes them.
    ValueError
        The repository has no task on the Hub.
    """
    endpoint = _inference_endpoint()
    hub = _huggingface_hub("get_model_output")
    model_info = hub.HfApi(**_client_identity()).model_info(repo_id=repo_id, token=token)
    if not model_info.pipeline_tag:
        raise ValueError(
            f"Repo {repo_id} has no pipeline tag. You should set a valid 'task' in"
            " config.json and README.md files. This is automatically done for you if"
            " you pass a valid task to the skops_rs.hub_utils.init() and"
            " skops_rs.card.metadata_from_config() functions to generate those files."
        )

    url = f"{endpoint}/models/{repo_id}"
    body = json.dumps({"inputs": _inputs(data)}).encode("utf-8")
    from huggingface_hub.utils import build_hf_headers  # installed: `hub` imported it

    identity = _client_identity()
    headers = dict(
        build_hf_headers(
            token=token,
            library_name=identity["library_name"],
            library_version=identity["library_version"],
        )
    )
    headers["Content-Type"] = "application/json"
    status, answer = _post(url, body, headers)
    if status == 503:
        time.sleep(RETRY_DELAY)
        status, answer = _post(url, body, {**headers, "X-wait-for-model": "1"})

    try:
        res = json.loads(answer.decode("utf-8"))
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        quoted = answer[:_QUOTED_BODY].decode("utf-8", errors="replace")
        raise InferenceEndpointError(
            f"the answer of {url} (HTTP {status}) is not JSON: {quoted!r}",
            url=url,
            status=status,
        ) from error

    if 200 <= status < 300 and isinstance(res, list):
        return np.array(res)
    raise RuntimeError(f"There were errors or warnings during inference: {res}")
