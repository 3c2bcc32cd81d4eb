"""Instructions per op of the in-process push of ``scripts.inspect_bench --cpu`` (visits,
whole-record inspections, inspections as the phone sends them), counted by callgrind: they
do not vary with the machine's load as CPU seconds do.

Run from a tree's folder (this tree, or an older one: the server code imported is the
current folder's, the ops are made by the ``inspect_bench.py`` beside this file)::

    PYTHONPATH=. valgrind --tool=callgrind --dump-before=os_getppid \
        <this tree>/.venv/bin/python <this tree>/scripts/inspect_cg.py 200

Each kind: ``n`` ops pushed to warm the caches, then ``n`` measured between two calls of
``os.getppid()``: parts 2, 4 and 6 of the dump (``callgrind.out.<pid>.2`` …, line
``summary:``) hold the instructions of the measured visits, whole-record inspections and
per-change inspections.
"""

from __future__ import annotations

import os
import random
import runpy
import sys
import tempfile
import time
import uuid
from pathlib import Path


def main() -> None:
    """Push each kind of ops; mark the measured parts for callgrind."""
    bench = runpy.run_path(str(Path(__file__).with_name("inspect_bench.py")))
    from scripts.bench import make_ops
    from server.store.sqlite import connect
    from tests.support.server import make_db
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    tmp = Path(tempfile.mkdtemp())
    rng = random.Random(11)
    template = bench["big_template"]()
    make_db(tmp / "cpu.db")
    conn = connect(tmp / "cpu.db")
    bench["_push_in_process"](conn, bench["_principal"](conn, "super1"), [{
        "id": str(uuid.uuid4()), "collection": "templates", "record": "t-big", "base": 0,
        "at": int(time.time() * 1000), "set": template}], 1)
    who = bench["_principal"](conn, "field1")
    kinds = [make_ops(rng, 2 * n, bench["CENTRE"], ("visits",)),
             bench["inspection_ops"](rng, 2 * n, template, "t-big"),
             bench["tap_ops"](rng, 2 * n, template, "t-big", who.user_id)]
    for ops in kinds:
        bench["_push_in_process"](conn, who, ops[:n], 100)  # caches filled
        os.getppid()  # callgrind dumps here (--dump-before=os_getppid): the part before
        bench["_push_in_process"](conn, who, ops[n:2 * n], 100)
        os.getppid()  # and here: the measured part
    conn.close()


if __name__ == "__main__":
    main()
