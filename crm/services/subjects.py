"""What is held about one data subject (a customer), as they would ask for it."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, NotFound
from crm.models import Activity, Case, Contact


def data_held_about(session: Session, actor: Actor) -> dict:
    if actor.role != "customer" or actor.contact_id is None:
        raise AccessDenied("only a signed-in customer can ask what is held about them")
    person = session.get(Contact, actor.contact_id)
    if person is None:
        raise NotFound("no personal record is linked to your login")
    activities = session.scalar(select(func.count()).where(Activity.contact_id == person.id)) or 0
    cases = session.scalar(select(func.count()).where(Case.contact_id == person.id)) or 0
    return {
        "record": {"name": person.full_name, "title": person.title, "email": person.email, "phone": person.phone,
                   "city": person.city, "company": person.account.name, "activities_mentioning_you": activities,
                   "cases_you_opened": cases},
        "about": person.full_name,
    }
