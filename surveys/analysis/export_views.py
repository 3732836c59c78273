"""The directorate's data export of an edition: one download, CSV (ZIP) or XLSX, long or wide."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.accounts.access import require_directorate
from portal.accounts.models import DirectorateRole
from portal.municipalities.models import Region
from surveys.analysis import exports
from surveys.respondent import selectors

# Files up to this size are built in memory, larger ones in a temporary file.
SPOOL_BYTES = 16 * 1024 * 1024


@login_required
@require_GET
def edition_export_data(request: HttpRequest, year: int) -> HttpResponseBase:
    """``?format=csv|xlsx&shape=long|wide[&include_unsubmitted=1]``: the edition's answers.

    Admins get every organisation, a regional adviser the organisations of their region (what
    ``visible_municipalities`` lets them see); the file name then names the region.
    """
    user: Any = request.user  # logged in (login_required)
    require_directorate(user, DirectorateRole.ADMIN, DirectorateRole.REGIONAL_ADVISER)
    fmt = request.GET.get("format", "xlsx")
    shape = request.GET.get("shape", "wide")
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(
            _("Unknown format “%(value)s”: choose csv or xlsx.") % {"value": fmt[:20]},
            content_type="text/plain; charset=utf-8",
        )
    if shape not in exports.SHAPES:
        return HttpResponseBadRequest(
            _("Unknown shape “%(value)s”: choose long or wide.") % {"value": shape[:20]},
            content_type="text/plain; charset=utf-8",
        )
    edition = selectors.edition_by_year(year)
    if edition is None:
        raise Http404
    region_code = None
    if user.directorate_role == DirectorateRole.REGIONAL_ADVISER:
        region_code = (
            Region.objects.filter(pk=user.region_id).values_list("code", flat=True).first()
        )
    source = exports.export_source(
        edition,
        user=user,
        include_unsubmitted=request.GET.get("include_unsubmitted") in ("1", "true", "on"),
    )
    filename = exports.export_filename(year, shape=shape, fmt=fmt, region_code=region_code)
    reply: HttpResponseBase
    if fmt == "csv":  # written as it is read, straight to the reply
        reply = StreamingHttpResponse(
            exports.CsvZipStream(source, shape), content_type=exports.CONTENT_TYPES[fmt]
        )
        reply["Content-Disposition"] = content_disposition_header(True, filename)
    else:  # a workbook's parts are zipped one after the other: spooled, then sent
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
        exports.write_export(source, fmt=fmt, shape=shape, out=out)
        out.seek(0)
        reply = FileResponse(
            out, as_attachment=True, filename=filename, content_type=exports.CONTENT_TYPES[fmt]
        )
    reply["Cache-Control"] = "private, no-store"
    return reply
