"""Crash tests: a worker killed with SIGKILL mid-flight, restarted, invariants checked."""
