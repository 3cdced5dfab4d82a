"""Data-subject rights: what is held (with provenance), export as JSON or a zip of CSVs, and rectification."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import Invalid, NotFound
from crm.models import Activity, Case, Contact
from crm.privacy.name_parts import part_named, with_part
from crm.privacy import audit, consents, pdp, requests, source_words
from crm.privacy.labels import personal_columns
from crm.privacy.models import FieldHistory, Provenance, VaultItem
from crm.privacy.taxonomy import Taxonomy, covers, default_taxonomy

PURPOSE = "legal.subject_rights"
EXPORT_EVENT = "export"  # the audit line of a copy handed to the person
EXPORT_SECTIONS = ("interactions", "cases", "vault", "consents", "corrections")
FIELD_WORDS = {"full_name": "name", "title": "title", "email": "email", "phone": "phone", "city": "city"}


def person(session: Session, contact_id: int | None) -> Contact:
    found = session.get(Contact, contact_id) if contact_id is not None else None
    if found is None:
        raise NotFound("no personal record is linked to your login", kind="no_personal_record")
    return found


def column_for(word: str, tax: Taxonomy | None = None) -> str:
    """'phone', '电话', 'phone number', 'contacts.phone' -> 'phone' (a personal column of contacts)."""
    columns = personal_columns(Contact.__table__)
    text = (word or "").strip().lower().removeprefix("contacts.")
    for column, shown in FIELD_WORDS.items():
        if text in (column, shown):
            return column
    category = (tax or default_taxonomy()).category_from_text(text)
    for column, label in columns.items():
        if category and label.category == category:
            return column
    raise Invalid(f"which field? one of {', '.join(FIELD_WORDS.values())}", kind="needs_field")


def provenance_of(session: Session, contact_id: int, field: str) -> Provenance | None:
    return session.scalars(select(Provenance).where(Provenance.contact_id == contact_id, Provenance.field == field)
                           .order_by(Provenance.collected_at.desc(), Provenance.id.desc())).first()


def source_text(p: Provenance | None) -> dict:
    if p is None:
        return {"channel": "unknown", "system": "unknown", "detail": "no provenance recorded", "collected_at": None}
    return {"channel": p.source_channel, "system": p.source_system, "detail": p.source_detail,
            "collected_at": p.collected_at.isoformat(), "collected_for": p.collected_for, "shared_with": p.shared_with}


def every_source(session: Session, contact_id: int, now: dt.datetime, lang: str = "en", *, actor: str = "system",
                 tax: Taxonomy | None = None) -> dict:
    """Where each personal field came from and whom it was shared with, led by one sentence naming every
    recipient (or none)."""
    tax = tax or default_taxonomy()
    who = person(session, contact_id)
    items, recipients = [], {}
    for column, label in personal_columns(Contact.__table__).items():
        if getattr(who, column) in (None, ""):
            continue
        pdp.decide(session, contact_id, label.category, PURPOSE, now, actor=actor, taxonomy=tax)
        src = source_words.shown(source_text(provenance_of(session, contact_id, f"contacts.{column}")), lang,
                                 lambda p: tax.label(p, lang))
        shown = tax.label(label.category, lang)
        for recipient in src.get("shared_with") or []:
            recipients.setdefault(recipient, []).append(shown)
        items.append({"field": shown, "source": source_words.in_brackets(src, lang),
                      "collected": (src["collected_at"] or "")[:10],
                      "used for": src.get("collected_for") or "",
                      "shared with": ("、" if lang == "zh" else ", ").join(src.get("shared_with") or [])
                      or ("无" if lang == "zh" else "nobody")})
    if lang == "zh":
        shared = "；".join(f"{r}（{'、'.join(fields)}）" for r, fields in recipients.items())
        answer = f"我们与以下对象共享过您的数据：{shared}。" if shared else "我们没有与任何外部对象共享您的数据。"
    else:
        shared = "; ".join(f"{r} ({', '.join(fields)})" for r, fields in recipients.items())
        answer = f"We have shared your data with: {shared}." if shared else "We have shared your data with no one."
    return {"answer": answer, "items": items, "total": len(items)}


def recipients(session: Session, contact_id: int, category: str | None = None) -> list[str]:
    """The outside parties the person's data (of `category`, or all of it) was shared with, from its provenance."""
    found: set[str] = set()
    for column, label in personal_columns(Contact.__table__).items():
        if category is None or covers(category, label.category):
            p = provenance_of(session, contact_id, f"contacts.{column}")
            found |= set((p.shared_with if p else []) or [])
    return sorted(found)


