"""Incidents (rule 8): the list, one incident with its tasks and timeline, the report and
its printable form, and closing. Supervisors and managers of the office only."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from counter.forms import ActionForm, IncidentReportForm, TaskForm
from counter.views.common import supervisor_required
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from referrals import selectors, services
from referrals.access import access_incident_for_staff, access_task_of_incident
from referrals.models import ContactMethod, Incident, IncidentTask
from referrals.services import incidents
from referrals.timeline import referral_timeline


@staff_required
@supervisor_required
@require_GET
def incident_list(request: StaffRequest) -> HttpResponse:
    rows = list(selectors.incidents_for_staff(staff=request.staff))
    return render(request, "counter/incident_list.html", {"incidents": rows})


# What the incident's pages show besides the list's columns.
PAGE_RELATED = (
    "referral__consultation__seeker",
    "referral__consultation__office",
    "referral__drafted_by__user",
    "retraction__requested_by__user",
    "retraction__decided_by__user",
    "opened_by__user",
    "closed_by__user",
)


def _incident(request: StaffRequest, pk: int) -> Incident:
    return access_incident_for_staff(request.staff, pk, related=PAGE_RELATED)


def _task_form(task: IncidentTask, seeker_id: int, data: Any = None) -> TaskForm:
    methods = [
        (value, str(ContactMethod(value).label)) for value in incidents.TASK_METHODS[task.kind]
    ]
    return TaskForm(
        data,
        seeker_id=seeker_id,
        methods=methods,
        prefix=f"task-{task.pk}",
        initial={"done_on": timezone.localdate().isoformat()},
    )


def _page(
    request: StaffRequest,
    incident: Incident,
    *,
    status: int = 200,
    bound_task: TaskForm | None = None,
    bound_task_id: int | None = None,
    close_form: forms.Form | None = None,
) -> HttpResponse:
    referral = incident.referral
    seeker = referral.consultation.seeker
    now = timezone.now()
    tasks = []
    for task in selectors.incident_tasks(incident=incident):
        form = None
        if not task.is_done and incident.is_open:
            form = (
                bound_task
                if bound_task is not None and bound_task_id == task.pk
                else _task_form(task, seeker.pk)
            )
        tasks.append(
            {"task": task, "form": form, "overdue": not task.is_done and task.due_at < now}
        )
    disclosure = referral.disclosure
    views = selectors.employer_views_of(disclosure=disclosure, until=incident.opened_at)
    services.staff_view_record(
        staff=request.staff, seeker=seeker, screen="incident", target=incident
    )
    context = {
        "incident": incident,
        "referral": referral,
        "seeker": seeker,
        "disclosure": disclosure,
        "establishment": referral.posting.establishment,
        "tasks": tasks,
        "views": views,
        "viewers": sorted({event.actor.name for event in views if event.actor is not None}),
        "timeline": referral_timeline(referral=referral, incident=incident),
        "missing": incidents.missing_report_items(incident),
        "close_form": close_form or ActionForm(seeker_id=seeker.pk),
    }
    return render(request, "counter/incident_detail.html", context, status=status)


@staff_required
@supervisor_required
@require_GET
def incident_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _page(request, _incident(request, pk))


@staff_required
@supervisor_required
@require_POST
def incident_task_done(request: StaffRequest, pk: int, task_pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    task = access_task_of_incident(incident, task_pk)
    form = _task_form(task, incident.referral.consultation.seeker_id, request.POST)
    if form.is_valid():
        with refusals_onto(form):
            incidents.incident_task_complete(
                task=task,
                supervisor=request.staff,
                method=form.cleaned_data["method"],
                done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["note"],
            )
            messages.success(
                request,
                _("「%(task)s」を記録しました。") % {"task": task.get_kind_display()},
            )
            return redirect("incident_detail", pk=pk)
    return _page(request, incident, status=400, bound_task=form, bound_task_id=task.pk)


@staff_required
@supervisor_required
@require_POST
def incident_close(request: StaffRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = ActionForm(request.POST, seeker_id=incident.referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            incidents.incident_close(incident=incident, supervisor=request.staff)
            messages.success(request, _("インシデントを完了しました。"))
            return redirect("incident_detail", pk=pk)
    return _page(request, incident, status=400, close_form=form)


REPORT_FIELDS = list(Incident.REPORT_FIELDS)


@staff_required
@supervisor_required
@require_http_methods(["GET", "POST"])
def incident_report(request: StaffRequest, pk: int) -> HttpResponse:
    """The items of the leak report, written by the supervisor."""
    incident = _incident(request, pk)
    seeker_id = incident.referral.consultation.seeker_id
    if request.method == "POST":
        form = IncidentReportForm(request.POST, seeker_id=seeker_id)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in REPORT_FIELDS}
            with refusals_onto(form):
                incidents.incident_report_update(
                    incident=incident, supervisor=request.staff, **values
                )
                messages.success(request, _("報告の内容を保存しました。"))
                return redirect("incident_detail", pk=pk)
        status = 400
    else:
        form = IncidentReportForm(
            seeker_id=seeker_id, initial={name: getattr(incident, name) for name in REPORT_FIELDS}
        )
        status = 200
    incidents.incident_report_view_record(incident=incident, staff=request.staff)
    return render(
        request,
        "counter/incident_report_form.html",
        {"incident": incident, "form": form},
        status=status,
    )


@staff_required
@supervisor_required
@require_GET
def incident_report_print(request: StaffRequest, pk: int) -> HttpResponse:
    """The report on one A4 page: no name of the seeker, the items as written."""
    incident = _incident(request, pk)
    referral = incident.referral
    views = selectors.employer_views_of(disclosure=referral.disclosure, until=incident.opened_at)
    incidents.incident_report_view_record(incident=incident, staff=request.staff)
    context = {
        "incident": incident,
        "referral": referral,
        "disclosure": referral.disclosure,
        "establishment": referral.posting.establishment,
        "office": referral.consultation.office,
        "tasks": list(selectors.incident_tasks(incident=incident)),
        "view_count": len(views),
        "viewer_count": len({event.actor_id for event in views}),
        "first_view": views[0].at if views else None,
        "today": timezone.localdate(),
    }
    return render(request, "counter/incident_report.html", context)
