#!/usr/bin/env python3
"""Times the official ``inference_sdk`` 1.8.3 on the CPU work of ``benches/cpu.rs``.

Companion of ``benches/cpu.rs`` (``cargo xtask bench roboflow-cpu``), which runs it in
``target/bench-venv`` with ``benches/requirements.txt`` installed and passes the URL of its
loopback server (which answers every request with the same small JSON) and the data files.

0. ``build``: exactly what ``InferenceHTTPClient.infer`` (v0, client downsizing disabled)
   does before its HTTP call: ``_prepare_infer_from_api_v0_request_data`` (reads the 4 MB
   JPEG, base64s it, builds the ``RequestData``) and, as ``make_request`` through
   ``Session.post`` does, ``Session.prepare_request`` (the URL with its query, headers,
   body). Nothing is sent. (``requests`` keeps the body a ``str`` and encodes it while
   sending; that copy is not counted here.)
1. ``request``: ``InferenceHTTPClient.infer(path, model_id)`` after ``select_api_v0()``,
   client downsizing disabled (the default): reads the 4 MB JPEG, base64s it, builds and sends
   the v0 request, parses the small answer.
2. ``parse``: what ``infer_from_api_v0`` (``http/client.py``) does with an answer's body once
   the HTTP call returned, on the 300 x 500-point instance-segmentation answer:
   ``api_key_safe_raise_for_status`` (done by ``execute_requests_packages``),
   ``response.json()``, the ``visualization`` check, ``decode_anomaly_detection_result``,
   ``adjust_prediction_to_client_scaling_factor`` (factor ``None``: no downsizing),
   ``unwrap_single_element_list``.
3. ``downsize``: as 1 with ``client_downsizing_disabled=False``: decoding the 4000x3000 JPEG,
   resizing it to the 1024x1024 default bound (OpenCV), re-encoding, base64, sending.

Prints one JSON object on stdout.
"""

import argparse
import gc
import importlib.metadata
import json
import platform
import statistics
import sys
import time

import requests
from inference_sdk import InferenceConfiguration, InferenceHTTPClient
from inference_sdk.http.utils.anomaly_maps import decode_anomaly_detection_result
from inference_sdk.http.utils.iterables import unwrap_single_element_list
from inference_sdk.http.utils.post_processing import (
    adjust_prediction_to_client_scaling_factor,
    transform_base64_visualisation,
)
from inference_sdk.http.utils.requests import api_key_safe_raise_for_status

MODEL_ID = "bench-project/1"


def timed(runs, warmup, f):
    for _ in range(warmup):
        f()
    samples = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        out = f()
        samples.append(time.perf_counter() - start)
        del out
    return {
        "runs": runs,
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "samples_s": samples,
    }


def build_requests(client, session, image):
    """The v0 requests ``client.infer(image, model_id=MODEL_ID)`` would send, not sent."""
    requests_data = client._prepare_infer_from_api_v0_request_data(
        inference_input=image, model_id=MODEL_ID
    )
    return [
        session.prepare_request(
            requests.Request(
                "POST",
                request_data.url,
                headers=request_data.headers,
                params=request_data.parameters,
                data=request_data.data,
                json=request_data.payload,
            )
        )
        for request_data in requests_data
    ]


def handle_answer(response, configuration):
    """The body of ``infer_from_api_v0``'s loop over the responses (JSON answer branch)."""
    api_key_safe_raise_for_status(response=response)
    parsed_response = response.json()
    if parsed_response.get("visualization") is not None:
        parsed_response["visualization"] = transform_base64_visualisation(
            visualisation=parsed_response["visualization"],
            expected_format=configuration.output_visualisation_format,
        )
    parsed_response = decode_anomaly_detection_result(parsed_response)
    parsed_response = adjust_prediction_to_client_scaling_factor(
        prediction=parsed_response, scaling_factor=None
    )
    return unwrap_single_element_list(sequence=[parsed_response])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--answer", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    plain = InferenceHTTPClient(api_url=args.api_url, api_key="bench-key")
    plain.select_api_v0()
    downsizing = InferenceHTTPClient(api_url=args.api_url, api_key="bench-key")
    downsizing.select_api_v0()
    downsizing.configure(InferenceConfiguration(client_downsizing_disabled=False))

    with open(args.answer, "rb") as f:
        body = f.read()
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    response._content = body
    configuration = InferenceConfiguration()
    parsed = handle_answer(response, configuration)
    assert len(parsed["predictions"]) == 300, "unexpected answer"
    assert all(len(p["points"]) == 500 for p in parsed["predictions"])
    del parsed

    session = requests.Session()
    built = build_requests(plain, session, args.image)
    assert len(built) == 1 and len(built[0].body) > 4_000_000, "unexpected request"
    del built

    report = {
        "build": timed(
            args.runs, args.warmup, lambda: build_requests(plain, session, args.image)
        ),
        "request": timed(
            args.runs, args.warmup, lambda: plain.infer(args.image, model_id=MODEL_ID)
        ),
        "parse": timed(args.runs, args.warmup, lambda: handle_answer(response, configuration)),
        "downsize": timed(
            args.runs, args.warmup, lambda: downsizing.infer(args.image, model_id=MODEL_ID)
        ),
    }
    report["runs"] = args.runs
    report["sdk_version"] = importlib.metadata.version("inference-sdk")
    report["opencv_version"] = next(
        (
            importlib.metadata.version(name)
            for name in ("opencv-python", "opencv-python-headless")
            if _installed(name)
        ),
        "?",
    )
    report["numpy_version"] = importlib.metadata.version("numpy")
    report["python_version"] = platform.python_version()
    print(json.dumps(report))


def _installed(name):
    try:
        importlib.metadata.version(name)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


if __name__ == "__main__":
    sys.exit(main())
