"""A tiny terminal chat for the edge node: a few fixed commands in English and Chinese, no model, no network.

    new repair work order for pump P-12 at line 3      新建维修工单 泵 P-12 在 3号线
    assign WO-1A2B3C4D to Zhang Wei                     把 WO-1A2B3C4D 派给 张伟
    progress WO-1A2B3C4D 50%                            WO-1A2B3C4D 进度 50%
    close WO-1A2B3C4D replaced the seal                 关闭 WO-1A2B3C4D 已更换密封圈
    list open work orders                               列出未完成工单
"""
from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable

from edge_agent.field_service import FieldService, WorkOrderNotFound

_REF = r"(WO-[0-9A-Fa-f]{8})"
_TYPES = {"repair": "repair", "maintenance": "maintenance", "inspection": "inspection", "installation": "installation",
          "insurance": "insurance_claim", "insurance claim": "insurance_claim", "维修": "repair", "保养": "maintenance",
          "巡检": "inspection", "安装": "installation", "保险理赔": "insurance_claim", "理赔": "insurance_claim"}
_TYPE_ZH = {"repair": "维修", "maintenance": "保养", "inspection": "巡检", "installation": "安装", "insurance_claim": "保险理赔"}
_ASSET = re.compile(r"\b([A-Za-z]{1,4}-?\d{1,6})\b")

_EN = [
    ("create", re.compile(r"^(?:new|create|open)\s+(?:a\s+)?(?:(repair|maintenance|inspection|installation|insurance(?: claim)?)\s+)?"
                          r"work\s*order\s+(?:for\s+)?(.+?)(?:\s+at\s+(.+))?$", re.I)),
    ("assign", re.compile(rf"^assign\s+{_REF}\s+to\s+(.+)$", re.I)),
    ("progress", re.compile(rf"^(?:progress|update)\s+{_REF}\s+(\d{{1,3}})\s*%?$", re.I)),
    ("close", re.compile(rf"^close\s+{_REF}(?:\s*[:,-]?\s+(.+))?$", re.I)),
    ("list", re.compile(r"^(?:list|show)\s+(?:all\s+)?(open\s+)?work\s*orders$", re.I)),
    ("show", re.compile(rf"^(?:show|status(?:\s+of)?)\s+{_REF}$", re.I)),
]
_ZH = [
    ("create", re.compile(r"^(?:新建|创建|开)(?:一个|一张)?(维修|保养|巡检|安装|保险理赔|理赔)?工单[：:\s]*(.+?)(?:[，,\s]*(?:在|位于|位置[：:]?)\s*(.+))?$")),
    ("assign", re.compile(rf"^(?:把\s*)?{_REF}\s*(?:派给|分配给|指派给)\s*(.+)$", re.I)),
    ("progress", re.compile(rf"^{_REF}\s*进度\s*(\d{{1,3}})\s*%?$", re.I)),
    ("close", re.compile(rf"^关闭(?:工单)?\s*{_REF}(?:[，,：:\s]+(.+))?$", re.I)),
    ("list", re.compile(r"^(?:列出|查看|显示)?(未完成|未关闭|打开的|所有)?的?工单(?:列表)?$")),
    ("show", re.compile(rf"^(?:查看|显示)(?:工单)?\s*{_REF}$", re.I)),
]
_HELP = {
    "en": "I understand: 'new repair work order for pump P-12 at line 3', 'assign WO-… to Zhang Wei', "
          "'progress WO-… 50%', 'close WO-… <note>', 'list open work orders', 'show WO-…'.",
    "zh": "可以说：'新建维修工单 泵 P-12 在 3号线'、'把 WO-… 派给 张伟'、'WO-… 进度 50%'、'关闭 WO-… 备注'、'列出未完成工单'、'查看 WO-…'。",
}


