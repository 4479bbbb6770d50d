#!/usr/bin/env python3
"""Times the official Dragoneye SDK's own results deserializer on a results ZIP.

Companion of ``benches/decode.rs`` (``cargo bench -p dragoneye-rs --features testing --bench
decode``), which runs it in ``target/bench-venv`` with ``benches/requirements.txt`` installed
(``dragoneye-python==2.0.1``).

What is timed is exactly what ``Classification._get_results_unified`` of dragoneye-python 2.0.1
(``classification.py``) does once the HTTP body and headers are in hand, with the same functions
of ``dragoneye.parquet_deserializer`` and the same response models:

* ``split_prediction_archive(body)`` (``zipfile``), the ``predictions.parquet`` presence check;
* video: ``deserialize_video_frame_timestamps`` (if the member exists), then
  ``ClassificationPredictVideoResponse(objects=deserialize_object_forward_video_predictions(...),
  frames_per_second=int(header), ...)``;
* image: ``ClassificationPredictImageResponse(objects=deserialize_object_forward_image_predictions(...),
  ...)``.

The body is read from disk once, before timing (the Rust side also decodes from memory).
Freeing a result happens outside the timed window on both sides.

Usage: ``decode_python.py ZIP --kind video|image [--uuid U] [--file-name N] [--fps F]
[--runs N] [--warmup W] [--dump-json OUT]``. Prints one JSON object on stdout.
``--dump-json`` writes ``model_dump_json()`` of the last timed result (for the cross-check).
"""

import argparse
import gc
import importlib.metadata
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

from dragoneye import parquet_deserializer as pd
from dragoneye.models import (
    ClassificationPredictImageResponse,
    ClassificationPredictVideoResponse,
)
from dragoneye.types.exception import PredictionTaskResultsUnavailableError


def get_video_results(body, prediction_task_uuid, headers):
    """The body of ``_get_results_unified`` after ``_make_request()``, video branch."""
    members = pd.split_prediction_archive(body)
    if "predictions.parquet" not in members:
        raise PredictionTaskResultsUnavailableError(
            "Prediction results archive missing predictions.parquet"
        )
    predictions_bytes = members["predictions.parquet"]
    original_file_name = headers.get("X-Original-File-Name")
    frames_per_second_header = headers.get("X-Frames-Per-Second")
    if frames_per_second_header is None:
        raise PredictionTaskResultsUnavailableError(
            "Missing X-Frames-Per-Second header on video prediction response"
        )
    frame_timestamps_bytes = members.get("frame_timestamps.parquet")
    frame_timestamps_microseconds = (
        pd.deserialize_video_frame_timestamps(frame_timestamps_bytes)
        if frame_timestamps_bytes is not None
        else []
    )
    return ClassificationPredictVideoResponse(
        objects=pd.deserialize_object_forward_video_predictions(predictions_bytes),
        frames_per_second=int(frames_per_second_header),
        frame_timestamps_microseconds=frame_timestamps_microseconds,
        prediction_task_uuid=prediction_task_uuid,
        original_file_name=original_file_name,
    )


def get_image_results(body, prediction_task_uuid, headers):
    """The body of ``_get_results_unified`` after ``_make_request()``, image branch."""
    members = pd.split_prediction_archive(body)
    if "predictions.parquet" not in members:
        raise PredictionTaskResultsUnavailableError(
            "Prediction results archive missing predictions.parquet"
        )
    predictions_bytes = members["predictions.parquet"]
    original_file_name = headers.get("X-Original-File-Name")
    return ClassificationPredictImageResponse(
        objects=pd.deserialize_object_forward_image_predictions(predictions_bytes),
        prediction_task_uuid=prediction_task_uuid,
        original_file_name=original_file_name,
    )


def video_phases(body):
    """One extra, untimed-for-the-headline run split into phases (where the time goes)."""
    import io

    import polars as pl

    phases = []
    t = time.perf_counter()

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        phases.append((name, now - t))
        t = now

    members = pd.split_prediction_archive(body)
    lap("unzip")
    frames = members.get("frame_timestamps.parquet")
    if frames is not None:
        pd.deserialize_video_frame_timestamps(frames)
    lap("frame_timestamps")
    df = pl.read_parquet(io.BytesIO(members["predictions.parquet"]))
    lap("polars read_parquet")
    rows = list(df.iter_rows(named=True))
    lap("polars iter_rows(named=True)")
    objects = [pd._to_video_detected_object(row) for row in rows]
    lap("pydantic models")
    del objects, rows, df
    return phases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path)
    parser.add_argument("--kind", choices=["video", "image"], required=True)
    parser.add_argument("--uuid", default="00000000-0000-0000-0000-000000000000")
    parser.add_argument("--file-name", default=None)
    parser.add_argument("--fps", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--dump-json", type=Path, default=None)
    args = parser.parse_args()

    body = args.zip.read_bytes()
    headers = {}
    if args.file_name is not None:
        headers["X-Original-File-Name"] = args.file_name
    if args.kind == "video":
        headers["X-Frames-Per-Second"] = str(args.fps)
        decode = get_video_results
    else:
        decode = get_image_results

    timed = args.runs > 1
    for _ in range(args.warmup if timed else 0):
        result = decode(body, args.uuid, headers)
        del result
    samples = []
    result = None
    for _ in range(max(args.runs, 1)):
        result = None  # free the previous result before the clock starts
        gc.collect()
        start = time.perf_counter()
        result = decode(body, args.uuid, headers)
        samples.append(time.perf_counter() - start)

    if args.dump_json is not None:
        args.dump_json.write_text(result.model_dump_json())
    objects = len(result.objects)
    result = None
    gc.collect()

    phases = video_phases(body) if args.kind == "video" and timed else []

    print(
        json.dumps(
            {
                "kind": args.kind,
                "zip_bytes": len(body),
                "objects": objects,
                "runs": len(samples),
                "median_s": statistics.median(samples),
                "min_s": min(samples),
                "samples_s": samples,
                "phases_s": phases,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "sdk_version": importlib.metadata.version("dragoneye-python"),
                "polars_version": importlib.metadata.version("polars"),
                "pydantic_version": importlib.metadata.version("pydantic"),
                "python_version": platform.python_version(),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
