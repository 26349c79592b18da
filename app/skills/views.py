"""The skills pages: the skill offers with their ratings, an offer's page (request form, or its
training sessions), "my jobs" as client and as provider by state, a job's page with its
timeline and the actions the viewer may take now, and the treasurer's open disputes. Every
read and write is a named GraphQL operation."""
import secrets

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app.catalog.views.common import to_iso
from app.web.forms import form_status, submit
from app.web.pages import Result, query

bp = Blueprint("skills", __name__)

STATUSES = ["REQUESTED", "QUOTED", "ACCEPTED", "DELIVERED", "DISPUTED", "COMPLETED", "SETTLED", "DECLINED", "CANCELLED"]


@bp.app_context_processor
def labels():
    return {
        "job_labels": {
            "REQUESTED": _l("Requested"), "QUOTED": _l("Quoted"), "ACCEPTED": _l("Accepted"),
            "DELIVERED": _l("Delivered"), "COMPLETED": _l("Completed"), "DECLINED": _l("Declined"),
            "CANCELLED": _l("Cancelled"), "DISPUTED": _l("Disputed"), "SETTLED": _l("Settled"),
        },
        "job_badges": {
            "REQUESTED": "warn", "QUOTED": "warn", "ACCEPTED": "ok", "DELIVERED": "warn", "COMPLETED": "",
            "DECLINED": "bad", "CANCELLED": "bad", "DISPUTED": "bad", "SETTLED": "",
        },
        "event_labels": {
            "REQUESTED": _l("Request sent"), "QUOTED": _l("Quote"), "DECLINED": _l("Declined"), "ACCEPTED": _l("Quote accepted"),
            "CANCELLED": _l("Cancelled"), "DELIVERED": _l("Delivered"), "CONFIRMED": _l("Delivery confirmed"),
            "AUTO_CONFIRMED": _l("Confirmed automatically"), "DISPUTED": _l("Dispute"), "SETTLED": _l("Treasurer's decision"),
            "MESSAGE": _l("Message"), "RATED": _l("Rating given"),
        },
        "pricing_labels": {"HOURLY": _l("By the hour"), "PER_JOB": _l("Per job"), "ON_QUOTE": _l("On quote")},
        "delivery_labels": {"ON_SITE": _l("On site"), "AT_PROVIDER": _l("At the provider's"), "REMOTE": _l("Remote")},
        "side_labels": {"CLIENT": _l("Client"), "PROVIDER": _l("Provider")},
    }


# --- Offers -------------------------------------------------------------------------------------


@bp.route("/skills")
@login_required
def offers():
    search = request.args.get("q", "").strip()[:200] or None
    data = query("SkillOffers", search=search, first=50, after=request.args.get("after") or None)
    return render_template("skills/offers.html", page=data["resources"], q=search or "")


# offer form action -> (mutation, message once done)
OFFER_ACTIONS = {
    "request": ("RequestSkill", _l("Your request is sent: the provider will quote.")),
    "book-seat": ("BookTrainingSeat", _l("Your seat is booked.")),
    "cancel-seat": ("CancelTrainingSeat", _l("Your seat is given up.")),
    "add-session": ("AddTrainingSession", _l("Session added.")),
    "attendance": ("RecordAttendance", _l("Attendance recorded.")),
    "settings": ("UpdateSkillOffer", _l("Offer updated.")),
}


@bp.route("/skills/offers/<resource_id>", methods=["GET", "POST"])
@login_required
def offer(resource_id: str):
    result = None
    action = request.form.get("action") if request.method == "POST" else None
    if request.method == "POST":
        if action not in OFFER_ACTIONS:
            abort(400)
        result = _offer_action(resource_id, action, request.form)
    data = query("SkillOffer", id=resource_id)
    if data["resource"] is None or data["resource"]["kind"] != "SKILL":
        abort(404)
    return render_template(
        "skills/offer.html", resource=data["resource"], info=data["skillOffer"], viewer=data["viewer"],
        result=result, action=action, form=request.form,
    ), form_status(result)


def _offer_action(resource_id: str, action: str, form) -> Result:
    operation, message = OFFER_ACTIONS[action]
    if action == "request":
        data = {
            "resourceId": resource_id, "description": form.get("description", ""),
            "preferredStart": to_iso(form.get("preferred_start")), "preferredEnd": to_iso(form.get("preferred_end")),
            "estimatedHours": form.get("estimated_hours", "").strip() or None,
            "payOnAccount": form.get("pay_on_account") == "on",
        }
        return submit(operation, data, done=str(message), then=lambda r: url_for("skills.job", job_id=r["job"]["id"]))
    if action in ("book-seat", "cancel-seat"):
        data = {"sessionId": form.get("session_id", "")}
    elif action == "add-session":
        data = {"resourceId": resource_id, "start": to_iso(form.get("start")), "end": to_iso(form.get("end")),
                "seats": _int(form.get("seats"))}
    elif action == "attendance":
        data = {"sessionId": form.get("session_id", ""), "attendedMemberIds": form.getlist("attended")}
    else:
        data = {"resourceId": resource_id, "pricing": form.get("pricing") or None, "delivery": form.get("delivery") or None,
                "isTraining": form.get("is_training") == "on", "providerIds": form.getlist("providers")}
    return submit(operation, data, done=str(message), then=url_for("skills.offer", resource_id=resource_id))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # the API explains what is wrong with it


