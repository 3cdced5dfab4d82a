"""What a customer (a data subject) may ask about and do with their own data; every read goes through the PDP."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from crm.actor import AccessDenied, Actor, Invalid
from crm.models import Activity, Case, Contact, User, utcnow
from crm.privacy import access_log, consents, erasure, pdp, requests, rights, source_words
from crm.privacy.labels import personal_columns
from crm.privacy.name_parts import part_named, with_part
from crm.privacy.taxonomy import covers, default_taxonomy
from crm.services.moves import moved_to

REVOKE_DEFAULT_CATEGORY = "user"  # a refusal without a named category covers all personal data (opt-out wins)
GRANT_DEFAULT_CATEGORY = "user.contact"


def subject_of(actor: Actor) -> int:
    if actor.role != "customer" or actor.contact_id is None:
        raise AccessDenied("only a signed-in customer can ask about their own data")
    return actor.contact_id


def who(actor: Actor) -> str:
    """How the audit log names a customer acting on their own data (an id, never the login or name)."""
    return f"contact:{actor.contact_id}"


def data_held_about(session: Session, actor: Actor, now: dt.datetime | None = None, *, what: str | None = None) -> dict:
    """What is held about the customer: one row per value (which data, the value, where it came from and when, what
    it may be used for, whom it was shared with), in the customer's language where words are ours; then what else
    is linked to them (their company, activities naming them, cases they opened). Asked about their interactions
    ("what did your reps write about me?", `what` naming notes, calls or cases): those records themselves."""
    contact_id, now = subject_of(actor), now or utcnow()
    lang = "zh" if actor.language == "zh" else "en"
    if _category_asked(default_taxonomy(), what) == INTERACTIONS:
        return _interactions_held(session, actor, contact_id, now, lang)
    by_category = rights.data_by_category(session, contact_id, now, actor.language, actor=who(actor))
    person = rights.person(session, contact_id)
    nobody, joined = ("无", "、") if lang == "zh" else ("nobody", ", ")
    items = [{"what": entry["what"], "value": v["value"],
              "source": source_words.in_brackets(source_words.shown(v["source"], lang), lang),
              "collected": (v["source"].get("collected_at") or "")[:10],
              "used for": joined.join(entry["purposes"]) or "—",
              "shared with": joined.join(source_words.recipients(entry["shared_with"], lang)) or nobody}
             for entry in by_category.values() for v in entry["values"]]
    activities = session.scalar(select(func.count()).where(Activity.contact_id == contact_id)) or 0
    cases = session.scalar(select(func.count()).where(Case.contact_id == contact_id)) or 0
    return {
        "items": items, "total": len(items),
        "record": {"company": person.account.name, "activities mentioning you": activities, "cases you opened": cases},
        "about": person.full_name,
    }


INTERACTIONS = "user.behavior.interaction"
_INTERACTIONS_ANSWER = {
    "en": "We hold {activities} record(s) of calls, meetings, emails and notes naming you and {cases} case(s) you "
          "opened; each below with when, who recorded it and what was written.",
    "zh": "我们保存了 {activities} 条提到您的沟通记录（电话、会议、邮件、备注）和 {cases} 个您提交的工单；下面列出每条的时间、记录人和内容。",
}


def _interactions_held(session: Session, actor: Actor, contact_id: int, now: dt.datetime, lang: str) -> dict:
    """The person's interactions as held: each activity naming them (when, kind, subject, what was written, who
    recorded it) and each case they opened, newest first. Read for the person's own access right, through the PDP
    as a copy of their data is (`rights.export`)."""
    pdp.decide(session, contact_id, INTERACTIONS, rights.PURPOSE, now, actor=who(actor))
    activities = session.scalars(select(Activity).options(joinedload(Activity.user))  # who recorded each: one read
                                 .where(Activity.contact_id == contact_id).order_by(Activity.occurred_at.desc())).all()
    cases = session.scalars(select(Case).where(Case.contact_id == contact_id).order_by(Case.created_at.desc())).all()
    items = [{"when": a.occurred_at.date().isoformat(), "kind": a.kind, "subject": a.subject, "note": a.body or "—",
              "recorded by": a.user.display_name} for a in activities]
    openers = dict(session.execute(select(User.id, User.display_name)
                                   .where(User.id.in_({c.opened_by for c in cases}))).all()) if cases else {}
    items += [{"when": c.created_at.date().isoformat(), "kind": "case", "subject": f"C-{c.id}",
               "note": c.description or "—", "recorded by": openers.get(c.opened_by, "—"), "status": c.status}
              for c in cases]
    items.sort(key=lambda row: row["when"], reverse=True)
    return {"answer": _INTERACTIONS_ANSWER[lang].format(activities=len(activities), cases=len(cases)),
            "items": items, "total": len(items), "about": rights.person(session, contact_id).full_name}


# The uses a customer is told about when they ask what one piece of their data is used for, in this order.
USES_ASKED_ABOUT = ("essential.service", "sales.follow_up", "marketing.communications", "analytics.reporting",
                    "train_ai_system", "third_party_sharing")
_BASIS_WORDS = {"en": {"consent": "with your consent", "contract": "under your company's contract",
                       "legal_obligation": "required by law", "legitimate_interest": "legitimate interest; you may object"},
                "zh": {"consent": "经您同意", "contract": "依据贵公司的合同", "legal_obligation": "法律要求",
                       "legitimate_interest": "合法利益，您可以反对"}}


def my_consents(session: Session, actor: Actor, now: dt.datetime | None = None, *, what: str | None = None) -> dict:
    """The customer's consents; asked about one piece of their data ("what do you use my phone number for?"), the
    answer for that piece leads (what it is used for and on which ground, what not) and only the consents covering
    it follow."""
    contact_id, now, tax = subject_of(actor), now or utcnow(), default_taxonomy()
    lang = actor.language if actor.language in ("en", "zh") else "en"
    items = consents.current(session, contact_id, now, actor.language)
    about = rights.person(session, contact_id).full_name
    category = _category_asked(tax, what)
    if category is None:
        use = tax.purpose_from_text(what or "")
        answer = {"answer": _data_used_for(session, contact_id, use, items, now, lang, tax)} if use else {}
        return {**answer, "items": [_consent_shown(i, lang) for i in items], "total": len(items), "about": about}
    items = [i for i in items if covers(i["category"], category) or covers(category, i["category"])]
    return {"answer": _uses_of(session, contact_id, category, now, lang, tax),
            "items": [_consent_shown(i, lang) for i in items], "total": len(items), "about": about}


def _consent_shown(row: dict, lang: str) -> dict:
    """One consent as the customer reads it: the data and the use by their labels (no taxonomy ids), the status,
    since when, the channel in their language, until when, the receipt."""
    return {"what": row["what"], "use": row["use"], "status": row["status"], "since": row["since"],
            "channel": source_words.channel(row["channel"], lang), "expires": row["expires"], "receipt": row["receipt"]}


def _category_asked(tax, what: str | None) -> str | None:
    """The one category a question names ("my phone number"), not counting the words of a use ("marketing emails"
    names a use, not the email address); None for all of the person's data."""
    rest = (what or "").lower()
    for purpose in tax.purposes.values():
        for word in sorted(purpose.get("words", []), key=len, reverse=True):
            rest = rest.replace(word.lower(), " ")
    category = tax.category_from_text(rest) if rest.strip() else None
    return category if category and category != REVOKE_DEFAULT_CATEGORY else None


