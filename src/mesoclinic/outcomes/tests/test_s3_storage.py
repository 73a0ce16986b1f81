"""Photos in S3-compatible storage, for real: moto's standalone server is an S3 HTTP endpoint on localhost.

The storage is configured as ``S3_BUCKET`` / ``S3_ENDPOINT_URL`` configure it; a photo uploaded through the
Take photos page lands in the bucket (nothing in the local media folder), is analysed from there, and is
read back through the access-checked view byte for byte.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from moto.server import ThreadedMotoServer

from mesoclinic.outcomes.models import AnalysisStatus, Photo
from mesoclinic.outcomes.tests.conftest import skin_jpeg
from mesoclinic.testing import client_for

KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}  # moto accepts any


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """A fresh private bucket, set as the default storage the way settings.py does for S3_BUCKET."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEYS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEYS["aws_secret_access_key"])
    name = f"photos-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=name)
    s3 = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": name,
            "endpoint_url": s3_endpoint,
            "region_name": "us-east-1",
            "location": "",
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
    with override_settings(STORAGES={**settings.STORAGES, "default": s3}):
        yield client, name


def _keys(client: Any, name: str) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])}


def test_a_photo_is_stored_analysed_and_read_back_from_s3(
    patient, practitioner, bucket, _media: Path, django_capture_on_commit_callbacks
):
    client, name = bucket
    staff = client_for(practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("outcomes:capture", args=[patient.pk]),
            {"view": "close_up", "file": SimpleUploadedFile("skin.jpg", skin_jpeg()), "lighting": "flash"},
        )
    assert response.status_code == 302
    photo = Photo.objects.select_related("analysis").get()
    keys = _keys(client, name)
    assert {photo.image.name, photo.thumbnail.name} <= keys
    assert not _media.exists() or not any(_media.rglob("*.jpg"))

    assert photo.analysis.status == AnalysisStatus.DONE  # the analysis read the photo from the bucket
    assert set(photo.analysis.overlays.values()) <= keys

    served = staff.get(reverse("outcomes:photo_file", args=[photo.pk, "image"]))
    assert served.status_code == 200
    stored = client.get_object(Bucket=name, Key=photo.image.name)
    assert b"".join(served.streaming_content) == stored["Body"].read()
    assert stored["ContentLength"] == photo.size_bytes
    acl = client.get_object_acl(Bucket=name, Key=photo.image.name)
    assert all(grant["Permission"] != "READ" or "URI" not in grant["Grantee"] for grant in acl["Grants"])


def test_a_missing_object_is_a_404_not_an_error(
    patient, practitioner, bucket, django_capture_on_commit_callbacks
):
    client, name = bucket
    staff = client_for(practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("outcomes:capture", args=[patient.pk]),
            {"view": "close_up", "file": SimpleUploadedFile("skin.jpg", skin_jpeg()), "lighting": "flash"},
        )
    photo = Photo.objects.get()
    client.delete_object(Bucket=name, Key=photo.thumbnail.name)
    assert staff.get(reverse("outcomes:photo_file", args=[photo.pk, "thumbnail"])).status_code == 404
