"""`python -m bench`: start-up (time to first 200, idle memory) and the chat turn; others run by name
(python -m bench.bench_edge, ...)."""
from bench import bench_start, bench_turn

bench_start.main()
bench_turn.main()
