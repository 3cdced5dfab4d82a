"""Benchmarks: speed and memory targets, each printing a table (never timed asserts in tests)."""