def data_by_category(session: Session, contact_id: int, now: dt.datetime, lang: str = "en", *,
                     actor: str = "system", tax: Taxonomy | None = None) -> dict:
    """Per category: the values held, where each came from, the purposes it may be used for, sharing, expiry."""
    tax = tax or default_taxonomy()
    who = person(session, contact_id)
    live = [c for c in consents.current(session, contact_id, now, lang, tax)]
    out: dict[str, dict] = {}
    for column, label in personal_columns(Contact.__table__).items():
        pdp.decide(session, contact_id, label.category, PURPOSE, now, actor=actor, taxonomy=tax)
        p = provenance_of(session, contact_id, f"contacts.{column}")
        entry = out.setdefault(label.category, {"what": tax.label(label.category, lang), "values": [],
                                                "purposes": _purposes(label.category, label.basis, live, tax, lang),
                                                "shared_with": [], "expires": _expiry(label.category, live)})
        entry["values"].append({"field": FIELD_WORDS.get(column, column), "value": getattr(who, column),
                                "source": source_text(p), "legal_basis": label.basis or "consent"})
        entry["shared_with"] = sorted(set(entry["shared_with"]) | set((p.shared_with if p else []) or []))
    return out


def _purposes(category: str, basis: str | None, live: list[dict], tax: Taxonomy, lang: str) -> list[str]:
    granted = {c["use"] for c in live if c["granted"] and covers(c["category"], category)}
    refused = {c["use"] for c in live if not c["granted"] and covers(c["category"], category)}
    by_basis = {tax.label(p, lang) for p in tax.bases.get(basis or "", {}).get("covers", [])}
    return sorted((granted | by_basis) - (refused - by_basis))


def _expiry(category: str, live: list[dict]) -> str | None:
    dates = [c["expires"] for c in live if c["granted"] and c["expires"] and covers(c["category"], category)]
    return min(dates) if dates else None


def export(session: Session, contact_id: int, now: dt.datetime, *, actor: str = "system", channel: str = "api",
           tax: Taxonomy | None = None) -> dict:
    """Everything held about the person, each value with its provenance (GDPR Art. 15/20, PIPL Art. 45).

    A copy of one's own data reads, it changes nothing: no `privacy_requests` row (a request has a lifecycle and a
    deadline; a copy handed over at once has neither). Who took a copy, when and through which channel is kept in
    the signed audit log, with the PDP decisions of the reads."""
    tax = tax or default_taxonomy()
    who = person(session, contact_id)
    for category in ("user.behavior.interaction",):
        pdp.decide(session, contact_id, category, PURPOSE, now, actor=actor, taxonomy=tax)
    activities = session.scalars(select(Activity).where(Activity.contact_id == contact_id).order_by(Activity.occurred_at)).all()
    cases = session.scalars(select(Case).where(Case.contact_id == contact_id).order_by(Case.created_at)).all()
    vault = session.scalars(select(VaultItem).where(VaultItem.contact_id == contact_id)).all()
    data = {
        "subject": {"contact_id": who.id, "company": who.account.name, "exported_at": now.isoformat()},
        "personal_data": data_by_category(session, contact_id, now, actor=actor, tax=tax),
        "interactions": [{"kind": a.kind, "subject": a.subject, "body": a.body, "when": a.occurred_at.isoformat(),
                          "source": {"channel": a.kind, "system": "tessera-crm", "recorded_by": a.user.display_name}}
                         for a in activities],
        "cases": [{"case": f"C-{c.id}", "kind": c.kind, "status": c.status, "description": c.description,
                   "opened": c.created_at.isoformat(), "closed": c.closed_at.isoformat() if c.closed_at else None}
                  for c in cases],
        "vault": [{"category": v.category, "content": v.content, "channel": v.channel,
                   "collected_at": v.collected_at.isoformat()} for v in vault],
        "consents": [{"category": r.category, "purpose": r.purpose, "granted": r.granted,
                      "recorded_at": r.recorded_at.isoformat(), "channel": r.channel, "notice": r.notice,
                      "expires_at": r.expires_at.isoformat() if r.expires_at else None, "receipt": r.receipt_id}
                     for r in consents.history(session, contact_id)],
        "corrections": [{"field": h.field, "old": h.old_value, "new": h.new_value, "at": h.changed_at.isoformat()}
                        for h in session.scalars(select(FieldHistory).where(FieldHistory.contact_id == contact_id))],
    }
    data["requests"] = [requests.public(r) for r in requests.for_person(session, contact_id)]
    audit.append(session, event=EXPORT_EVENT, actor=actor, at=now, contact_id=contact_id, category="user",
                 purpose=PURPOSE, allowed=True, reason=f"a copy of the person's data delivered via {channel}",
                 details={"channel": channel, "sections": {k: len(data[k]) for k in EXPORT_SECTIONS}})
    return data


