"""Every module that declares tables, imported so the one metadata (migrations, audits) sees them all."""
from __future__ import annotations

import importlib

from crm.models import Base

TABLE_MODULES = ("crm.models", "crm.autonomy.models", "crm.privacy.models", "channels.identities", "memory.traces",
                 "memory.approvals")


def full_metadata():
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return Base.metadata
