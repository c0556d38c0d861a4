"""Fixtures shared by every test module.

Tests run against real parts: the real gazetteer index (built once into
``.cache/gazetteer`` at the top of the repository and reused across runs, as a
user's data directory would be), the real spaCy model, real SQLite files in
temporary folders, the real Flask app.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from small_index import small_index as build_small_index

from geomap.gazetteer import CompactPlaceIndex, PlaceIndex, get_gazetteer

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Point geomap at an isolated data directory before any test imports settings.
os.environ.setdefault("GEOMAP_GAZETTEER_DIR", str(REPO / ".cache" / "gazetteer"))


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own empty data directory (database, caches)."""
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("GEOMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("GEOMAP_API_KEY", raising=False)


@pytest.fixture(scope="session", autouse=True)
def place_index() -> PlaceIndex:
    """The full place index, built (first run only: about 40 s) or loaded once per session, before any test.

    Building it here rather than inside whichever test first looks a name up keeps
    test timings honest and makes the one slow step visible in the session's set-up.
    """
    return get_gazetteer()


@pytest.fixture(scope="session")
def small_index() -> CompactPlaceIndex:
    """A twenty-place index in memory (tests/small_index.py): ranking tests without the full index or spaCy."""
    return build_small_index()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (evaluation corpora, seed article); skips where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (it ships only with the developers' checkout)")
    return SHARED


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server in a temporary folder (unix socket only); its URL template."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    pytest.importorskip("psycopg", reason="psycopg (the PostgreSQL driver) is not installed")
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="geomap-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-k {folder} -p 5432 -c listen_addresses='' -c fsync=off"
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    yield f"postgresql+psycopg://postgres@/{{db}}?host={folder}&port=5432"
    subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


_databases = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database_url(request):
    """An empty database: the default SQLite file, or a new database on the PostgreSQL server.

    The PostgreSQL half starts a server (once per session) and a database per test: the fast tier
    (``-m "not slow"``) runs the SQLite half, the full suite both.
    """
    if request.param == "sqlite":
        yield ""
        return
    import psycopg

    template = request.getfixturevalue("postgres_server")
    name = f"geomap_test_{next(_databases)}"
    admin = template.format(db="postgres").replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield template.format(db=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