def _uses_of(session: Session, contact_id: int, category: str, now: dt.datetime, lang: str, tax) -> str:
    """One sentence: what `category` is used for (and why it may be), and what it is not used for."""
    used, unused = [], []
    for purpose in USES_ASKED_ABOUT:
        decision = pdp.would_allow(session, contact_id, category, purpose, now, taxonomy=tax)
        use = tax.label(purpose, lang)
        if decision.allowed:
            used.append(f"{use}（{_BASIS_WORDS[lang].get(decision.basis, '')}）" if lang == "zh" else
                        f"{use} ({_BASIS_WORDS[lang].get(decision.basis, '')})")
        else:
            unused.append(use)
    data = tax.label(category, lang)
    if lang == "zh":
        return (f"您的{data}用于：{'；'.join(used) or '无'}。" + (f"不用于：{'、'.join(unused)}。" if unused else ""))
    return (f"Your {data} is used for: {'; '.join(used) or 'nothing'}." + (f" Not for: {', '.join(unused)}." if unused else ""))


def _data_used_for(session: Session, contact_id: int, asked: str, items: list[dict], now: dt.datetime, lang: str,
                   tax) -> str:
    """One sentence: which of the person's data is used for the use a question names ("do you use my data to train
    AI models?", "拿我的数据做营销吗"), on which ground, and which is not. A general use ("marketing") is answered by
    the uses under it that people are told about (marketing messages). Reads no personal value."""
    uses = [u for u in USES_ASKED_ABOUT if covers(asked, u)] or [asked]
    named = dict.fromkeys([label.category for label in personal_columns(Contact.__table__).values()]
                          + [i["category"] for i in items])
    categories = [c for c in named if not any(o != c and covers(c, o) for o in named)]  # "phone", not "contact details"
    sharing = any(covers("third_party_sharing", u) for u in uses)
    used: dict[str, list[str]] = {}  # the ground, in words -> the data used on it
    unused = []
    for category in categories:
        allowed = [d for d in (pdp.would_allow(session, contact_id, category, u, now, taxonomy=tax) for u in uses)
                   if d.allowed]
        shared_with = rights.recipients(session, contact_id, category) if sharing else []
        if shared_with:  # a fact of its provenance, whatever the consents say now
            ground = ("已共享给" if lang == "zh" else "shared with ") + _listed(
                source_words.recipients(shared_with, lang), lang)
        elif allowed:
            ground = _BASIS_WORDS[lang].get(allowed[0].basis, "")
        else:
            unused.append(tax.label(category, lang))
            continue
        used.setdefault(ground, []).append(tax.label(category, lang))
    use = _listed([tax.label(u, lang) for u in uses], lang)
    if lang == "zh":
        if not used:
            return f"{use}：您的任何数据都不用于此。"
        said = "；".join(f"您的{_listed(data, lang)}（{ground}）" for ground, data in used.items())
        return f"{use}：用于此的是{said}" + (f"；{_listed(unused, lang)}不用于此。" if unused else "。")
    use = use[:1].upper() + use[1:]
    if not used:
        return f"{use}: none of your data is used for it."
    said = "; ".join(f"your {_listed(data, lang)} ({ground})" for ground, data in used.items())
    return f"{use}: used for it are {said}" + (f"; not your {_listed(unused, lang)}." if unused else ".")


