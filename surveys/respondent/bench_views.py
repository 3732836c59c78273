"""The floor for the autosave benchmark (bench/autosave.py): a view that only authenticates the
session and upserts one answer row. Served only when BENCH_ENDPOINTS is on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from surveys.models import Answer, Response


@login_required
@require_POST
def bench_upsert(request: HttpRequest, response_id: int, question_id: int) -> JsonResponse:
    response = Response.objects.only("pk", "municipality_id").get(pk=response_id)
    Answer.objects.update_or_create(
        response_id=response.pk,
        question_id=question_id,
        defaults={
            "municipality_id": response.municipality_id,
            "value": request.POST.get("value", ""),
            "updated_at": timezone.now(),
            "updated_by_id": request.user.pk,
        },
    )
    return JsonResponse({"status": "saved"})
