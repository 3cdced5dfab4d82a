# Two set-up commands: `make run` (first run: venv, install, migrate, seed; then serve) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install chat eval bench clean

$(BIN)/tessera: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
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
