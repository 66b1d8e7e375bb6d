"""Benchmarks that drive the bot through the local sandbox and write ``docs/BENCHMARKS.md``.

Run ``python -m bench.webhook_bench --help`` for the webhook throughput/latency harness.
"""
