"""How many examples a property test tries: a share in the everyday run, all under ``--long``.

Each property test names the examples it should try in a thorough run (``examples(1500)``).
The everyday run (``scripts/test``, CI) tries a quarter of them, at least ``FLOOR``:
hypothesis still starts from every ``@example`` and from the failures it has kept in its
database, and the suite stays within CI's minutes. ``--long`` (``conftest.py``) sets ``LONG``
before the test modules are imported, so the decorators read it when they are built.
"""

from __future__ import annotations

LONG = False
SHARE = 4
FLOOR = 25


def examples(thorough: int) -> int:
    """The ``max_examples`` for a test that should try ``thorough`` examples in a long run."""
    if LONG:
        return thorough
    return min(thorough, max(FLOOR, thorough // SHARE))
