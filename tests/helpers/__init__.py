"""Plain modules the tests import: databases, gRPC plumbing, fakes, subprocesses, the
contract suite's type system. Fixtures (and pytest hooks) live in the conftest.py files.
"""