class EdgeChat:
    """Answers one line at a time from the field service; replies in the language the line was written in."""

    def __init__(self, service: FieldService):
        self.service = service

    def reply(self, text: str) -> str:
        text = text.strip()
        lang = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
        for command, pattern in _ZH if lang == "zh" else _EN:
            match = pattern.match(text)
            if match:
                try:
                    return getattr(self, f"_{command}")(lang, *match.groups())
                except (WorkOrderNotFound, ValueError) as exc:  # refusals and bad values come back as text
                    return str(exc) if lang == "en" else f"未能完成：{exc}"
        return _HELP[lang]

    def _create(self, lang: str, kind: str | None, what: str, where: str | None) -> str:
        wo_type = _TYPES.get((kind or "").lower(), "repair" if lang == "en" and "repair" in what.lower() else "maintenance")
        asset = _ASSET.search(what)
        wo = self.service.create_work_order(title=what.strip(), asset=asset.group(1) if asset else None,
                                            location=where.strip() if where else None, wo_type=wo_type)
        f = wo["fields"]
        if lang == "zh":
            return f"已创建{_TYPE_ZH[wo_type]}工单 {f['number']}：{f['title']}" + (f"，位置 {f['location']}" if f["location"] else "") + "。"
        return f"Created {f['number']} ({wo_type.replace('_', ' ')}): {f['title']}" + (f" at {f['location']}" if f["location"] else "") + "."

    def _assign(self, lang: str, ref: str, who: str) -> str:
        f = self.service.assign(ref, who)["fields"]
        return f"已将 {f['number']} 派给 {f['assignee']}。" if lang == "zh" else f"{f['number']} is assigned to {f['assignee']}."

    def _progress(self, lang: str, ref: str, percent: str) -> str:
        f = self.service.progress(ref, percent=int(percent))["fields"]
        return f"{f['number']} 进度 {f['progress_pct']}%。" if lang == "zh" else f"{f['number']} is at {f['progress_pct']}%."

    def _close(self, lang: str, ref: str, note: str | None) -> str:
        f = self.service.close(ref, note=note)["fields"]
        return f"已关闭 {f['number']}。" if lang == "zh" else f"Closed {f['number']}."

    def _show(self, lang: str, ref: str) -> str:
        return _line(self.service.work_order(ref), lang)

    def _list(self, lang: str, which: str | None) -> str:
        open_only = bool(which) and which.strip().lower() not in ("所有",)
        rows = self.service.work_orders(open_only=open_only)
        if not rows:
            return "没有未完成的工单。" if lang == "zh" else ("No open work orders." if open_only else "No work orders yet.")
        head = (f"{'未完成' if open_only else '全部'}工单 {len(rows)} 张：" if lang == "zh"
                else f"{len(rows)} {'open ' if open_only else ''}work order{'s' if len(rows) != 1 else ''}:")
        lines = [_line(r, lang) for r in rows[-20:]]
        more = [f"(… {len(rows) - 20} more)"] if len(rows) > 20 else []
        return "\n".join([head, *lines, *more])


def _line(wo: dict, lang: str) -> str:
    f = wo["fields"]
    where = f" @ {f['location']}" if f.get("location") else ""
    who = f" → {f['assignee']}" if f.get("assignee") else ""
    return f"  {f['number']}  {f['status']:<11} {f['progress_pct']:>3}%  {f['title']}{where}{who}"


def remote_reply(base_url: str, api_key: str = "") -> Callable[[str], str]:
    """A reply function that asks a running node's /v1/chat (how the terminal talks to the node process)."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})}

    def ask(text: str) -> str:
        request = urllib.request.Request(f"{base_url.rstrip('/')}/v1/chat", data=json.dumps({"text": text}).encode(),
                                         headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["reply"]
    return ask


def repl(ask: Callable[[str], str], prompt: str = "edge> ") -> None:
    """Read lines until EOF or 'quit' / '退出', printing each reply."""
    while True:
        try:
            line = input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if line.strip().lower() in ("quit", "exit", "退出"):
            return
        if line.strip():
            print(ask(line))
