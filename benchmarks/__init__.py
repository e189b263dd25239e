"""Benchmark commands that start real servers and generators; not part of the distribution."""
