"""Every file of the PWA names the shell version it belongs to (``X-Fieldsync-Shell``, from
the served folder's ``sw.js``): the service worker refuses a file of another version
(pwa/sw/shell.js ``fetchOwn``; the browser side is tests/test_pwa_shell_skew.py). The header
follows a deploy without a restart, and a revalidation (304) carries it too."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config
from tests.support.pwa import PWA_DIR

VERSION = re.compile(r"self\.FIELDSYNC_VERSION = '([^']+)';")


def test_pwa_shell_version_header_names_the_deployed_version(county_db: str, tmp_path: Path) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    current = VERSION.findall((pwa / "sw.js").read_text())[0]
    with TestClient(create_app(Config(db=county_db, pwa_dir=str(pwa)))) as client:
        for path in ("/", "/app/main.js", "/app/views/ws/ledgers.js", "/sw.js"):
            r = client.get(path)
            assert r.status_code == 200 and r.headers["X-Fieldsync-Shell"] == current, path
        etag = client.get("/app/views/ws/ledgers.js").headers["etag"]
        worker = pwa / "sw.js"
        worker.write_text(VERSION.sub("self.FIELDSYNC_VERSION = '9999.01.01-1';", worker.read_text()))
        r = client.get("/app/views/ws/ledgers.js", headers={"If-None-Match": etag})
        assert (r.status_code, r.headers["X-Fieldsync-Shell"]) == (304, "9999.01.01-1")
        assert client.get("/app/main.js").headers["X-Fieldsync-Shell"] == "9999.01.01-1"
        assert "X-Fieldsync-Shell" not in client.get("/api/v1/schemas").headers
