"""Cross-unit collaboration made explicit: sharing an account with another unit, and revoking it, both audited."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, NotFound
from crm.autonomy.catalog import unit_by_code
from crm.autonomy import trail
from crm.autonomy.models import SharedAccount
from crm.models import Account


def share_account(session: Session, actor: Actor, *, account: str, unit: str, reason: str, now: dt.datetime) -> dict:
    """Let another unit's reps see an account and its deals (read only); a rep of the owning unit or a manager may."""
    target = _account(session, account)
    owner_unit = target.unit_id
    if not (actor.sees_all_units or (actor.role == "rep" and actor.unit_id == owner_unit)):
        raise AccessDenied(f"only a rep of the unit that owns '{target.name}' or a manager may share it")
    if not reason.strip():
        raise ValueError("say why the account is shared (the joint opportunity, the customer's request)")
    to_unit = unit_by_code(session, unit)
    if to_unit.id == owner_unit:
        raise ValueError(f"'{target.name}' already belongs to {to_unit.code}")
    share = session.scalar(select(SharedAccount).where(SharedAccount.account_id == target.id,
                                                       SharedAccount.unit_id == to_unit.id))
    if share is None:
        share = SharedAccount(account_id=target.id, unit_id=to_unit.id, granted_by=actor.login, reason=reason,
                              created_at=now)
        session.add(share)
    else:  # sharing again renews the grant, with the new reason
        share.revoked_at, share.reason, share.granted_by = None, reason, actor.login
    trail.record(session, unit_id=owner_unit, actor=actor.login, event="account_shared", now=now,
                 details={"account": target.name, "with_unit": to_unit.code, "reason": reason},
                 chained={"account_id": target.id, "with_unit": to_unit.code},
                 summary=f"account {target.id} shared with {to_unit.code}")
    return {"done": f"'{target.name}' is shared with {to_unit.code}", "account": target.name, "unit": to_unit.code}


def revoke_share(session: Session, actor: Actor, *, account: str, unit: str, now: dt.datetime) -> dict:
    target = _account(session, account)
    if not (actor.sees_all_units or (actor.role == "rep" and actor.unit_id == target.unit_id)):
        raise AccessDenied(f"only a rep of the unit that owns '{target.name}' or a manager may revoke its sharing")
    to_unit = unit_by_code(session, unit)
    share = session.scalar(select(SharedAccount).where(SharedAccount.account_id == target.id,
                                                       SharedAccount.unit_id == to_unit.id,
                                                       SharedAccount.revoked_at.is_(None)))
    if share is None:
        raise NotFound(f"'{target.name}' is not shared with {to_unit.code}")
    share.revoked_at = now
    trail.record(session, unit_id=target.unit_id, actor=actor.login, event="share_revoked", now=now,
                 details={"account": target.name, "with_unit": to_unit.code},
                 chained={"account_id": target.id, "with_unit": to_unit.code},
                 summary=f"account {target.id} no longer shared with {to_unit.code}")
    return {"done": f"'{target.name}' is no longer shared with {to_unit.code}"}


def _account(session: Session, name: str) -> Account:
    found = session.scalar(select(Account).where(Account.name == name.strip()))
    if found is None:
        raise NotFound(f"no account named '{name}'")
    return found
