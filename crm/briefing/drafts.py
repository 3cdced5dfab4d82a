"""Follow-up drafts grounded in the store: to one contact, in their language, about their open deal and the last
conversation, offered only when the contact's consent allows the message; never sent by Tessera."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Actor, Invalid
from crm.briefing.claims import unsupported_claims
from crm.models import OPEN_STAGES, Activity, Contact, Deal, Product, User
from crm.privacy import pdp
from crm.privacy.guard import explain, masked_text, person_name
from crm.services.lookup import resolve_account, resolve_deal
from crm.services.scope import require_staff
from crm.tasks.service import resolve_contact

PURPOSES = {"follow_up": "sales.follow_up", "marketing": "marketing.communications"}
NEXT_STEP = {  # what the rep proposes, by the deal's stage
    "lead": ("Could we find 20 minutes to hear what you need from {product}?",
             "方便约20分钟，聊聊您对{product}的需求吗？"),
    "qualified": ("I would like to show you how {product} fits your plans; would a short demo next week work?",
                  "想为您演示一下{product}如何契合贵司的计划，下周安排一次简短演示可以吗？"),
    "proposal": ("I will send the revised proposal for {product}; tell me if anything in it should change.",
                 "我会把{product}的修订方案发给您，如有需要调整的地方请随时告诉我。"),
    "negotiation": ("I would like to agree the final terms for {product} with you; when can we talk?",
                    "希望和您敲定{product}的最终条款，您什么时间方便沟通？"),
}
MARKETING = ("We are hosting a customer day on what is new in {product}; you would be very welcome.",
             "我们将举办{product}新功能客户日，诚挚邀请您参加。")


Writer = Callable[[dict], str]  # grounded facts -> the body of a draft (an LLM, when one is configured)


class DraftRefused(ValueError):
    """Consent rules the message out; the text says why and what is allowed instead."""


def draft_followup(session: Session, actor: Actor, *, now: dt.datetime, contact: str | None = None,
                   account: str | None = None, deal: str | None = None, about: str | None = None,
                   purpose: str = "follow_up", writer: Writer | None = None) -> dict:
    """The template composes the draft; with a `writer`, the writer composes it from the same grounded facts
    (what consent lets this purpose use, nothing more) and its draft is kept only if it claims nothing the facts
    do not support."""
    require_staff(actor, "draft messages to customers")
    if purpose not in PURPOSES:
        raise ValueError(f"a draft is a 'follow_up' or 'marketing' message, not '{purpose}'")
    acc = resolve_account(session, actor, account) if account else None
    person = _person(session, actor, contact, acc, now)
    acc = acc or person.account
    use = PURPOSES[purpose]
    decision = pdp.decide(session, person.id, "user.contact.email", use, now, actor=actor.login)
    if not decision.allowed:
        reason = explain(session, person, "e-mail", decision, now, actor=actor.login,
                         shown_for="sales.follow_up").split(": ", 1)[1]
        other = next((p for p, u in PURPOSES.items() if u != use and
                      pdp.decide(session, person.id, "user.contact.email", u, now, actor=actor.login).allowed), None)
        instead = f"; a {other.replace('_', '-')} message is allowed" if other else "; no e-mail to them is allowed"
        raise DraftRefused(f"no {purpose.replace('_', '-')} draft: {reason}{instead}")
    zh = person.language == "zh"
    target = resolve_deal(session, actor, deal, acc) if deal else _open_deal(session, acc.id, about)
    product = (target.product.name_zh if zh else target.product.name) if target else ("我们的方案" if zh else "our offer")
    last = session.scalar(select(Activity).where(Activity.account_id == acc.id, Activity.contact_id == person.id)
                          .order_by(Activity.occurred_at.desc()))
    rep = session.get(User, actor.user_id).display_name
    grounded = []
    if target:
        grounded.append(f"D-{target.id} {target.title} ({target.stage})")
    recap = ""
    if last is not None:
        subject, _ = masked_text(session, person.id, "user.behavior.interaction", "sales.follow_up", last.subject, now,
                                 actor=actor.login)
        grounded.append(f"A-{last.id} {last.occurred_at:%Y-%m-%d} {last.kind}: {subject}")
        same_language = _is_zh(subject) == zh  # a note in the rep's other language is not quoted to the customer
        about = (f"就“{subject}”" if zh else f" about {subject}") if same_language else ""
        kind = {"call": "通话", "meeting": "会面", "email": "邮件往来", "note": "沟通"}.get(last.kind, "沟通")
        recap = (f"感谢您{last.occurred_at.month}月{last.occurred_at.day}日{about}与我们{kind}。" if zh else
                 f"Thank you for our {last.kind} on {last.occurred_at.day} {last.occurred_at:%B}{about}.")
    if purpose == "marketing":
        ask = MARKETING[1 if zh else 0].format(product=product)
    else:
        ask = NEXT_STEP.get(target.stage if target and target.stage in OPEN_STAGES else "lead")[1 if zh else 0] \
            .format(product=product)
    name = person_name(session, person, use, now, actor=actor.login)  # the name, as this purpose may use it
    name = name if not name.startswith("contact #") else ("客户" if zh else "customer")
    greeting = f"{name}您好：" if zh else f"Dear {name},"
    closing = f"此致\n{rep}" if zh else f"Best regards,\n{rep}"
    subject_line = (f"跟进：{product}" if zh else f"Following up: {product}") if purpose == "follow_up" else (
        f"邀请：{product}客户日" if zh else f"Invitation: {product} customer day")
    body = "\n\n".join(p for p in (greeting, ("" if zh else " ").join(x for x in (recap, ask) if x), closing) if p)
    record = {"to": name, "email": person.email, "language": person.language, "subject": subject_line, "body": body,
              "grounded_on": grounded, "written_by": "template",
              "status": "草稿，未发送：确认后由您发送" if zh else "draft, not sent: Tessera never sends it; "
                                                                "send it yourself once you are happy"}
    if writer is not None:
        facts = {"to": name, "language": person.language, "purpose": purpose, "from": rep, "subject": subject_line,
                 "deal": _deal_facts(target, zh), "last_conversation": grounded[-1] if last is not None else None,
                 "next_step": ask, "template": body}
        record.update(_written(session, writer, facts))
    return {"record": record, "about": name}


def _written(session: Session, writer: Writer, facts: dict) -> dict:
    """The writer's body when it holds up against the facts; otherwise the template stays, and the record says why."""
    try:
        text = (writer(facts) or "").strip()
    except Exception as exc:  # a model outage or a refusal: the grounded template is still a good draft
        return {"checked": f"the model could not write the draft ({type(exc).__name__}); this is the grounded one"}
    if not text:
        return {"checked": "the model wrote nothing; this is the grounded draft"}
    products = [n for row in session.execute(select(Product.name, Product.name_zh)) for n in row]
    claims = unsupported_claims(text, _facts_text(facts), products)
    if claims:
        return {"checked": "the model's draft was set aside: the store does not support " + "; ".join(claims)
                           + ". This is the grounded draft."}
    return {"body": text, "written_by": "model", "checked": "every amount, date, record, product and promise in it "
                                                            "is in the grounded facts"}


