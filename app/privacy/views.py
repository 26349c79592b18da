"""The privacy page, and a member's download of what the hub holds about them."""
import datetime as dt
import json

from flask import Blueprint, Response, render_template
from flask_login import login_required

from app.privacy import services
from app.web.pages import query

bp = Blueprint("privacy", __name__)


@bp.route("/privacy")
def privacy():
    return render_template("privacy/privacy.html")


def _filename(extension: str) -> str:
    return f"alveole-mes-donnees-{dt.date.today().isoformat()}.{extension}"


@bp.route("/account/my-data.json")
@login_required
def my_data_json():
    data = query("MyPersonalData")["myPersonalData"]
    return Response(json.dumps(data, ensure_ascii=False, indent=2, default=str), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("json")}"',
                             "Cache-Control": "no-store"})


@bp.route("/account/my-data.zip")
@login_required
def my_data_csv():
    data = query("MyPersonalData")["myPersonalData"]
    return Response(services.personal_data_csv(data), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("zip")}"',
                             "Cache-Control": "no-store"})
