"""What `tessera audit` does, as functions: verify the whole log (chain, signed heads, twin tables), show the
signing key's public part, rotate the key."""
from __future__ import annotations

import datetime as dt

from crm.autonomy import trail
from crm.privacy import audit
from crm.privacy.anchor import ChainAnchor
from crm.privacy.audit_verify import ChainReport
from crm.store import Store


class AuditBroken(RuntimeError):
    def __init__(self, report: ChainReport):
        super().__init__(f"the audit log does not verify, so the key was not rotated: {report.problem}")
        self.report = report


def check(store: Store, chain_anchor: ChainAnchor | None) -> ChainReport:
    """The chain, every signed head (on the lines and in the heads file), every autonomy_audit row's twin."""
    with store.session() as s:
        return audit.verify(s, chain_anchor, twins={trail.TABLE: trail.twin_rows})


def key_info(chain_anchor: ChainAnchor) -> dict:
    heads, _ = chain_anchor.heads()
    return {"key_id": chain_anchor.key_id, "public_key": chain_anchor.public_pem(),
            "key_file": str(chain_anchor.key_file), "heads_file": str(chain_anchor.heads_file),
            "signed_heads": len(heads), "known_keys": sorted(chain_anchor.public_keys())}


def rotate_key(store: Store, chain_anchor: ChainAnchor, *, by: str, now: dt.datetime) -> dict:
    """Only over a log that verifies: the rotation is then a line of its own, signed with the new key, so the new
    key vouches for all that came before."""
    report = check(store, chain_anchor)
    if not report.ok:
        raise AuditBroken(report)
    old = chain_anchor.key_id
    new = chain_anchor.rotate()
    audit.anchor(store.engine, chain_anchor)  # this store's next commit signs with the new key
    with store.session() as s:
        line = audit.append(s, event="audit.key_rotated", actor=by, at=now, category="audit", allowed=True,
                            reason=f"signing key {old} retired; {new} signs from now on", details={"old": old, "new": new})
    return {"old_key_id": old, "key_id": new, "sealed_count": line.seq, **key_info(chain_anchor)}
