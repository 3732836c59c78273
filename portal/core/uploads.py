"""Size limits of uploaded files.

Each upload form checks its file against its own limit in the settings
(``KEY_FIGURE_UPLOAD_MAX_BYTES``, ``HOUSING_UPLOAD_MAX_BYTES``, ``SURVEY_DEFINITION_MAX_BYTES``)
before anything reads it, with ``check_upload_size``.

Django keeps an upload of up to ``FILE_UPLOAD_MAX_MEMORY_SIZE`` in memory and writes a larger one
to a temporary file, however large. ``CappedUploadHandler``, first in ``FILE_UPLOAD_HANDLERS``,
passes on no more than ``UPLOAD_MAX_BYTES`` (the largest of the limits) of any one file and only
counts the rest: a file past it arrives as ``OversizedUpload``, empty but with its real size, so
the form names the size and the limit instead of the disk filling up.
"""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class OversizedUpload(InMemoryUploadedFile):
    """A file larger than ``UPLOAD_MAX_BYTES``: its name and size, none of its bytes."""

    def __init__(self, *, field_name, name, content_type, size, charset, content_type_extra):
        super().__init__(
            io.BytesIO(b""), field_name, name, content_type, size, charset, content_type_extra
        )


class CappedUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            return None  # counted, not kept: the handlers after this one get no more
        return raw_data

    def file_complete(self, file_size):
        if self.received <= settings.UPLOAD_MAX_BYTES:
            return None  # the next handler (memory or temporary file) has it all
        return OversizedUpload(
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def check_upload_size(upload: UploadedFile, limit: int) -> None:
    """Raise a form error naming the file's size and the limit if it is over the limit."""
    size = upload.size or 0
    oversized = isinstance(upload, OversizedUpload)
    if oversized:  # its bytes are gone whatever the form's own limit
        limit = min(limit, settings.UPLOAD_MAX_BYTES)
    if size > limit or oversized:
        raise forms.ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
