"""The store: the only place that runs SQL.

``records`` (records, change log, ops, conflicts written by the merge, quarantine, pull),
``conflicts``, ``users``, ``devices``, ``audit`` and ``attachments`` (metadata) hold
plain, portable SQL; ``sqlite`` is the backend module with everything only SQLite speaks
(schema, pragmas, migration, JSON and text functions). A test fails if SQL appears
anywhere else.
"""
