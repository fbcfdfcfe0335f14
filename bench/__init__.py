"""Benchmark suite: seeds a data set, serves the project with gunicorn, drives it with wrk."""
