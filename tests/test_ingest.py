"""Ingestion end to end with the real geoparser (spaCy model + gazetteer) into real SQLite files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from geomap.config import load_settings
from geomap.errors import InputError
from geomap.ingest import ingest_article, ingest_paths, seed_if_empty
from geomap.models import Article
from geomap.pipeline import Geoparser
from geomap.store import Filters, open_store

CLI = [sys.executable, "-c", "from geomap.cli import main; main()"]


@pytest.fixture(scope="session")
def parser() -> Geoparser:
    return Geoparser(load_settings()).load()


@pytest.fixture()
def store():
    s = open_store()
    yield s
    s.close()


def write_corpus(folder: Path) -> Path:
    """A mixed folder: every format once, plus inputs that must fail."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kyiv.txt").write_text("Air raid over Kyiv\nDrones were shot down over Kyiv and Odesa.", encoding="utf-8")
    (folder / "notes.md").write_text("# Fog\n\nShips waited in the Black Sea off Odesa.", encoding="utf-8")
    records = [
        {
            "title": "Talks",
            "text": "Delegates met in Geneva and Istanbul.",
            "source": "wire",
            "published": "2023-03-17T10:00:00Z",
        },
        "{broken",
        {"text": "Floods hit Kherson."},
    ]
    (folder / "wire.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records), encoding="utf-8"
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "latin1.txt").write_bytes("Café in Zürich".encode("latin-1"))
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(300))
    return folder


def test_folder_is_stored_bad_inputs_reported_and_rerun_is_idempotent(tmp_path, store, parser):
    corpus = write_corpus(tmp_path / "in")
    report = ingest_paths([corpus], store, parser=parser, progress=False)
    assert (report.ingested, report.duplicates) == (4, 0)
    assert sorted(Path(o).name for o, _ in report.failed) == ["empty.txt", "latin1.txt", "photo.jpg", "wire.jsonl:2"]
    assert not report.ok
    stats = store.stats()
    assert stats["articles"] == 4 and stats["mentions"] > 0
    names = {p["name"] for p in store.places(limit=100).items}
    assert {"Kyiv", "Odesa", "Geneva", "Black Sea"} <= names
    talks = store.articles(Filters(source="wire")).items
    assert [(a["title"], a["published"]) for a in talks] == [("Talks", "2023-03-17T10:00:00+00:00")]

    again = ingest_paths([corpus], store, parser=parser, progress=False)
    assert (again.ingested, again.duplicates, len(again.failed)) == (0, 4, 4)
    assert store.stats() == stats


def test_reprocess_replaces_mentions_without_duplicates(tmp_path, store, parser):
    corpus = write_corpus(tmp_path / "in")
    ingest_paths([corpus], store, parser=parser, progress=False)
    before = {p["id"]: p["mentions"] for p in store.places(limit=100).items}
    article = store.articles(Filters(q="Kyiv")).items[0]
    # Simulate a stale parse (an older gazetteer found nothing), then re-parse.
    from geomap.models import ParsedDocument

    store.replace_mentions(article["id"], ParsedDocument(store.article(article["id"])["text"], [], {}))
    assert store.articles(Filters(q="Kyiv")).total == 0
    report = ingest_paths([corpus], store, parser=parser, progress=False, reprocess=True)
    assert (report.ingested, report.reprocessed) == (0, 4)
    assert {p["id"]: p["mentions"] for p in store.places(limit=100).items} == before
    assert store.stats()["articles"] == 4


def test_two_workers_store_what_one_worker_stores(tmp_path, parser):
    texts = [f"Bulletin {i}: shelling near Kharkiv, calm in Lviv, ships off Odesa." for i in range(24)]
    corpus = tmp_path / "bulletins.jsonl"
    corpus.write_text("\n".join(json.dumps({"text": t}) for t in texts), encoding="utf-8")
    results = []
    for workers in (1, 2):
        s = open_store(load_settings(database_url=f"sqlite:///{tmp_path / f'w{workers}.sqlite'}"))
        report = ingest_paths([corpus], s, parser=parser, workers=workers, progress=False, batch_size=5)
        assert report.ingested == 24 and report.ok
        results.append([(p["name"], p["mentions"]) for p in s.places(limit=100).items])
        s.close()
    assert results[0] == results[1] and results[0]