def _deal_facts(deal: Deal | None, zh: bool) -> dict | None:
    if deal is None:
        return None
    return {"id": f"D-{deal.id}", "title": deal.title, "stage": deal.stage, "amount": f"{deal.amount:,.2f}",
            "product": deal.product.name_zh if zh else deal.product.name, "product_names": [deal.product.name,
                                                                                              deal.product.name_zh],
            "expected_close": f"{deal.expected_close:%Y-%m-%d}" if deal.expected_close else None}


def _facts_text(facts: dict) -> str:
    return " ".join(str(v) for v in _leaves(facts))


def _leaves(value):
    if isinstance(value, dict | list):
        for v in value.values() if isinstance(value, dict) else value:
            yield from _leaves(v)
    elif value is not None:
        yield value


def _person(session: Session, actor: Actor, name: str | None, account, now: dt.datetime) -> Contact:
    if name:
        return resolve_contact(session, actor, name, account)
    if account is None:
        raise Invalid("who is the draft for? name the contact, e.g. 'draft a follow-up to Mark Taylor'", kind="needs_recipient")
    latest = session.scalar(select(Activity.contact_id).where(Activity.account_id == account.id,
                                                              Activity.contact_id.is_not(None))
                            .order_by(Activity.occurred_at.desc()))
    person = session.get(Contact, latest) if latest else None
    if person is None:
        raise Invalid(f"no contact at {account.name} to write to; name one", kind="no_contact_to_write", account=account.name)
    return person


def _open_deal(session: Session, account_id: int, about: str | None = None) -> Deal | None:
    """The open deal whose product the words name ("the CRM Suite proposal"), else the most recently active one."""
    deals = session.scalars(select(Deal).where(Deal.account_id == account_id, Deal.stage.in_(OPEN_STAGES))
                            .order_by(Deal.updated_at.desc())).all()
    words = (about or "").lower()
    named = [d for d in deals if words and (d.product.name.lower() in words or d.product.name_zh in words or
                                            any(w in d.product.name.lower() for w in words.split() if len(w) > 3))]
    return (named or deals or [None])[0]


def _is_zh(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
