"""Benchmarks: the platform against hand-written baselines on the same broker and store."""
