"""`python -m bench` (`make bench`): start-up, checkpoints, the chat turn beside the bare-LangGraph floor, and the
load test over HTTP; others run by name (python -m bench.bench_edge, ...)."""
from bench import bench_checkpoints, bench_load, bench_start, bench_turn

bench_start.main()
bench_checkpoints.main()
bench_turn.main()
bench_load.main()
