from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hellowork import audit


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "hellowork/index.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not. No login, no personal data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Every refused authorisation is an audit event (who, which page; never the query)."""
    user = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        audit.record(
            "access.denied",
            actor=user,
            detail={"path": request.path[:200], "method": request.method},
        )
    return render(request, "403.html", status=403)
