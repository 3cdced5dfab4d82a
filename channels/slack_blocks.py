"""Block Kit for Slack: the reply, tables of records (deals, accounts), record cards and approval buttons."""
from __future__ import annotations

from channels.turn_view import ApprovalRequest, Card, Table, TurnView, cell

APPROVE, REJECT = "approval_approve", "approval_reject"
TEXT_LIMIT = 2900  # a section's text may hold 3000 characters
# The columns worth a glance in a chat, per kind of row; other tables show their first four columns.
HEADLINE = {"deal": ("title", "stage", "amount", "expected_close"),
            "account": ("industry", "region", "city", "owner")}


def _mrkdwn(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:TEXT_LIMIT] or " "}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:TEXT_LIMIT]}]}


def turn_blocks(view: TurnView) -> list[dict]:
    blocks: list[dict] = [_mrkdwn(view.reply)] if view.reply and not (view.tables or view.cards) else []
    for table in view.tables:
        blocks += table_blocks(table)
    for card in view.cards:
        blocks += card_blocks(card)
    if view.approval:
        blocks += approval_blocks(view.approval)
    blocks.append(_context(f"{view.agent} agent · turn `{view.turn_id}`"))
    return blocks[:50]


def table_blocks(table: Table) -> list[dict]:
    """One line per record: the key in bold, then the columns that matter for that kind of record."""
    key = table.columns[0]
    shown = [c for c in HEADLINE.get(key, table.columns[1:5]) if c in table.columns]
    lines = [f"*{cell(row.get(key))}*  " + " · ".join(cell(row.get(c)) for c in shown) for row in table.rows]
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": table.title[:150]}},
              _mrkdwn("\n".join(lines))]
    if table.total > len(table.rows):
        blocks.append(_context(f"showing {len(table.rows)} of {table.total}; ask with a filter to narrow it"))
    return blocks


def card_blocks(card: Card) -> list[dict]:
    """A summary card: the scalar fields two by two, then a short list under each heading (open deals, cases)."""
    scalars = [(k, v) for k, v in card.fields.items() if not isinstance(v, (dict, list))]
    lists = [(k, v) for k, v in card.fields.items() if isinstance(v, list)]
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": card.title[:150]}}]
    for start in range(0, len(scalars), 10):
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{k.replace('_', ' ')}*\n{cell(v)}"[:2000]} for k, v in scalars[start:start + 10]]})
    for name, values in lists:
        blocks.append(_mrkdwn(f"*{name.replace('_', ' ')}*\n" + "\n".join(f"• {cell(v)}" for v in values[:8])))
    for name, rows in card.lists.items():
        first = list(rows[0])
        lines = [" · ".join(cell(r.get(c)) for c in first[:4]) for r in rows[:5]]
        blocks.append(_mrkdwn(f"*{name.replace('_', ' ')}* ({len(rows)})\n" + "\n".join(f"• {x}" for x in lines)))
    blocks.append({"type": "divider"})
    return blocks


def approval_blocks(approval: ApprovalRequest) -> list[dict]:
    """The approval prompt; both buttons carry the approval id, and Approve asks for confirmation. A plan waiting
    for the user's own yes gets Yes / Cancel (the plan itself is the confirmation)."""
    detail = "\n".join(f"*{k.replace('_', ' ')}*: {cell(v)}" for k, v in approval.details.items())
    who = f"\nrequested by {approval.requested_by}" if approval.requested_by else ""
    if approval.confirm:
        return [
            {"type": "header", "text": {"type": "plain_text", "text": approval.title[:150]}},
            _mrkdwn(approval.summary + (f"\n{detail}" if detail else "")),
            {"type": "actions", "block_id": f"confirm:{approval.approval_id}", "elements": [
                {"type": "button", "action_id": APPROVE, "style": "primary", "value": approval.approval_id,
                 "text": {"type": "plain_text", "text": "Yes, go ahead"}},
                {"type": "button", "action_id": REJECT, "value": approval.approval_id,
                 "text": {"type": "plain_text", "text": "Cancel"}},
            ]},
        ]
    return [
        {"type": "header", "text": {"type": "plain_text", "text": approval.title[:150]}},
        _mrkdwn(f"{approval.summary}{who}" + (f"\n{detail}" if detail else "")),
        {"type": "actions", "block_id": f"approval:{approval.approval_id}", "elements": [
            {"type": "button", "action_id": APPROVE, "style": "primary", "value": approval.approval_id,
             "text": {"type": "plain_text", "text": "Approve"},
             "confirm": {"title": {"type": "plain_text", "text": "Approve?"},
                         "text": {"type": "mrkdwn", "text": approval.summary[:300] or "Approve this action?"},
                         "confirm": {"type": "plain_text", "text": "Approve"},
                         "deny": {"type": "plain_text", "text": "Cancel"}}},
            {"type": "button", "action_id": REJECT, "style": "danger", "value": approval.approval_id,
             "text": {"type": "plain_text", "text": "Reject"}},
        ]},
    ]


def decided_blocks(approval_id: str, approved: bool, approver: str, summary: str = "") -> list[dict]:
    """What replaces the buttons once someone decided, so nobody presses them twice."""
    verdict = "✅ Approved" if approved else "❌ Rejected"
    return [_mrkdwn(f"{summary}\n{verdict} by {approver}".strip()), _context(f"approval `{approval_id}`")]


def refusal_blocks(text: str) -> list[dict]:
    return [_mrkdwn(f":no_entry: {text}")]
