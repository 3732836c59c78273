"""Upload size limits: no more than UPLOAD_MAX_BYTES of a file is kept, and the form says why."""

import io

import pytest
from django import forms
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.utils import translation

from portal.core.uploads import CappedUploadHandler, OversizedUpload, check_upload_size
from tests.uploads import multipart


class KeptBytes(FileUploadHandler):
    """A handler after the capped one (where the temporary file would be) that counts what
    reaches it."""

    kept = 0

    def receive_data_chunk(self, raw_data, start):
        self.kept += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


def parse(content: bytes, limit: int, settings):
    settings.UPLOAD_MAX_BYTES = limit
    body, content_type = multipart("tall.csv", content, dry_run="on")
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    kept = KeptBytes()
    handlers = [CappedUploadHandler(), kept, MemoryFileUploadHandler()]
    post, files = MultiPartParser(meta, io.BytesIO(body), handlers).parse()
    return post, files["file"], kept.kept


def test_a_file_within_the_limit_passes_whole(settings):
    post, upload, kept = parse(b"x" * 1000, 1000, settings)
    assert isinstance(upload, InMemoryUploadedFile) and not isinstance(upload, OversizedUpload)
    assert upload.read() == b"x" * 1000 and kept == 1000
    assert post["dry_run"] == "on"


def test_past_the_limit_only_the_size_is_kept(settings):
    post, upload, kept = parse(b"x" * 300_000, 1000, settings)
    assert isinstance(upload, OversizedUpload)
    assert upload.size == 300_000 and upload.name == "tall.csv"
    assert upload.read() == b""
    # The handlers after the capped one (memory, temporary file) got no more than the limit.
    assert kept <= 1000
    assert post["dry_run"] == "on"


def test_check_upload_size_names_size_and_limit(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    small = SimpleUploadedFile("a.csv", b"x" * 100)
    check_upload_size(small, 100)
    with translation.override("en"), pytest.raises(forms.ValidationError) as info:
        check_upload_size(small, 99)
    assert info.value.messages == ["The file is 100\xa0bytes; the limit is 99\xa0bytes."]


def test_an_oversized_upload_is_refused_whatever_the_forms_limit(settings):
    """Were a form's limit ever above UPLOAD_MAX_BYTES, the file's bytes are gone: refuse it."""
    settings.UPLOAD_MAX_BYTES = 1024
    gone = OversizedUpload(
        field_name="file",
        name="a.csv",
        content_type="text/csv",
        size=2048,
        charset=None,
        content_type_extra=None,
    )
    with translation.override("en"), pytest.raises(forms.ValidationError) as info:
        check_upload_size(gone, 10_000)
    assert info.value.messages == ["The file is 2.0\xa0KB; the limit is 1.0\xa0KB."]


def test_the_cap_covers_every_upload_form(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "portal.core.uploads.CappedUploadHandler"
    limits = [
        settings.KEY_FIGURE_UPLOAD_MAX_BYTES,
        settings.HOUSING_UPLOAD_MAX_BYTES,
        settings.SURVEY_DEFINITION_MAX_BYTES,
    ]
    assert max(limits) == settings.UPLOAD_MAX_BYTES
