"""The fieldsync merge engine: pure functions and plain data, no I/O.

Everything here takes plain data in and gives plain data out, so the server, the
tests and the benchmarks can use it directly and the PWA can read the same JSON rules.
"""
