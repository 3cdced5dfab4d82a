"""Run as a separate process by test_turn_integrity: chats one turn whose tool writes, then dies (os._exit)
while the model is being asked for the answer, as a server killed mid-turn would."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.conftest import FIXED_NOW, settings_for
from tests.scripted_model import ScriptedModel, install
from tessera.runtime import Tessera
from tessera.settings import AgentModels


class DiesAfterTheWrite(ScriptedModel):
    def completion(self, *args, **kwargs):
        if len(self.history) == 1:  # the second call: the tool has written, the model is asked to answer
            os._exit(17)
        return super().completion(*args, **kwargs)


def main(directory: str, key: str) -> None:
    model = DiesAfterTheWrite()
    install(model)
    model.enqueue({"content": "Logging the call.", "tool_calls": [{"name": "log_activity", "args": {
        "account": "Acme Robotics", "kind": "call", "subject": "walrus renewal call"}}]})
    app = Tessera(settings_for(Path(directory), models=AgentModels(sales="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    app.chat("li.wei", "crash", "I called Acme about the walrus renewal", idempotency_key=key)
    sys.exit("the turn finished: the process was meant to die in it")


if __name__ == "__main__":
    main(*sys.argv[1:])