def test_readers_keep_working_while_an_ingest_writes(tmp_path, store, parser):
    corpus = tmp_path / "many.jsonl"
    corpus.write_text(
        "\n".join(json.dumps({"text": f"Update {i}: sirens in Kyiv and Dnipro."}) for i in range(300)), encoding="utf-8"
    )
    reader = open_store()  # a second engine on the same file, as the web app would have
    seen: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read_loop() -> None:
        while not done.is_set():
            try:
                page = reader.places(limit=100)
                reader.articles(limit=50)
                if page.items:
                    reader.place_mentions(page.items[0]["id"], limit=20)
                seen.append(reader.stats()["articles"])
            except BaseException as exc:
                errors.append(exc)
                return

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        report = ingest_paths([corpus], store, parser=parser, progress=False, batch_size=10)
    finally:
        done.set()
        thread.join()
    reader.close()
    assert errors == []
    assert report.ingested == 300
    assert any(0 < n < 300 for n in seen), "the reader never saw the ingest in progress"
    assert seen == sorted(seen)  # committed batches only ever grow


def test_ingest_article_and_seeds(store, parser):
    text = "Protesters gathered in Tbilisi."
    first = ingest_article(store, Article(text, "Tbilisi"), parser=parser)
    assert first[1] is True
    assert ingest_article(store, Article(text + "\n", "Again"), parser=parser) == (first[0], False)
    with pytest.raises(InputError, match="no text"):  # checked before parsing: a 422 in the API
        ingest_article(store, Article("   "), parser=parser)
    # The store is not empty: no seeding.
    assert seed_if_empty(store, load_settings()) == 0


def test_seed_if_empty_fills_only_an_empty_default_store(tmp_path, parser):
    settings = load_settings()
    store = open_store(settings)
    assert seed_if_empty(store, settings, parser=parser) == 1
    assert "Moscow" in {p["name"] for p in store.places(limit=100).items}
    [seed] = store.articles().items
    assert seed["title"].startswith("China’s Xi to visit Moscow") and seed["published"].startswith("2023-03-17")
    assert seed_if_empty(store, settings, parser=parser) == 0
    store.close()
    named = load_settings(database_url=f"sqlite:///{tmp_path / 'mine.sqlite'}")
    assert seed_if_empty(open_store(named), named, parser=parser) == 0
    off = load_settings(seed_on_first_run=False, data_dir=tmp_path / "other")
    assert seed_if_empty(open_store(off), off, parser=parser) == 0


@pytest.mark.slow  # runs geomap ingest in a subprocess
def test_cli_stdin_summary_and_exit_status(tmp_path):
    records = "\n".join(json.dumps({"text": t}) for t in ("Storm over Crimea.", "Storm over Crimea.", "Snow in Lviv."))
    ok = subprocess.run(
        [*CLI, "ingest", "-", "--source", "pipe"], input=records, capture_output=True, text=True, timeout=300
    )
    assert ok.returncode == 0, ok.stderr
    assert "2 ingested, 1 duplicates skipped, 0 failed" in ok.stdout
    data = load_settings().data_dir
    # where things are, and what it does before the first article
    assert f"geomap: database: sqlite:///{data / 'geomap.sqlite'} (set by GEOMAP_DATA_DIR)" in ok.stderr
    assert f"geomap: place index: {load_settings().gazetteer_path}" in ok.stderr
    assert "geomap: loading the spaCy model and the place index" in ok.stderr
    store = open_store()
    assert {a["source"] for a in store.articles().items} == {"pipe"}
    store.close()

    bad = subprocess.run(
        [*CLI, "ingest", str(tmp_path / "missing.txt"), "http://127.0.0.1:9/feed"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 1
    assert "missing.txt: no such file or folder" in bad.stdout
    assert "http://127.0.0.1:9/feed: cannot reach it" in bad.stdout and "offline" in bad.stdout
    assert "Traceback" not in bad.stderr

    usage = subprocess.run([*CLI, "ingest"], capture_output=True, text=True, timeout=300)
    assert usage.returncode == 2 and "give at least one PATH" in usage.stderr


def test_progress_shows_a_total_and_an_eta(tmp_path, store, capsys):
    corpus = write_corpus(tmp_path / "in")
    # A parser of its own: the session's shared one is already loaded, and a loaded parser is not announced.
    ingest_paths([corpus], store, parser=Geoparser(load_settings()), progress=True)
    err = capsys.readouterr().err
    # 6 files, the JSON Lines one holding 3 records: 8 entries, each counted once (stored, skipped or failed)
    assert "counting the articles" in err  # (the parser was loaded before: no "loading" stage this time)
    assert re.search(r"8/8 \[\d\d:\d\d<\d\d:\d\d", err), err  # done of total [elapsed<ETA
