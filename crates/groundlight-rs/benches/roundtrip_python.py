"""The official Python SDK's side of the `roundtrip` bench (benches/roundtrip.rs).

One round trip = `submit_image_query(detector_id, jpeg_bytes, wait=0)` (no polling) followed by
`get_image_query(id)`, against the local server the Rust bench starts. Measured:

* sequential: one client, one thread; latency of each round trip (after a warm-up);
* concurrent: N threads sharing a fixed number of round trips; throughput. By default every
  thread has its own `Groundlight` client (the fair setting: the SDK's urllib3 pool keeps at most
  `cpu_count() * 5` connections per client, so one client shared by more threads than that opens
  and discards connections); `--shared-client` also measures one client shared by all threads.

Clients are constructed before timing starts (construction calls the server: token lookup,
`GET /v1/me` twice). Prints one JSON object on the last line of stdout.

Normally started by `cargo bench -p groundlight-rs --bench roundtrip`, which passes the server's
endpoint; by hand: `python roundtrip_python.py --endpoint http://127.0.0.1:PORT --token ... \
--detector det_... --image ../examples/assets/door.jpg`.
"""

import argparse
import itertools
import json
import logging
import os
import statistics
import sys
import threading
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--endpoint", default=os.environ.get("GL_BENCH_ENDPOINT"))
    p.add_argument("--token", default=os.environ.get("GL_BENCH_TOKEN"))
    p.add_argument("--detector", default=os.environ.get("GL_BENCH_DETECTOR"))
    p.add_argument("--image", default=os.environ.get("GL_BENCH_IMAGE"))
    p.add_argument("--seq-warmup", type=int, default=30)
    p.add_argument("--seq-iters", type=int, default=300)
    p.add_argument("--threads", type=int, default=32)
    p.add_argument("--conc-warmup", type=int, default=64)
    p.add_argument("--conc-total", type=int, default=2000)
    p.add_argument("--shared-client", action="store_true", help="also measure one client shared by all threads")
    args = p.parse_args()
    missing = [name for name in ("endpoint", "token", "detector", "image") if not getattr(args, name)]
    if missing:
        p.error(
            "missing --" + ", --".join(missing) + " (this script is normally started by "
            "`cargo bench -p groundlight-rs --bench roundtrip`, which runs the server)"
        )
    return args


def percentile(sorted_values, q):
    """Nearest-rank percentile (same definition as the Rust side)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(n * q / 100)
    return sorted_values[int(rank) - 1]


def main():
    args = parse_args()
    # The SDK logs a warning when token rotation is unavailable (the local server answers 404 to the
    # token lookup, as the official fake does); keep stderr for real problems.
    logging.getLogger("groundlight").setLevel(logging.ERROR)

    import groundlight  # noqa: PLC0415  (imported after arg parsing so --help works without it)
    from groundlight import Groundlight  # noqa: PLC0415

    with open(args.image, "rb") as f:
        image = f.read()

    def make_client():
        return Groundlight(endpoint=args.endpoint, api_token=args.token)

    def round_trip(gl):
        iq = gl.submit_image_query(args.detector, image, wait=0)
        got = gl.get_image_query(iq.id)
        if got.id != iq.id or got.result is None or got.result.label is None:
            raise RuntimeError(f"unexpected image query: {got!r}")

    # Sequential latency.
    gl = make_client()
    for _ in range(args.seq_warmup):
        round_trip(gl)
    samples_us = []
    cpu0 = time.process_time()
    for _ in range(args.seq_iters):
        t0 = time.perf_counter_ns()
        round_trip(gl)
        samples_us.append((time.perf_counter_ns() - t0) / 1000.0)
    seq_cpu = time.process_time() - cpu0
    samples_us.sort()
    sequential = {
        "iterations": len(samples_us),
        "median_us": statistics.median(samples_us),
        "p95_us": percentile(samples_us, 95),
        "mean_us": statistics.fmean(samples_us),
        "cpu_us_per_round_trip": seq_cpu * 1e6 / max(1, len(samples_us)),
    }

    def concurrent(clients):
        """`args.threads` threads share `args.conc_total` round trips; returns round trips/s."""
        # Warm every client's connection pool first (not timed).
        counter = itertools.count()
        errors = []

        def worker(client, budget, barrier):
            try:
                barrier.wait()
                while next(counter) < budget:
                    round_trip(client)
            except Exception as e:  # noqa: BLE001  (reported after the join)
                errors.append(repr(e))

        def run(budget):
            nonlocal counter
            counter = itertools.count()
            barrier = threading.Barrier(args.threads + 1)
            threads = [
                threading.Thread(target=worker, args=(clients[i % len(clients)], budget, barrier), daemon=True)
                for i in range(args.threads)
            ]
            for t in threads:
                t.start()
            barrier.wait()
            t0, cpu0 = time.perf_counter(), time.process_time()
            for t in threads:
                t.join()
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            if errors:
                raise RuntimeError(f"{len(errors)} round trips failed, first: {errors[0]}")
            return elapsed, cpu

        run(args.conc_warmup)
        elapsed, cpu = run(args.conc_total)
        return {
            "threads": args.threads,
            "clients": len(clients),
            "round_trips": args.conc_total,
            "seconds": elapsed,
            "round_trips_per_s": args.conc_total / elapsed,
            "cpu_us_per_round_trip": cpu * 1e6 / args.conc_total,
        }

    per_thread = concurrent([make_client() for _ in range(args.threads)])
    result = {
        "sdk": "groundlight",
        "sdk_version": getattr(groundlight, "__version__", None) or _dist_version(),
        "python": sys.version.split()[0],
        "image_bytes": len(image),
        "sequential": sequential,
        "concurrent_client_per_thread": per_thread,
    }
    if args.shared_client:
        result["concurrent_shared_client"] = concurrent([gl])
    print(json.dumps(result))


def _dist_version():
    try:
        from importlib.metadata import version  # noqa: PLC0415

        return version("groundlight")
    except Exception:  # noqa: BLE001
        return None


if __name__ == "__main__":
    main()
