"""Imaging files in an S3-compatible store: a real S3 server (moto's, on loopback) behind a second app instance.

moto serves the presigned GET and refuses an unsigned one; it does not check a presigned URL's signature or
expiry, so those are left to the store (AWS S3, MinIO, Ceph verify both). What this server must get right is
shown here: the bytes go to the bucket, and the URL is the store's presigned GET for SIGNED_URL_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import msgspec
import pytest
import uvicorn
from moto.server import ThreadedMotoServer

from server.app import create_app
from tests.api.lab_support import DOCTOR, RADIOLOGY, patient_of
from tests.api.test_imaging import PNG, _order

BUCKET = "hospital-imaging"
LIFETIME = 123


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test-key",
                 aws_secret_access_key="test-secret").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@contextlib.asynccontextmanager
async def app_with_s3(settings, endpoint: str) -> AsyncIterator[str]:
    port = _free_port()
    config = msgspec.structs.replace(settings, s3_bucket=BUCKET, s3_endpoint_url=endpoint, s3_region="us-east-1",
                                     s3_access_key_id="test-key", s3_secret_access_key="test-secret",
                                     signed_url_seconds=LIFETIME)
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_config=None,
                                           ws_per_message_deflate=False))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_images_go_to_the_bucket_and_open_by_the_stores_presigned_url(
    settings, client, headers_for, make_patient, s3_endpoint,
):
    patient = await patient_of(client, headers_for, make_patient)
    placed = await _order(client, await headers_for(DOCTOR), patient["id"])
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["orderId"]
    async with app_with_s3(settings, s3_endpoint) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        uploaded = await http.post(f"/api/imaging/orders/{order_id}/images", params={"filename": "key image.png"},
                                   content=PNG, headers={**await headers_for(RADIOLOGY), "Content-Type": "image/png"})
        assert uploaded.status_code == 201, uploaded.text
        images = await http.get(f"/api/imaging/orders/{order_id}/images", headers=await headers_for(DOCTOR))
        assert images.status_code == 200, images.text
    (signed,) = images.json()["imageUrls"]
    parts = urlsplit(signed)
    key = parts.path.removeprefix(f"/{BUCKET}/")
    assert f"{parts.scheme}://{parts.netloc}" == s3_endpoint and key.startswith(f"imaging/{order_id}/")
    query = parse_qs(parts.query)
    assert query["X-Amz-Expires"] == [str(LIFETIME)] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]

    # The bytes are in the bucket, not in the local folder.
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="test-key",
                      aws_secret_access_key="test-secret")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == PNG
    assert not (Path(settings.imaging_storage_dir) / key).exists()

    async with httpx.AsyncClient(timeout=10) as anonymous:
        fetched = await anonymous.get(signed)
        assert fetched.status_code == 200 and fetched.content == PNG
        assert fetched.headers["content-type"] == "image/png"
        assert fetched.headers["content-disposition"] == 'inline; filename="key image.png"'
        # Without the signature the store refuses: the object is private.
        unsigned = await anonymous.get(f"{s3_endpoint}/{BUCKET}/{key}")
        assert unsigned.status_code == 403