def _listed(words: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def change_consent(session: Session, actor: Actor, *, granted: bool, category: str | None = None,
                   purpose: str | None = None, text: str = "", now: dt.datetime | None = None,
                   channel: str = "chat") -> dict:
    """Grant or revoke one use of one category; words ("marketing emails", "营销") are read via the taxonomy."""
    contact_id, now, tax = subject_of(actor), now or utcnow(), default_taxonomy()
    purpose, category = _consent_words(tax, granted=granted, category=category, purpose=purpose, text=text)
    req = requests.open_request(session, contact_id=contact_id, kind="consent", scope=category, channel=channel,
                                now=now, by=who(actor))
    record = consents.record_consent(session, contact_id=contact_id, category=category, purpose=purpose,
                                     granted=granted, now=now, channel=channel, by=who(actor), lang=actor.language)
    requests.finish(session, req, now=now, by=who(actor), note=f"receipt {record.receipt_id}")
    use, data = tax.label(purpose, actor.language), tax.label(category, actor.language)
    done = (f"已{'同意' if granted else '撤回'}将您的{data}用于{use}" if actor.language == "zh" else
            f"{'granted' if granted else 'revoked'} '{use}' for your {data}")
    return {"done": done,
            "receipt": record.receipt_id, "category": category, "purpose": purpose, "granted": granted,
            "effective": now.isoformat(timespec="minutes")}


def consent_plan(session: Session, actor: Actor, *, granted: bool, text: str = "") -> dict:
    """The plan shown before a consent is granted or withdrawn in chat: which use of which data, from when.
    Reads only."""
    subject_of(actor)
    tax = default_taxonomy()
    purpose, category = _consent_words(tax, granted=granted, category=None, purpose=None, text=text)
    use, data, lang = tax.label(purpose, actor.language), tax.label(category, actor.language), actor.language
    if lang == "zh":
        summary = (f"{'同意' if granted else '撤回同意'}：将您的{data}用于{use}，从下一次请求起生效。")
    else:
        summary = (f"{'Grant' if granted else 'Withdraw'} consent to use your {data} for {use}, from the next "
                   f"request on.")
    words = {"en": ("your consents", "as now", "granted", "withdrawn"), "zh": ("您的同意记录", "当前", "同意", "撤回")}
    record, now_, yes, no = words.get(lang, words["en"])
    return {"summary": summary, "changes": [{"record": record, "field": f"{use} · {data}",
                                             "old": now_, "new": yes if granted else no}],
            "affected": [f"contact #{actor.contact_id}"], "undo": None}


def _consent_words(tax, *, granted: bool, category: str | None, purpose: str | None, text: str) -> tuple[str, str]:
    """The use and the category a consent change names; asks (ValueError) when the use is not said."""
    channel = None if purpose or tax.purpose_from_text(text) else tax.channel_from_text(text)
    purpose = purpose or tax.purpose_from_text(text) or (channel["purpose"] if channel else None)
    if purpose is None:
        raise Invalid("for which use? e.g. sales follow-up, marketing emails, analytics, AI training "
                      "(销售跟进、营销信息、统计分析、模型训练)", kind="needs_purpose")
    tax.require_purpose(purpose)
    if category is not None:
        tax.require_category(category)
    rest = text.lower()
    for word in sorted(tax.purposes[purpose].get("words", []), key=len, reverse=True):
        rest = rest.replace(word.lower(), " ")  # "marketing emails" names a use, not the email address
    category = (category or tax.category_from_text(rest) or (channel["category"] if channel else None)  # "call me": the phone
                or (GRANT_DEFAULT_CATEGORY if granted else REVOKE_DEFAULT_CATEGORY))
    if not tax.is_personal(category):
        raise ValueError(f"'{category}' is not personal data")
    return purpose, category


def data_access(session: Session, actor: Actor, *, what: str | None = None) -> dict:
    """Who has read the customer's own data (one category, when `what` names one), from the privacy audit log."""
    contact_id, tax = subject_of(actor), default_taxonomy()
    lang = actor.language if actor.language in ("en", "zh") else "en"
    category = tax.category_from_text(what) if what else None
    rows, total = access_log.reads_of(session, contact_id, category=category, lang=lang, tax=tax)
    named = tax.label(category, lang) if category else ("个人数据" if lang == "zh" else "personal data")
    said = f"您的{named}" if lang == "zh" else f"your {named}"
    shared = rights.recipients(session, contact_id, category)  # who else holds it: those it was given to
    answer = {"about": f"{access_log.summary(rows, total, said, lang)}{access_log.sharing(shared, lang)}",
              "items": rows, "total": total}
    return {**answer, "shared with": shared} if shared else answer


def where_from(session: Session, actor: Actor, *, what: str, now: dt.datetime | None = None) -> dict:
    return rights.where_from(session, subject_of(actor), what, now or utcnow(), actor.language, actor=who(actor))


def export_summary(session: Session, actor: Actor, now: dt.datetime | None = None, channel: str = "chat") -> dict:
    """The export, summarised for a chat reply, with where to download the full files."""
    data = rights.export(session, subject_of(actor), now or utcnow(), actor=who(actor), channel=channel)
    counts = {"personal fields": sum(len(e["values"]) for e in data["personal_data"].values()),
              "interactions": len(data["interactions"]), "cases": len(data["cases"]),
              "vault items": len(data["vault"]), "consent records": len(data["consents"])}
    done = "您的数据副本已准备好" if actor.language == "zh" else "your data export is ready"
    return {"done": done, "record": counts,
            "download": {"JSON": "GET /v1/me/export", "CSV (zip)": "GET /v1/me/export.zip"}}


def erasure_plan(session: Session, actor: Actor, *, what: str | None, targets=()) -> dict:
    """The plan shown before an erasure asked in chat runs (ToolSpec.confirm): what, where, how many, what is
    kept and why. An unclear request raises UnclearRequest (the question to ask), never "everything"."""
    contact_id = subject_of(actor)
    plan = erasure.plan_erasure(session, contact_id, erasure.scope_from_text(what), targets=targets,
                                lang=actor.language)
    return plan.confirm_payload()


def request_erasure(session: Session, actor: Actor, *, what: str | None = None, now: dt.datetime | None = None,
                    channel: str = "chat") -> dict:
    """Queue a confirmed erasure: a verified request that the runtime's worker carries out once this turn has
    ended (so the conversation asking for it is complete when it goes too)."""
    contact_id, now, tax = subject_of(actor), now or utcnow(), default_taxonomy()
    scope = erasure.scope_from_text(what, tax)
    req = requests.open_request(session, contact_id=contact_id, kind="erase", scope=scope, channel=channel, now=now,
                                by=who(actor))
    label = tax.label(scope, actor.language)
    done = (f"已受理删除您的{label}（请求 {req.id}），本轮对话结束后立即执行。" if actor.language == "zh" else
            f"erasure of your {label} accepted (request {req.id}); it is carried out as soon as this turn ends")
    return {"done": done, "request": req.id, "scope": scope, "status": req.status, "due": req.due_at.date().isoformat(),
            "kept": [{"what": r["keeps"], "rule": r["rule"]} for name, r in tax.retention.items()
                     if name != "orders" or covers(scope, "user.behavior.purchase_history")]}


# Markers before the corrected value, most specific first ("is wrong, it should be X" -> X).
_MARKERS = [re.compile(p, re.IGNORECASE) for p in (
    r"\b(?:should|must|needs? to) (?:be|read|say)(?: spel(?:led|t))?\b|\b(?:is|reads?) now\b|"
    r"\b(?:is|has been) (?:actually|really)\b|\bchanged to\b|\b(?:is |are )?(?:spel(?:led|t)|written)(?: as)?\b|\b(?:go|goes) by\b|\bprefer to be called\b", r"改为|改成|更新为|更新成|换成|换为|变成|变为|应该是|应为|现在是|其实是|已经是", r"[:：]", r"\bto\b",
    r"\bis\b|\bit(?:'|’)s\b", r"是|为")]  # "fix my job title, it's Head of Operations now"

# A polite ending after the value is not part of it: "改成13800001111吗？", "to a@b.cn please".
_QUESTION_TAIL = re.compile(r"\s*(?:好吗|可以吗|行吗|吗|呢|吧|谢谢|please|thanks|thank you)?\s*[?？!！。.]*\s*$", re.IGNORECASE)
# What follows the value in the same sentence is not part of it: "… Shenzhen now", "… on your records",
# "采购总监了，帮忙改一下", "苏州，谢谢".
_VALUE_TAIL = re.compile(r"(?:\s*[，；。！？]|\s*[,;]\s+(?=(?:please|pls|thanks|thank|can|could|would|and|but|so|not)\b)).*$"
                         r"|\s+(?:not|rather than|instead of)\s+\S.*$|\s*(?:而不是|不是)\S.*$"
                         # the reason said after the value: "Miller-Grant now that I'm married", "… since I moved"
                         r"|\s+(?:now that|because|since|as|after|when|following)\s+(?:i|i'm|i've|we|we're|my|our)\b.*$"
                         r"|\s+(?:last (?:month|week|year)|recently|this (?:month|week|year)|lately)\s*[.!]*\s*$"
                         r"|(?:上个?月|上周|最近|去年|今年)\s*$"
                         r"|\s+(?:now|please|thanks|thank you|from now on|(?:on|in) (?:your|the|my) (?:records?|files?|"
                         r"system|database|profile|crm)(?: now)?)\s*[.!]*\s*$|(?<=[\u3400-\u9fff])了\s*$", re.IGNORECASE)


def _field_and_value(correction: str, field: str | None = None, value: str | None = None) -> tuple[str, str]:
    """The words naming the field and the new value a correction says (Invalid when it gives no value)."""
    if value is None:
        read = read_correction(correction or "")
        if read is None:
            raise Invalid("what is the right value? e.g. 'my phone number is +86 139 0000 0000'", kind="needs_value")
        field, value = field or read[0], read[1]
        if not _names_a_field(field):  # "I go by Marcus now, please update my first name": the field said after it
            field = correction.replace(value, " ")
    return field or correction, value


def correction_plan(session: Session, actor: Actor, *, correction: str) -> dict:
    """The plan of a correction confirmed together with other changes ("update my phone to … and unsubscribe me"):
    which field, from what to what, in a sentence of the customer's language. Reads only."""
    field, value = _field_and_value(correction)
    part = part_named(field)
    column = "full_name" if part else rights.column_for(field)
    old = getattr(rights.person(session, subject_of(actor)), column)
    new = with_part(old, part, value) if part else value.strip()
    if actor.language == "zh":
        named = _FIELD_ZH.get(rights.FIELD_WORDS[column], rights.FIELD_WORDS[column])
        summary, record = f"更正您的{named}（原来的值保留在历史记录中）。", "您的资料"
    else:
        named = rights.FIELD_WORDS[column]
        summary, record = f"Correct your {named} (the old value is kept in the history).", "your data"
    return {"summary": summary, "changes": [{"record": record, "field": named, "old": old, "new": new}],
            "affected": [f"contact #{actor.contact_id}"], "undo": "possible"}


def correct_my_data(session: Session, actor: Actor, *, correction: str, field: str | None = None,
                    value: str | None = None, now: dt.datetime | None = None, channel: str = "chat") -> dict:
    """"my phone number is +86 139 ..." -> rectify the phone; the old value stays in the history."""
    field, value = _field_and_value(correction, field, value)
    result = rights.rectify(session, subject_of(actor), field or correction, value, now or utcnow(), actor=who(actor),
                            channel=channel)
    if actor.language == "zh":  # the customer's own words: "已更正您的职位：采购主管 → 采购经理"
        named = _FIELD_ZH.get(result["field"], result["field"])
        result = {**result, "done": f"已更正您的{named}", "field": named}
    return result


def _names_a_field(words: str) -> bool:
    if part_named(words):
        return True
    try:
        rights.column_for(words)
    except Invalid:
        return False
    return True


_FIELD_ZH = {"name": "姓名", "title": "职位", "email": "邮箱", "phone": "电话", "city": "城市"}


# Words saying a value is wrong, not what it should be: "my name is misspelled", "邮箱是错的".
_NOT_A_VALUE = re.compile(r"^(?:wrong|incorrect|misspel\w*|out of date|outdated|old|not right|错的?|不对|有误|过时了?)\W*$",
                          re.IGNORECASE)


# What follows "to" in "I'd like to change my email" is the asking, not a value.
_ASKING = re.compile(r"(?:change|update|correct|fix|edit|amend|modify|rectify|have|get|make|let|see|know|ask|tell|say|"
                     r"know|check|delete|remove|be\b)", re.IGNORECASE)


def read_correction(correction: str) -> tuple[str, str] | None:
    """(the words naming the field, the new value) of a correction as said, or None when it gives no value ("I need
    to update my email"): a phone number or e-mail address alone, one inside the sentence, or the value after a
    marker ("should be", "改成", ":", "is")."""
    shape = _shape_of(correction)
    if shape:  # only a value was given: "+86 139 0000 0000"
        return shape, correction.strip()
    embedded = _embedded_value(correction)
    if embedded:  # "my phone number changed, it's +86 138 …", "邮箱换了，新的是 a@b.cn，帮我改一下": the value says the field
        return embedded
    place = moved_to(correction)
    if place:  # "I moved to Chengdu last month", "I'm based in Nanjing these days", "我调到深圳工作了": the city
        return "city", place
    for marker in _MARKERS:
        found = marker.search(correction)
        value = _value_of(correction[found.end():]) if found else ""
        if value and not _NOT_A_VALUE.match(value) and not _ASKING.match(value):
            return correction[:found.start()] or correction, value
    return None


def _value_of(said: str) -> str:
    """The value as said after its marker, without the sentence around it."""
    value = _QUESTION_TAIL.sub("", said).strip()
    while True:
        shorter = _QUESTION_TAIL.sub("", _VALUE_TAIL.sub("", value)).strip()
        if shorter == value or not shorter:
            return value.rstrip("。.")
        value = shorter


_PHONE = re.compile(r"^\+?[\d\s()-]{7,20}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")  # "邮箱改为a@b.cn" is a sentence, not an address


# An email address or phone number inside a sentence; only one of the two may be in it for the value to be clear.
_EMAIL_IN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE_IN = re.compile(r"(?<![\w.])\+?\d[\d\s()-]{5,22}\d(?![\w.@])")


def _embedded_value(text: str) -> tuple[str, str] | None:
    """("email" or "phone", the value) when the sentence holds exactly one value of such a shape, else None."""
    emails = _EMAIL_IN.findall(text)
    phones = [p.strip() for p in _PHONE_IN.findall(_EMAIL_IN.sub(" ", text)) if sum(c.isdigit() for c in p) >= 7]
    if len(emails) + len(phones) != 1:
        return None
    return ("email", emails[0]) if emails else ("phone", phones[0])


def _shape_of(text: str) -> str | None:
    text = text.strip()
    return "phone" if _PHONE.match(text) else "email" if _EMAIL.match(text) else None
