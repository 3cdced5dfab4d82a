"""A Chinese name in Latin script: 陈静 -> "chen jing" and "jing chen" (a note in English writes it so).

Pinyin by pypinyin (offline, pure Python); every reading of the surname is kept (曾: zeng and ceng, 单: shan,
dan, chan), compound surnames (欧阳, 司马, ...) stay one word, the given name is written as one word
("jianhua") or syllable by syllable ("jian hua"), and ü is written lü, lu, lyu or lv. These forms are the
person's too: erasure rewrites them and the text guard decides them for the person, exactly as the Chinese
form. Two people whose names read alike ("chen jing" for 陈静 and 陈晶) share the form: an ambiguous value.
"""
from __future__ import annotations

import re
from functools import lru_cache

COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙",
                     "宇文", "司徒", "端木", "独孤", "南宫", "西门", "呼延", "澹台")
_HAN_NAME = re.compile(r"^[\u3400-\u9fff]{2,4}$")


@lru_cache(maxsize=4096)
def latin_forms(name: str) -> frozenset[str]:
    """Lower-case Latin forms of a Chinese personal name (2-4 Han characters); empty for any other name."""
    name = (name or "").strip()
    if not _HAN_NAME.match(name):
        return frozenset()
    from pypinyin import Style, lazy_pinyin, pinyin  # its phrase table takes a second to load: at first use

    cut = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    family, given = name[:cut], name[cut:]
    if cut == 1:
        surnames = {r for r in pinyin(family, style=Style.NORMAL, heteronym=True)[0]}
    else:
        surnames = {"".join(lazy_pinyin(family, v_to_u=True))}
    syllables = lazy_pinyin(given, v_to_u=True)
    givens = {"".join(syllables), " ".join(syllables)}
    forms = {f"{s} {g}" for s in surnames for g in givens} | {f"{g} {s}" for s in surnames for g in givens}
    return frozenset(v for f in forms for v in _u_spellings(f.replace("v", "ü")))


def _u_spellings(form: str) -> set[str]:
    return {form} if "ü" not in form else {form.replace("ü", u) for u in ("ü", "u", "yu", "v")}
