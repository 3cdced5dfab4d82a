"""Checking the audit log: every link and hash in order, every signed head (on the lines and in the heads file)
against the lines it covers, and every twin table (e.g. `autonomy_audit`) against its chained twins.

What each finding means, for someone who could write the database but not the key or the heads file:
- a line whose hash does not match its content: that line was edited;
- a sequence gap or a broken link: lines were deleted, inserted or moved;
- a signature that fails on a line: lines up to it were rewritten (and the hashes after them recomputed, or the
  chain would have shown it), or the signature was forged;
- lines no signature covers: they were added without the key (in the database directly, or by a process that
  does not sign), or their transaction's signature was removed;
- a signed head in the file that differs from the line at its position: lines up to there were rewritten;
- a signed head in the file covering more lines than the log holds: lines were removed from the end.
Lines before the first signed head were written before the chain was anchored; later hashes still cover them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.privacy.anchor import ChainAnchor, SignedHead
from crm.privacy.audit import GENESIS, line_digest
from crm.privacy.models import AuditEntry

MAX_FINDINGS = 10
TwinRows = Callable[[Session], Iterable[tuple[int, str]]]  # (row id, content digest) of every row of a twin table
_COLUMNS = [getattr(AuditEntry, c) for c in ("id", "seq", "at", "event", "actor", "contact_id", "category",
                                             "purpose", "allowed", "reason", "details", "signed_head", "prev_hash",
                                             "hash")]


@dataclass
class ChainReport:
    ok: bool
    entries: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    anchored: int = 0  # lines covered by the newest signed head that matches the log
    anchored_at: dt.datetime | None = None
    heads: int = 0  # signed heads compared with the log (on lines and in the heads file)
    twins: int = 0  # twin-table rows compared with their chained twins

    @property
    def problem(self) -> str:
        return "; ".join(self.problems)

    def __str__(self) -> str:
        if not self.ok:
            return "audit log BROKEN: " + "\n  ".join(self.problems)
        newest = (f"; the newest covers {self.anchored} entries, signed {self.anchored_at:%Y-%m-%d %H:%M:%S} UTC"
                  if self.anchored_at else "")
        lines = [f"audit log intact: {self.entries} entries; {self.heads} signed heads checked{newest}"
                 + (f"; {self.twins} twin rows match" if self.twins else "")]
        return "\n  ".join(lines + self.notes)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "entries": self.entries, "problems": self.problems, "notes": self.notes,
                "anchored": self.anchored, "heads_checked": self.heads, "twins_checked": self.twins,
                "anchored_at": self.anchored_at.isoformat() if self.anchored_at else None}


@dataclass
class _Filed:
    head: SignedHead
    where: str
    fault: str | None = None  # None: signature not checked yet

    def checked(self, chain_anchor: ChainAnchor, keys: dict) -> str:
        if self.fault is None:
            self.fault = chain_anchor.check(self.head, keys)
        return self.fault


def verify(session: Session, chain_anchor: ChainAnchor | None = None, *, twins: dict[str, TwinRows] | None = None,
           batch: int = 5000) -> ChainReport:
    walk = _Walk(session, chain_anchor)
    walk.run(batch)
    walk.finish()
    for table, rows_of in (twins or {}).items():
        _compare_twins(table, rows_of(session), walk.twins.get(table, {}), walk.report)
    walk.report.ok = not walk.report.problems
    return walk.report


class _Walk:
    """One pass over the lines in chain order, keeping what the findings need."""

    def __init__(self, session: Session, chain_anchor: ChainAnchor | None):
        self.session, self.anchor, self.report = session, chain_anchor, ChainReport(ok=True, entries=0)
        self.keys = chain_anchor.public_keys() if chain_anchor is not None else {}
        self.filed = self._filed_heads()
        self.twins: dict[str, dict[int, tuple[int, str]]] = {}
        self.chain_faults = self.rewrites = 0
        self.covered_to: int | None = None  # end of the last good signed interval on the lines
        self.legacy_end: int | None = None  # lines up to here predate the anchor
        self.gaps: list[tuple[int, int]] = []  # lines no signature on the lines covers
        self.matched = 0  # the largest position where a good signed head matches
        self.last = 0

    def run(self, batch: int) -> None:
        expected, prev = 1, GENESIS
        while rows := self.session.execute(select(*_COLUMNS).where(AuditEntry.seq > self.last)
                                           .order_by(AuditEntry.seq).limit(batch)).all():
            for e in rows:
                self._link(e, expected, prev)
                if e.signed_head:
                    self._stamp(e)
                for filed in self.filed.get(e.seq, ()):
                    self._compare_filed(filed, e)
                twin = e.details.get("twin") if isinstance(e.details, dict) else None
                if twin:
                    self.twins.setdefault(twin["table"], {})[int(twin["id"])] = (e.seq, twin["sha256"])
                prev, expected, self.last = e.hash, e.seq + 1, e.seq
                self.report.entries += 1

    def _problem(self, text: str) -> None:
        if len(self.report.problems) < MAX_FINDINGS:
            self.report.problems.append(text)
        elif len(self.report.problems) == MAX_FINDINGS:
            self.report.problems.append("... and more findings after these")

    def _link(self, e, expected: int, prev: str) -> None:
        if e.seq != expected:
            what = "removed" if e.seq > expected else "inserted or moved"
            self._problem(f"line {e.id}: sequence {e.seq}, expected {expected} (a line was {what})")
        elif e.prev_hash != prev:
            self._problem(f"line {e.id} (seq {e.seq}): does not link to the line before it (a line was moved or "
                          "replaced)")
        elif line_digest(e) != e.hash:
            self._problem(f"line {e.id} (seq {e.seq}, {e.event}): content changed after it was written")

    def _stamp(self, e) -> None:
        """A transaction's signature on its last line: the lines since the previous signature are its own."""
        self.report.heads += 1
        try:
            head = SignedHead.from_stamp(e.seq, e.hash, e.signed_head)
        except (KeyError, TypeError, ValueError):
            self._problem(f"line {e.id} (seq {e.seq}): its signed head is malformed")
            return
        if self.anchor is None:
            return
        fault = self.anchor.check(head, self.keys)
        if fault:
            self.rewrites += 1
            if self.rewrites == 1:
                self._problem(f"rewritten or forged: the signature on seq {e.seq} fails ({fault}); a line after seq "
                              f"{self.matched} and up to seq {e.seq} was changed and the hashes after it recomputed, "
                              "or the signature was made without the key")
        if self.covered_to is None:
            self.legacy_end = head.first
        elif head.first > self.covered_to:
            self.gaps.append((self.covered_to + 1, head.first))
        elif head.first < self.covered_to:
            self._problem(f"the signature on seq {e.seq} covers from seq {head.first + 1}, inside the transaction "
                          f"that ends at seq {self.covered_to} (a signed line was moved)")
        self.covered_to = e.seq  # claimed, even when its signature failed: that is reported above
        if not fault:
            self._anchored(e.seq, head)

    def _compare_filed(self, filed: _Filed, e) -> None:
        if filed.head.hash == e.hash:
            if not filed.checked(self.anchor, self.keys):
                self._anchored(e.seq, filed.head)
            return
        fault = filed.checked(self.anchor, self.keys)
        if fault:
            self._problem(f"{filed.where}: {fault}")
            return
        self.rewrites += 1
        if self.rewrites == 1:
            self._problem(f"rewritten: the line at seq {e.seq} is not the one the {filed.where} covers; a line "
                          f"after seq {self.matched} and up to seq {e.seq} was changed and the hashes after it "
                          "recomputed")

    def _anchored(self, seq: int, head: SignedHead) -> None:
        if seq >= self.matched:
            self.matched, self.report.anchored, self.report.anchored_at = seq, seq, head.signed_at

    def finish(self) -> None:
        if self.rewrites > 1:
            more = self.rewrites - 1
            self._problem(f"{more} later signed head{'s do' if more > 1 else ' does'} not match either")
        if self.anchor is None:
            self.report.notes.append("no signatures checked: without the audit key's public part, truncation and "
                                     "recomputed hashes cannot be detected")
            return
        self._truncation()
        self._coverage()
        if self.report.problems:
            return
        if not self.report.anchored and self.report.entries:
            self.report.notes.append("no signed head covers this log yet: it is anchored from the next write or start")
        elif self.legacy_end:
            self.report.notes.append(f"the first {self.legacy_end} entries were written before the chain was "
                                     "anchored; the signed hashes after them cover them")

    def _truncation(self) -> None:
        """The largest genuinely signed count beyond the log's end says how many lines were cut off."""
        for count in sorted((c for c in self.filed if c > self.last), reverse=True):
            for filed in self.filed[count]:
                fault = filed.checked(self.anchor, self.keys)
                if fault:
                    self._problem(f"{filed.where}: {fault}")
                    continue
                self._problem(f"truncated: the log ends at seq {self.last} but the {filed.where} covers {count} "
                              f"lines; {count - self.last} line(s) were removed from the end")
                return

    def _coverage(self) -> None:
        """Every line after the anchor began must be some signing transaction's own; the heads file can vouch for
        lines whose signature was stripped from the store, but that stripping is itself reported."""
        if self.covered_to is None:  # no signature on the lines at all: stripped, or never anchored
            filed = [f for fs in self.filed.values() for f in fs if f.head.first < f.head.count]
            if not filed:
                return
            self.legacy_end = min(f.head.first for f in filed)
            self.covered_to = self.legacy_end
        gaps = self.gaps + ([(self.covered_to + 1, self.last)] if self.last > self.covered_to else [])
        for start, end in gaps:
            vouched = [f for c in range(start, end + 1) for f in self.filed.get(c, ())
                       if f.head.first < f.head.count and not f.checked(self.anchor, self.keys)]
            if vouched:
                ends = ", ".join(str(f.head.count) for f in vouched[:5])
                self._problem(f"the signatures of the transactions ending at seq {ends} were removed from the store "
                              "(the heads file still holds them)")
                start = max(f.head.count for f in vouched) + 1
            if start <= end:
                self._problem(f"lines {start}..{end} are under no signature: written without the signing key "
                              "(directly in the database, or by a process that does not sign)")

    def _filed_heads(self) -> dict[int, list[_Filed]]:
        """The heads file, by the count each head covers."""
        filed: dict[int, list[_Filed]] = {}
        if self.anchor is None:
            return filed
        heads, bad_lines = self.anchor.heads()
        for text in bad_lines:
            self._problem(text)
        if heads and not self.keys:
            self._problem(f"no public key in {self.anchor.keyring_file} or {self.anchor.key_file}, so none of "
                          f"{len(heads)} signed heads can be checked: point TESSERA_AUDIT__KEY_FILE at the key's folder")
            return filed
        for number, head in heads:
            where = f"head signed {head.signed_at:%Y-%m-%d %H:%M:%S} UTC (line {number} of {self.anchor.heads_file.name})"
            filed.setdefault(head.count, []).append(_Filed(head, where))
        self.report.heads = len(heads)
        return filed


def _compare_twins(table: str, rows: Iterable[tuple[int, str]], chained: dict[int, tuple[int, str]],
                   report: ChainReport) -> None:
    present = set()
    for row_id, content in rows:
        present.add(row_id)
        report.twins += 1
        twin = chained.get(row_id)
        if twin is None:
            report.problems.append(f"{table} row {row_id} has no twin on the chain: it was added outside the log")
        elif twin[1] != content:
            report.problems.append(f"{table} row {row_id} was changed after it was written (its twin is seq {twin[0]})")
    for row_id in sorted(set(chained) - present):
        report.problems.append(f"{table} row {row_id} was deleted (its twin is seq {chained[row_id][0]})")
