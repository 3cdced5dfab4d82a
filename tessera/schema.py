"""Every module that declares tables, imported so the one metadata (migrations, audits) sees them all."""
from __future__ import annotations

import crm.autonomy.models  # noqa: F401
import crm.data_versions  # noqa: F401
import crm.edge_nodes  # noqa: F401
import crm.identities  # noqa: F401
import crm.privacy.models  # noqa: F401
import crm.prompt_registry.models  # noqa: F401
import crm.tasks.models  # noqa: F401
import crm.services.undo  # noqa: F401
import memory.approvals  # noqa: F401
import memory.note_changes  # noqa: F401
import memory.traces  # noqa: F401
import memory.turn_journal  # noqa: F401
from crm.models import Base


def full_metadata():
    return Base.metadata
