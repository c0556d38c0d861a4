"""Reading inputs into articles: every format, folders, stdin, URLs, and every kind of bad input.

Fixtures are written by the tests; URLs are served by a real HTTP server on
127.0.0.1 (the only network these tests touch).
"""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

import pytest
from localhttp import QuietHandler, local_server

from geomap.ingest import read_path
from geomap.ingest.formats import detect_format

HTML = """<!DOCTYPE html><html><head><title>Xi to visit Moscow | Cyprus Mail</title>
<link rel="canonical" href="https://cyprus-mail.com/2023/03/17/xi-moscow/">
<meta property="article:published_time" content="2023-03-17T10:00:00+02:00">
<meta property="og:site_name" content="Cyprus Mail"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Xi to visit Moscow</h1>
<p>Chinese President Xi Jinping will visit Russia next week, officials from both countries said on Friday,
weighing into the Ukraine conflict just as relations between Moscow and Washington hit a new low.</p>
<p>An agreement to allow the safe export of grain from several Ukrainian ports on the Black Sea expires on Saturday.</p>
</article><footer>Subscribe to our newsletter</footer></body></html>"""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Kyiv Wire</title>
<link>https://wire.example</link><description>news</description>
<item><title>Drones over Kyiv</title><link>https://wire.example/1</link>
<pubDate>Fri, 17 Mar 2023 10:00:00 +0200</pubDate>
<description>&lt;p&gt;Drones were shot down over &lt;b&gt;Kyiv&lt;/b&gt;.&lt;/p&gt;&lt;p&gt;Odesa was calm.&lt;/p&gt;</description></item>
<item><title>Grain deal</title><link>https://wire.example/2</link>
<content:encoded><![CDATA[<p>Ships left <i>Odesa</i> for Istanbul.</p>]]></content:encoded><description>short</description></item>
<item><title>Empty entry</title><link>https://wire.example/3</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title><id>urn:x</id><updated>2023-03-18T00:00:00Z</updated>
<entry><title>Talks in Geneva</title><id>urn:1</id><link href="https://atom.example/geneva"/>
<updated>2023-03-18T09:30:00Z</updated><content type="html">&lt;p&gt;Delegates met in Geneva.&lt;/p&gt;</content></entry>
</feed>"""


def read(path) -> tuple[list, list]:
    """(articles, errors) read from ``path``, each with its origin."""
    entries = list(read_path(path))
    return [(e.origin, e.article) for e in entries if e.article], [(e.origin, e.error) for e in entries if e.error]


def test_text_and_markdown_title_is_the_first_line(tmp_path):
    (tmp_path / "a.txt").write_text("\n  Shelling near Bakhmut  \nThe Donetsk region was hit.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Fog over the *Black Sea*\n\nShips waited off Odesa.", encoding="utf-8")
    (arts, errors) = read(tmp_path)
    assert errors == []
    (_, a), (_, b) = arts
    assert (a.title, a.text) == ("Shelling near Bakhmut", "Shelling near Bakhmut  \nThe Donetsk region was hit.")
    assert b.title == "Fog over the *Black Sea*" and b.text.startswith("# Fog") and b.source is None


def test_html_main_text_title_date_and_canonical_url(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    (arts, errors) = read(tmp_path / "page.html")
    assert errors == []
    article = arts[0][1]
    assert article.title == "Xi to visit Moscow"
    assert article.url == "https://cyprus-mail.com/2023/03/17/xi-moscow/"
    assert article.source == "Cyprus Mail"
    assert article.published is not None and article.published.date().isoformat() == "2023-03-17"
    assert "Black Sea" in article.text and "Subscribe" not in article.text and "World" not in article.text


def test_html_publication_time_keeps_its_hour_and_offset(tmp_path):
    page = HTML.replace('<link rel="canonical" href="https://cyprus-mail.com/2023/03/17/xi-moscow/">', "")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    (arts, _) = read(tmp_path / "page.html")
    assert arts[0][1].published == datetime(2023, 3, 17, 8, tzinfo=UTC)  # 10:00 at +02:00


def test_json_object_array_and_jsonl_with_one_bad_line(tmp_path):
    record = {
        "title": "Port",
        "text": "Odesa port reopened.",
        "url": "https://x.example/1",
        "published": "2023-03-17T10:00:00Z",
        "source": "X",
    }
    (tmp_path / "one.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "many.json").write_text(
        json.dumps([record, {"text": "Lviv rally."}, {"title": "no text"}]), encoding="utf-8"
    )
    lines = [
        json.dumps(record),
        "{not json",
        json.dumps({"text": "Kharkiv rebuilt.", "published": "yesterday"}),
        "",
        json.dumps({"text": "Kherson flood.", "published": "Fri, 17 Mar 2023 10:00:00 +0200"}),
        "[1, 2]",
        json.dumps({"text": "Sumy.", "published": 1e30}),
        json.dumps({"text": "Poltava.", "url": 7}),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    arts, errors = read(tmp_path)
    by_origin = {Path(o).name: a for o, a in arts}
    assert set(by_origin) == {"feed.jsonl:1", "feed.jsonl:5", "many.json#1", "many.json#2", "one.json"}
    one = by_origin["one.json"]
    assert (one.title, one.url, one.source, one.published) == (
        "Port",
        "https://x.example/1",
        "X",
        datetime(2023, 3, 17, 10, tzinfo=UTC),
    )
    assert by_origin["many.json#2"].title == "Lviv rally."  # no title: the first line
    assert by_origin["feed.jsonl:5"].published == datetime(2023, 3, 17, 10, tzinfo=timezone(timedelta(hours=2)))
    reasons = {Path(o).name: r for o, r in errors}
    assert set(reasons) == {
        "feed.jsonl:2",
        "feed.jsonl:3",
        "feed.jsonl:6",
        "feed.jsonl:7",
        "feed.jsonl:8",
        "many.json#3",
    }
    assert "seconds since 1970" in reasons["feed.jsonl:7"]
    assert '"url" must be a string' in reasons["feed.jsonl:8"]
    assert reasons["feed.jsonl:2"].startswith("invalid JSON")
    assert "not a date" in reasons["feed.jsonl:3"]
    assert "JSON object" in reasons["feed.jsonl:6"]
    assert '"text"' in reasons["many.json#3"]


def test_jsonl_is_streamed_and_a_line_in_another_encoding_is_skipped_alone(tmp_path):
    lines = [
        json.dumps({"text": "Rain in Lviv."}).encode(),
        '{"text": "Café in Zürich."}'.encode("latin-1"),
        json.dumps({"text": "Snow in Kyiv."}, ensure_ascii=False).encode(),
    ]
    (tmp_path / "mixed.jsonl").write_bytes(b"\n".join(lines))
    arts, errors = read(tmp_path / "mixed.jsonl")
    assert [a.text for _, a in arts] == ["Rain in Lviv.", "Snow in Kyiv."]
    assert len(errors) == 1 and errors[0][0].endswith("mixed.jsonl:2") and "not UTF-8" in errors[0][1]
    (tmp_path / "zip.jsonl").write_bytes(b"PK\x03\x04" + bytes(100))
    assert "ZIP" in read(tmp_path / "zip.jsonl")[1][0][1]


def test_rss_and_atom_entries_with_html_stripped(tmp_path):
    (tmp_path / "wire.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "atom.xml").write_text(ATOM, encoding="utf-8")
    arts, errors = read(tmp_path)
    assert [Path(o).name for o, _ in errors] == ["wire.rss#3"]  # the entry without text
    by_title = {a.title: a for _, a in arts}
    drones = by_title["Drones over Kyiv"]
    assert drones.text == "Drones were shot down over Kyiv.\nOdesa was calm."
    assert (drones.url, drones.source) == ("https://wire.example/1", "Kyiv Wire")
    assert drones.published == datetime(2023, 3, 17, 8, tzinfo=UTC)
    assert by_title["Grain deal"].text == "Ships left Odesa for Istanbul."  # full content beats the summary
    geneva = by_title["Talks in Geneva"]
    assert (geneva.text, geneva.source, geneva.url) == (
        "Delegates met in Geneva.",
        "Atom News",
        "https://atom.example/geneva",
    )


def test_source_option_overrides_the_inputs_own(tmp_path):
    (tmp_path / "wire.rss").write_text(RSS, encoding="utf-8")
    assert {e.article.source for e in read_path(tmp_path, source="mine") if e.article} == {"mine"}


def test_bad_inputs_are_reported_and_the_rest_read(tmp_path):
    (tmp_path / "good.txt").write_text("Rain in Lviv.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n ", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Café in Zürich".encode("latin-1"))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "blob.txt").write_bytes(b"abc\x00\x01\x02" * 10)
    (tmp_path / "broken.html").write_text(
        "<html><head><title>t</title></head><body><div><script>var a = 1;", encoding="utf-8"
    )
    (tmp_path / "notafeed.xml").write_text("<?xml version='1.0'?><rss><channel></channel></rss>", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Never read.", encoding="utf-8")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "nested.txt").write_text("Snow in Kharkiv.", encoding="utf-8")
    arts, errors = read(tmp_path)
    assert sorted(a.text for _, a in arts) == ["Rain in Lviv.", "Snow in Kharkiv."]
    reasons = {Path(o).name: r for o, r in errors}
    assert set(reasons) == {
        "empty.txt",
        "blank.md",
        "latin1.txt",
        "image.png",
        "blob.txt",
        "broken.html",
        "notafeed.xml",
    }
    assert reasons["empty.txt"].startswith("empty input")
    assert "not UTF-8" in reasons["latin1.txt"] and "0xe9" in reasons["latin1.txt"]
    assert "PNG" in reasons["image.png"] and "binary" in reasons["blob.txt"]
    assert "no article text" in reasons["broken.html"]
    assert "feed" in reasons["notafeed.xml"]
    assert read(tmp_path / "missing.txt")[1] == [(str(tmp_path / "missing.txt"), "no such file or folder")]


def test_stdin_is_sniffed(monkeypatch):
    data = "\n".join(json.dumps({"text": t}) for t in ("Rain in Lviv.", "Snow in Kyiv."))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    arts, errors = read("-")
    assert errors == [] and [a.text for _, a in arts] == ["Rain in Lviv.", "Snow in Kyiv."]
    assert [o for o, _ in arts] == ["<stdin>:1", "<stdin>:2"]


@pytest.mark.parametrize(
    ("data", "name", "ctype", "fmt"),
    [
        (b"<rss version='2.0'>", "", "", "feed"),
        (b"<?xml version='1.0'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>", "", "", "feed"),
        (b"<!DOCTYPE html><html>", "", "", "html"),
        (b'  [{"text": 1}]', "", "", "json"),
        (b"Plain words.", "", "", "text"),
        (b"whatever", "x.MD", "", "markdown"),
        (b"whatever", "page", "text/html; charset=utf-8", "html"),
    ],
)
def test_format_detection(data, name, ctype, fmt):
    assert detect_format(data, name=name, content_type=ctype) == fmt


class _Handler(QuietHandler):
    pages: ClassVar[dict[str, tuple[str, str]]] = {
        "/article": ("text/html; charset=utf-8", HTML),
        "/feed": ("application/rss+xml", RSS),
    }

    def do_GET(self) -> None:
        if self.path not in self.pages:
            self.send_error(404)
            return
        ctype, body = self.pages[self.path]
        self.reply(body.encode(), ctype)


@pytest.fixture()
def http_server():
    with local_server(_Handler) as address:
        yield f"http://{address}"


def test_urls_are_fetched_and_read_by_content_type(http_server):
    arts, errors = read(f"{http_server}/article")
    assert errors == [] and arts[0][1].title == "Xi to visit Moscow"
    arts, errors = read(f"{http_server}/feed")
    assert len(arts) == 2 and len(errors) == 1
    arts, errors = read(f"{http_server}/gone")
    assert arts == [] and "HTTP 404" in errors[0][1]


def test_unreachable_url_says_the_machine_looks_offline():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    arts, errors = read(f"http://127.0.0.1:{port}/news")
    assert arts == []
    assert "offline" in errors[0][1] and "ingest the file instead" in errors[0][1]


def test_importing_the_readers_leaves_other_libraries_logging_alone():
    """trafilatura's log level is the application's to set (the CLI quiets it), not an import's side effect."""
    probe = (
        "import logging; before = logging.getLogger('trafilatura').level; "
        "import geomap.ingest.formats, geomap.ingest; "
        "print(before, logging.getLogger('trafilatura').level)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "0"]
