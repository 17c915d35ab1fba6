"""The audit log: a hash chain with one entry per write request.

``journal`` collects, while a write request runs, the rows it leaves and their
digests (the record writers report them); ``chain`` appends the entry in the
request's transaction; ``rows`` says how each audited table's rows are keyed and
digested; ``verify`` walks the chain and compares every row in the database with
the entry that last wrote it; ``entries`` reads entries back.

This module imports nothing, so the record writers can import ``journal``
without pulling in ``verify`` (which reads through the records package).
"""
