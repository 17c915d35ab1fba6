"""MLMD's ``filter_query`` language: grammar, typing, and compilation to SQL.

``compiler.compile_filter(query, kind)`` is the entry point.
"""
