"""Telling the other side of a job what happened: in the app and through the mail outbox.

One function, `notify`, so that moving to the hub's notification service is a one-line change.
Notices are stored in each member's language when they are written (like the waitlist's)."""
import logging
from typing import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.permissions import treasurer_filter
from models import Member, Notification, Organization, OutboxEmail

log = logging.getLogger("alveole.skills")

# event -> language -> text; %(title)s is the offer, %(who)s the member who acted.
TEXTS = {
    "requested": {"fr": "%(who)s demande « %(title)s ».", "en": "%(who)s requests “%(title)s”."},
    "quoted": {"fr": "Nouveau devis pour « %(title)s » : %(price)s.", "en": "New quote for “%(title)s”: %(price)s."},
    "declined": {"fr": "« %(title)s » : %(who)s a décliné la demande.", "en": "“%(title)s”: %(who)s declined the request."},
    "accepted": {"fr": "« %(title)s » : %(who)s a accepté votre devis.", "en": "“%(title)s”: %(who)s accepted your quote."},
    "cancelled": {"fr": "« %(title)s » : %(who)s a annulé la commande.", "en": "“%(title)s”: %(who)s cancelled the job."},
    "delivered": {"fr": "« %(title)s » est livré : confirmez-le ou signalez un litige.",
                  "en": "“%(title)s” is delivered: confirm it or open a dispute."},
    "confirmed": {"fr": "« %(title)s » : la livraison est confirmée et payée.",
                  "en": "“%(title)s”: delivery confirmed and paid."},
    "disputed": {"fr": "« %(title)s » : %(who)s conteste la livraison.", "en": "“%(title)s”: %(who)s disputes the delivery."},
    "settled": {"fr": "« %(title)s » : la trésorerie a tranché le litige (%(price)s).",
                "en": "“%(title)s”: the treasurer settled the dispute (%(price)s)."},
    "message": {"fr": "« %(title)s » : message de %(who)s.", "en": "“%(title)s”: message from %(who)s."},
    "rated": {"fr": "« %(title)s » : %(who)s a donné son avis. Donnez le vôtre !",
              "en": "“%(title)s”: %(who)s left a rating. Leave yours!"},
}


def notify(session: so.Session, member_ids: Iterable[int], event: str, link: str, **params) -> int:
    """Write the notice of `event` to each member (in the app and to the outbox); how many."""
    ids = sorted(set(member_ids))
    if not ids:
        return 0
    for member in session.scalars(sa.select(Member).where(Member.id.in_(ids))):
        text = TEXTS[event].get(member.language, TEXTS[event]["fr"]) % params
        session.add(Notification(member_id=member.id, message=text[:500], link=link))
        session.add(OutboxEmail(to_address=member.email, subject=f"Alvéole : {text}"[:200], body=f"{text}\n\n{link}\n"))
    session.flush()
    log.info("job notice %s sent to %s member(s)", event, len(ids))
    return len(ids)


def provider_members(session: so.Session, organization_id: int) -> list[int]:
    """Who hears for the provider side: the organisation's manager."""
    manager = session.scalar(sa.select(Organization.manager_id).where(Organization.id == organization_id))
    return [manager] if manager else []


def treasurers(session: so.Session) -> list[int]:
    return list(session.scalars(sa.select(Member.id).where(treasurer_filter())))
