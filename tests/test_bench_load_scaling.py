"""The load benchmark's verdict on two workers: twice one worker's rate, up to what the cores allow."""
from bench.bench_load import scaling_rows


def row(workers: str, c: int, rate: float, server: float = 40.0, pg: float = 5.0, client: float = 2.0):
    return ("PostgreSQL", workers, c, 200, {"rate": rate, "cpu_server": server, "cpu_pg": pg, "cpu_client": client})


def test_two_workers_at_twice_one_workers_rate_meet_the_target_where_the_cores_allow_it():
    # one worker at 10 turns/s spending 47 ms: two cores allow 42.6, so the bar is 0.8 × 20 = 16
    [s] = scaling_rows([row("1", 4, 10.0), row("2", 4, 17.0)], cores=2)
    assert s["target"] == 16.0 and s["met"] and s["ratio"] == 1.7


def test_where_one_worker_already_uses_more_than_one_core_the_bar_is_what_the_cores_allow():
    # 28.4 turns/s at 47 ms a turn is 1.33 cores: twice that does not exist on 2 cores (42.55 turns/s do)
    [s] = scaling_rows([row("1", 16, 28.4), row("2", 16, 35.0)], cores=2)
    assert round(s["target"], 1) == 34.0 and s["met"]
    [short] = scaling_rows([row("1", 16, 28.4), row("2", 16, 30.0)], cores=2)
    assert not short["met"]


def test_two_workers_spending_more_a_turn_do_not_lower_their_own_bar():
    [lean] = scaling_rows([row("1", 4, 28.4), row("2", 4, 33.0)], cores=2)
    [wasteful] = scaling_rows([row("1", 4, 28.4), row("2", 4, 33.0, server=80.0)], cores=2)
    assert wasteful["target"] == lean["target"] and not wasteful["met"]


def test_only_concurrencies_both_setups_ran_with_more_than_one_turn_in_flight_are_compared():
    assert scaling_rows([row("1", 4, 20.0), row("2", 16, 30.0), ("SQLite", "1", 4, 200, {"rate": 9.0})], 2) == []
    assert scaling_rows([row("1", 1, 20.0), row("2", 1, 20.0)], 2) == []
