"""Python side of the `wire` bench: the clarifai-grpc 12.6.0 JSON channel's own conversions.

Build: the request message from the image bytes, then what `GRPCJSONChannel`'s
`__call__` does before handing the dict to `HttpClient.execute_request`
(`protobuf_to_dict(request, use_integers_for_enums=False, ignore_show_empty=True)`, the path
field dropped) and the `json.dumps(params)` that becomes the POST body. Left out, in the
client's favour: the route lookup and the logging copy (`_mangle_base64_values` deep-copies
the params on every call). Parse: `json.loads` and
`dict_to_protobuf(message, response_json, ignore_unknown_fields=True)`, as the channel does.

argv: response.json, number of inputs, image bytes, runs. Prints the median build and parse
times in seconds.
"""
import json
import statistics
import sys
import time

from clarifai_grpc.channel.custom_converters.custom_dict_to_message import dict_to_protobuf
from clarifai_grpc.channel.custom_converters.custom_message_to_dict import protobuf_to_dict
from clarifai_grpc.grpc.api import resources_pb2, service_pb2


def image(n, size):
    return bytes(((i * 31 + n * 7) % 251) for i in range(size))


def main():
    path, n, size, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    images = [image(k, size) for k in range(n)]
    body = open(path).read()

    def build():
        request = service_pb2.PostModelOutputsRequest(
            user_app_id=resources_pb2.UserAppIDSet(user_id="clarifai", app_id="main"),
            model_id="general-image-detection",
            inputs=[resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(base64=b))) for b in images],
        )
        params = protobuf_to_dict(request, use_integers_for_enums=False, ignore_show_empty=True)
        # The channel drops the url fields it finds at the top level (`model_id`; the
        # `user_app_id.*` names do not match, so `user_app_id` stays in the body).
        params.pop("model_id", None)
        return json.dumps(params)

    def parse():
        return dict_to_protobuf(
            service_pb2.MultiOutputResponse, json.loads(body), ignore_unknown_fields=True
        )

    def timed(f):
        for _ in range(2):
            f()
        out = []
        for _ in range(runs):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
        return statistics.median(out)

    print(timed(build), timed(parse))


if __name__ == "__main__":
    main()
