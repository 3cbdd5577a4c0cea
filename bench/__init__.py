"""`make bench`: the real-time spine measured (bench/run.py). A benchmark, not a test."""
