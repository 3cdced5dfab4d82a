"""A period argument as tools receive it: {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD", "label": ...}."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class Period(BaseModel):
    start: dt.date | None = None
    end: dt.date | None = None
    label: str | None = None