def export_zip(data: dict) -> bytes:
    """The export as a zip of CSV files, one per section (personal_data flattened to one row per value)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        rows = [{"category": cat, "field": v["field"], "value": v["value"], "legal_basis": v["legal_basis"],
                 **{f"source_{k}": json.dumps(x, ensure_ascii=False) if isinstance(x, list) else x
                    for k, x in v["source"].items()}}
                for cat, entry in data["personal_data"].items() for v in entry["values"]]
        z.writestr("personal_data.csv", _csv(rows))
        for section in ("interactions", "cases", "vault", "consents", "corrections", "requests"):
            z.writestr(f"{section}.csv", _csv([{k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                                                for k, v in row.items()} for row in data.get(section, [])]))
        z.writestr("subject.json", json.dumps(data["subject"], ensure_ascii=False, indent=2))
    return buffer.getvalue()


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    fields = list(dict.fromkeys(k for r in rows for k in r)) or ["empty"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def rectify(session: Session, contact_id: int, field: str, value: str, now: dt.datetime, *, actor: str,
            channel: str = "api", tax: Taxonomy | None = None) -> dict:
    """Correct one field; the old value is kept in the field history (and erased with the person). A field naming
    one part of the name ("surname", "first name", "姓") corrects that part and keeps the rest."""
    part = part_named(field)
    column = "full_name" if part else column_for(field, tax)
    if not (value or "").strip():
        raise Invalid("the corrected value is empty; say what the right value is", kind="needs_value")
    _check_shape(column, value.strip())
    who = person(session, contact_id)
    if part:
        value = with_part(who.full_name, part, value)
    req = requests.open_request(session, contact_id=contact_id, kind="rectify", scope=f"contacts.{column}",
                                channel=channel, now=now, by=actor)
    old = getattr(who, column)
    session.add(FieldHistory(contact_id=contact_id, field=f"contacts.{column}", old_value=old, new_value=value.strip(),
                             changed_at=now.replace(tzinfo=None), request_id=req.id))
    setattr(who, column, value.strip())
    label = personal_columns(Contact.__table__)[column]
    session.add(Provenance(contact_id=contact_id, field=f"contacts.{column}", category=label.category,
                           source_channel=channel, source_system="tessera-privacy",
                           source_detail=f"corrected by the person (request {req.id})",
                           collected_at=now.replace(tzinfo=None), collected_for="essential.service", shared_with=[]))
    requests.finish(session, req, now=now, by=actor, note=f"contacts.{column} corrected; previous value kept in history")
    return {"done": f"{FIELD_WORDS[column]} corrected", "field": FIELD_WORDS[column], "old": old, "new": value.strip(),
            "request": req.id}


_SHAPES = {"phone": (re.compile(r"^\+?[\d\s().-]{7,24}$"), "a phone number (digits, spaces, +, -)"),
           "email": (re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"), "an email address (name@example.com)")}


def _check_shape(column: str, value: str) -> None:
    """A corrected phone or email must look like one: '13800001111吗' is refused, not stored."""
    shape = _SHAPES.get(column)
    if shape and not shape[0].match(value) or (column == "phone" and sum(c.isdigit() for c in value) < 6):
        raise ValueError(f"'{value}' does not look like {shape[1]}; nothing was changed")


def where_from(session: Session, contact_id: int, field: str, now: dt.datetime, lang: str = "en", *,
               actor: str = "system", tax: Taxonomy | None = None) -> dict:
    """The true answer to "where did you get my phone number?": source, time, purpose, sharing. Asked of no one
    field ("who have you shared my details with?", "where did my data come from?"), the answer covers each."""
    try:
        column = column_for(field, tax)
    except Invalid:
        return every_source(session, contact_id, now, lang, actor=actor, tax=tax)
    who = person(session, contact_id)
    label = personal_columns(Contact.__table__)[column]
    pdp.decide(session, contact_id, label.category, PURPOSE, now, actor=actor, taxonomy=tax)
    tax = tax or default_taxonomy()
    src = source_words.shown(source_text(provenance_of(session, contact_id, f"contacts.{column}")), lang,
                             lambda p: tax.label(p, lang))
    shown = tax.label(label.category, lang)
    when = (src["collected_at"] or "")[:10]
    shared = ("、" if lang == "zh" else ", ").join(src.get("shared_with") or []) or ("无" if lang == "zh" else "nobody")
    use = src.get("collected_for") or ""
    answer = (f"您的{shown}（{getattr(who, column)}）来自{src['channel']}（{src['system']}：{src['detail']}），"
              f"收集于{when}，用途：{use}；共享对象：{shared}。" if lang == "zh" else
              f"Your {shown} ({getattr(who, column)}) came from {src['channel']} ({src['system']}: {src['detail']}) "
              f"on {when}, collected for {use}; shared with {shared}.")
    return {"answer": answer, "field": FIELD_WORDS[column], "value": getattr(who, column), "source": src}
