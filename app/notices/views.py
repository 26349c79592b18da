"""The notices page, marking notices read, and the notice preferences (a form shown on the
profile page). The header's unread count and the preferences are read through the named
operations by the template functions `unread_notices()` and `notice_preferences()`, run only
by the templates that call them, once per request."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.notices.kinds import CATEGORY_LABELS, CHANNEL_LABELS, Category
from app.web.forms import submit
from app.web.pages import query, safe_next

bp = Blueprint("notices", __name__)


@bp.app_context_processor
def notice_globals():
    return {"unread_notices": unread_notices, "notice_preferences": notice_preferences,
            "notice_category_labels": CATEGORY_LABELS, "notice_channel_labels": CHANNEL_LABELS}


def unread_notices() -> int:
    """The signed-in member's unread count, for the header (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notices" not in g:
        g.unread_notices = query("UnreadNotices")["notifications"]["totalCount"]
    return g.unread_notices


def notice_preferences() -> list[dict]:
    return query("NotificationPreferences")["notificationPreferences"]


@bp.route("/notices")
@login_required
def notices():
    unread = request.args.get("unread") == "1"
    data = query("Notifications", first=30, after=request.args.get("after") or None, unread=unread)
    return render_template("notices/notices.html", page=data["notifications"], unread_count=data["unread"]["totalCount"],
                           only_unread=unread)


@bp.route("/notices/read", methods=["POST"])
@login_required
def mark_read():
    """One notice (`notification_id`), or all of them."""
    target = safe_next(request.form.get("next"), "notices.notices")
    notice = request.form.get("notification_id")
    submit("MarkNotificationsRead", {"notificationIds": [notice]} if notice else None,
           done=None if notice else gettext("All your notices are marked read."), then=target)
    return redirect(target)


@bp.route("/notices/preferences", methods=["POST"])
@login_required
def preferences():
    chosen = [{"category": c.value, "channel": request.form[f"channel_{c.value}"]}
              for c in Category if request.form.get(f"channel_{c.value}")]
    target = url_for("auth.profile") + "#notices"
    result = submit("SetNotificationPreferences", {"preferences": chosen},
                    done=gettext("Your notice settings are saved."), then=target)
    for error in result.errors:
        flash(error["message"], "error")
    return redirect(target)
