"""Python side of the `upload` bench: the official `clarifai` SDK's Dataset.upload_from_folder
against the fake, its gRPC stub swapped for clarifai-grpc's own JSON channel (the fake speaks
JSON REST). argv: base_url, pat, folder, dataset_id, batch_size, workers (the SDK's
`num_workers`, set like the Rust side's concurrency). Uploads into app
`bench-<dataset_id>` (each run its own app: the folders share file names, hence input ids). Prints seconds and peak RSS in KiB."""
import resource
import sys
import time

from clarifai_grpc.channel.clarifai_channel import ClarifaiChannel
from clarifai_grpc.grpc.api import service_pb2_grpc

from clarifai.client.auth import helper


def main():
    base, pat, folder, dataset_id, batch, workers = sys.argv[1:7]

    def json_stub(self):
        channel = ClarifaiChannel.get_json_channel(base_url=base)
        return service_pb2_grpc.V2Stub(channel), channel

    helper.ClarifaiAuthHelper.get_stub_and_channel = json_stub
    from clarifai.client.dataset import Dataset

    ds = Dataset(dataset_id=dataset_id, user_id="fake-user", app_id="bench-" + dataset_id, pat=pat, base_url=base)
    ds.num_workers = int(workers)  # the SDK's default is min(10, cpu_count())
    t = time.perf_counter()
    ds.upload_from_folder(folder_path=folder, input_type="image", labels=False, batch_size=int(batch))
    elapsed = time.perf_counter() - t
    print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


if __name__ == "__main__":
    main()