# --- Jobs ---------------------------------------------------------------------------------------


@bp.route("/skills/jobs")
@login_required
def my_jobs():
    role = request.args.get("role", "CLIENT")
    if role not in ("CLIENT", "PROVIDER"):
        abort(400)
    status = request.args.get("status")
    if status and status not in STATUSES:
        abort(400)
    data = query("MyJobs", role=role, status=[status] if status else None, first=50, after=request.args.get("after") or None)
    counts = {c["status"]: c["count"] for c in data["jobCounts"]}
    return render_template("skills/jobs.html", page=data["jobs"], counts=counts, role=role, status=status,
                           statuses=STATUSES)


# job form action -> (mutation, the fields of its input read from the form, message once done)
JOB_ACTIONS = {
    "quote": ("QuoteJob", _l("Quote sent.")),
    "decline": ("DeclineJob", _l("Job declined.")),
    "accept": ("AcceptQuote", _l("Quote accepted.")),
    "cancel": ("CancelJob", _l("Job cancelled.")),
    "deliver": ("DeliverJob", _l("Delivery recorded: the client will confirm.")),
    "confirm": ("ConfirmJob", _l("Delivery confirmed: the provider is paid.")),
    "dispute": ("DisputeJob", _l("Dispute opened: the treasurer will decide.")),
    "settle": ("SettleDispute", _l("Dispute settled.")),
    "message": ("SendJobMessage", _l("Message sent.")),
    "rate": ("RateJob", _l("Thank you for your rating.")),
}


def _job_input(job_id: str, action: str, form) -> dict:
    text = lambda name: form.get(name, "").strip()  # noqa: E731
    fields = {
        "quote": lambda: {"hours": text("hours"), "price": text("price") or None, "start": to_iso(form.get("start")),
                          "end": to_iso(form.get("end")), "conditions": form.get("conditions", "")},
        "decline": lambda: {"reason": form.get("reason", "")},
        "accept": lambda: {"idempotencyKey": form.get("idempotency_key") or None,
                           "payOnAccount": True if form.get("pay_on_account") == "on" else None},
        "cancel": lambda: {"reason": form.get("reason", "")},
        "deliver": lambda: {"hoursWorked": text("hours_worked"), "insertionHours": text("insertion_hours") or None,
                            "trainingHours": text("training_hours") or None},
        "confirm": dict,
        "dispute": lambda: {"reason": form.get("reason", "")},
        "settle": lambda: {"amount": text("amount"), "decision": form.get("decision", "")},
        "message": lambda: {"body": form.get("body", "")},
        "rate": lambda: {"stars": _int(form.get("stars")), "comment": form.get("comment", "")},
    }
    return {"jobId": job_id, **fields[action]()}


@bp.route("/skills/jobs/<job_id>", methods=["GET", "POST"])
@login_required
def job(job_id: str):
    result = action = None
    if request.method == "POST":
        action = request.form.get("action")
        if action not in JOB_ACTIONS:
            abort(400)
        operation, message = JOB_ACTIONS[action]
        result = submit(operation, _job_input(job_id, action, request.form), done=str(message),
                        then=url_for("skills.job", job_id=job_id))
    data = query("JobDetail", id=job_id)
    if data["job"] is None:
        abort(404)
    return render_template("skills/job.html", job=data["job"], result=result, action=action, form=request.form,
                           new_key=secrets.token_urlsafe(16)), form_status(result)


@bp.route("/skills/disputes")
@login_required
def disputes():
    data = query("Disputes", first=100)
    return render_template("skills/disputes.html", page=data["disputes"])


@bp.app_template_filter("stars")
def stars(average) -> str:
    """★★★★☆ for an average of 4.2 (rounded to whole stars)."""
    if average is None:
        return ""
    full = int(round(float(average)))
    return "★" * full + "☆" * (5 - full)


@bp.app_template_filter("hours")
def hours_filter(value) -> str:
    """Hours from the API ("15.50") as a member reads them: 15,5 h in French."""
    if value in (None, ""):
        return "—"
    return f"{format_decimal(value, format='#,##0.##')} h"
