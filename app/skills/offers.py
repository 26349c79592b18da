"""Skill offers: a SKILL resource of the catalogue and how it is sold (pricing, where it is
delivered, the people who deliver it, whether it is a training)."""
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog.resources import get_resource, require_manager
from app.errors import N_, DomainError, ErrorCode
from models import Member, Resource, ResourceKind, SkillDelivery, SkillOffer, SkillOfferProvider, SkillPricing, utcnow

log = logging.getLogger("alveole.skills")
NOT_A_SKILL = N_("This resource is not a skill offer.")


def skill_resource(session: so.Session, resource_id: int, lock: bool = False) -> Resource:
    resource = get_resource(session, resource_id, lock=lock)
    if resource.kind != ResourceKind.SKILL:
        raise DomainError(ErrorCode.INVALID, NOT_A_SKILL, "resourceId")
    return resource


def offer_of(session: so.Session, resource_id: int) -> SkillOffer:
    """How the offer is sold; without a row of its own, the defaults (hourly, on site)."""
    offer = session.get(SkillOffer, resource_id)
    if offer is None:
        offer = SkillOffer(resource_id=resource_id, pricing=SkillPricing.HOURLY, delivery=SkillDelivery.ON_SITE,
                           is_training=False)
    return offer


def update_skill_offer(
    session: so.Session,
    actor: Member,
    resource_id: int,
    *,
    pricing: Optional[SkillPricing] = None,
    delivery: Optional[SkillDelivery] = None,
    is_training: Optional[bool] = None,
    provider_ids: Optional[list[int]] = None,
) -> Resource:
    """The offer's manager says how it is sold; None leaves a setting as it is. The people who
    deliver it are members of the offering organisation."""
    resource = skill_resource(session, resource_id, lock=True)
    require_manager(session, actor, resource)
    offer = session.get(SkillOffer, resource.id)
    if offer is None:
        offer = offer_of(session, resource.id)
        session.add(offer)
    for name, value in (("pricing", pricing), ("delivery", delivery), ("is_training", is_training)):
        if value is not None:
            setattr(offer, name, value)
    offer.updated_at = utcnow()
    if provider_ids is not None:
        ids = set(provider_ids)
        found = set(session.scalars(sa.select(Member.id).where(
            Member.id.in_(ids), Member.organization_id == resource.owner_organization_id
        ))) if ids and resource.owner_organization_id else set()
        if found != ids:
            raise DomainError(ErrorCode.INVALID, "The people who deliver an offer are members of its organisation.",
                              "providerIds")
        session.execute(sa.delete(SkillOfferProvider).where(SkillOfferProvider.resource_id == resource.id))
        session.add_all(SkillOfferProvider(resource_id=resource.id, member_id=i) for i in sorted(ids))
    session.flush()
    log.info("skill offer %s updated by member %s: %s, %s, training %s", resource.id, actor.id, offer.pricing.value,
             offer.delivery.value, offer.is_training)
    return resource
