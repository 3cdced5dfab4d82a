"""`python -m bench`: the chat-turn benchmark; others run by name (python -m bench.bench_edge, ...)."""
from bench.bench_turn import main

main()
