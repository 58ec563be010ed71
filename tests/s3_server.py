"""A real S3-compatible server for tests: moto's standalone server on 127.0.0.1 (moto[server])."""
from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"
REGION = "eu-central-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Server:
    endpoint: str
    bucket: str

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY)

    def env(self) -> dict[str, str]:
        """What a web or worker process is given to store artifacts in this bucket."""
        return {"REPORTING_ARTIFACTS_S3_BUCKET": self.bucket, "AWS_S3_ENDPOINT_URL": self.endpoint,
                "AWS_S3_REGION_NAME": REGION, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

    def storage_options(self) -> dict:
        return {"bucket_name": self.bucket, "endpoint_url": self.endpoint, "region_name": REGION,
                "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "default_acl": "private",
                "querystring_auth": True, "querystring_expire": 60, "file_overwrite": True,
                "max_memory_size": 1024 * 1024}

    def objects(self) -> dict[str, bytes]:
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                found[item["Key"]] = client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
        return found


@contextlib.contextmanager
def s3_server(bucket: str = "qms-artifacts") -> Iterator[S3Server]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per S3 request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        running = S3Server(endpoint=f"http://127.0.0.1:{port}", bucket=bucket)
        running.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield running
    finally:
        server.stop()
