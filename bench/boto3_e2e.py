#!/usr/bin/env python3
"""boto3 end to end, as users see it: one client (keep-alive, no retries), calls one after another, each timed
whole (botocore serialization, base64, SigV4 payload hash, HTTP, parsing). Used by bench/scenarios/boto3-e2e.ts.

  python3 bench/boto3_e2e.py --endpoint URL --get N --publish N [--publish-bytes B] [--account 123456789012]

Prints one JSON object: {"get_ms": [...], "publish_ms": [...], "get_errors": {...}, "publish_errors": {...}}.
"""
import argparse
import io
import json
import os
import sys
import time
import zipfile

import boto3
import botocore.config
from botocore.exceptions import ClientError


def stored_zip(size: int, salt: int) -> bytes:
    data = bytearray(os.urandom(max(16, size - 150)))
    data[:8] = salt.to_bytes(8, "little")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("python/blob.bin", bytes(data))
    return out.getvalue()


def timed(errors: dict, fn) -> float:
    t0 = time.perf_counter()
    try:
        fn()
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "ClientError")
        errors[code] = errors.get(code, 0) + 1
    except Exception as e:  # connection errors and the like
        errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    return (time.perf_counter() - t0) * 1000.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--region", default="eu-central-1")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--get", type=int, default=300)
    ap.add_argument("--publish", type=int, default=20)
    ap.add_argument("--publish-bytes", type=int, default=1024 * 1024)
    args = ap.parse_args()

    client = boto3.client(
        "lambda",
        endpoint_url=args.endpoint,
        region_name=args.region,
        aws_access_key_id=args.account,
        aws_secret_access_key="bench-secret",
        config=botocore.config.Config(
            retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=600, connect_timeout=10
        ),
    )
    get_errors: dict = {}
    publish_errors: dict = {}
    tiny = stored_zip(300, 0)
    version = client.publish_layer_version(LayerName="bench-boto3-get", Content={"ZipFile": tiny})["Version"]
    for _ in range(min(20, args.get)):  # warm the connection and botocore's caches
        client.get_layer_version(LayerName="bench-boto3-get", VersionNumber=version)
    get_ms = [
        timed(get_errors, lambda: client.get_layer_version(LayerName="bench-boto3-get", VersionNumber=version))
        for _ in range(args.get)
    ]
    publish_ms = []
    for i in range(args.publish):
        z = stored_zip(args.publish_bytes, i + 1)
        publish_ms.append(
            timed(
                publish_errors,
                lambda: client.publish_layer_version(
                    LayerName="bench-boto3-publish", Content={"ZipFile": z}, CompatibleRuntimes=["python3.12"]
                ),
            )
        )
    json.dump(
        {"get_ms": get_ms, "publish_ms": publish_ms, "get_errors": get_errors, "publish_errors": publish_errors},
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
