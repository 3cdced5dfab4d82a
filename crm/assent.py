"""An explicit yes or no said on its own: the answer to "go ahead?" and never the answer to "which deal?"."""
from __future__ import annotations

import re

YES = {"yes", "y", "yes please", "yes, go ahead", "go ahead", "confirm", "confirmed", "do it", "ok", "okay",
       "sure", "确认", "是", "是的", "好", "好的", "对", "确定", "可以", "执行", "同意"}
NO = {"no", "n", "cancel", "stop", "don't", "do not", "nope", "abort", "不", "不要", "取消", "算了", "否", "别"}


def _bare(text: str) -> str:
    return re.sub(r"[\s!！。.,，~～]+$", "", (text or "").strip().lower()).strip()


def says_yes(text: str) -> bool:
    """An explicit yes, and nothing else: "yes", "确认", "是的" (a yes with more words is not a yes)."""
    return _bare(text) in YES


# A refusal in a few words ("no, leave it as it is", "no thanks, cancel that", "算了，先别删了"): a word of refusal first,
# then only words that keep things as they are. "no, delete only my phone number" asks for something else instead.
_NO_LEAD = re.compile(r"^(?:no|nope|nah|cancel|stop|don'?t|do not|never ?mind|forget it|leave it|keep it|not now|abort)"
                      r"(?![\w'])|^(?:不|别|算了|取消|先不|先别|不用|暂时不|还是不)")
_KEEPING_WORDS = frozenset(
    "no nope nah thanks thank you please cancel it that this the request stop don't dont do not never mind forget leave "
    "keep as is are they everything all things for now just wait actually i i've changed my mind ok okay sorry rather "
    "wouldn't prefer to go ahead with abort".split())
_KEEPING_ZH = re.compile(r"^[不别算了取消先暂时用还是要删除改动执行这个那个吧呢啊谢谢我想再等一下保留留着原样主意变了就吗，,。!！\s]+$")


def says_no(text: str) -> bool:
    """An explicit no: "no", "取消", or a refusal in a few words that asks for nothing else."""
    bare = _bare(text)
    if bare in NO:
        return True
    if not _NO_LEAD.search(bare) or "?" in bare or "？" in bare:
        return False
    if re.search(r"[\u4e00-\u9fff]", bare):
        return len(bare) <= 14 and bool(_KEEPING_ZH.match(bare))
    return all(w in _KEEPING_WORDS for w in re.findall(r"[a-z']+", bare))
