# Two set-up commands: `make run` (first run: venv, install, migrate, seed; then serve) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install chat eval bench clean

$(BIN)/tessera: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@# the project's own bytecode, ahead of time: a server started where bytecode is not written
	@# (PYTHONDONTWRITEBYTECODE=1, as in many containers) would compile ~200 modules, ~0.25 s, at every start
	$(BIN)/python -m compileall -q -j 0 tessera crm llm agents tools prompts memory channels edge_agent evals >/dev/null
	@touch $(BIN)/tessera

install: $(BIN)/tessera

run: install
	$(BIN)/tessera serve

chat: install
	$(BIN)/tessera chat --as rep:$${AS:-li.wei}

test: install
	./scripts/ensure_chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

eval: install
	$(BIN)/tessera eval --model $${MODEL:-tessera/offline}

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
