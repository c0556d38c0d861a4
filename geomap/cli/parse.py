"""``geomap extract`` (places of texts as JSONL) and ``geomap evaluate`` (scores against a gold corpus)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import click

from ..config import load_settings
from ..errors import InputError
from ..models import Mention, ParsedDocument
from ..textio import read_text_file

__all__ = ["extract", "evaluate", "read_inputs", "place_record"]

Record = tuple[str, str, list[tuple[int, int]] | None]  # id, text, gold spans (None: recognise)


def read_inputs(paths: tuple[str, ...]) -> Iterator[Record]:
    """Documents from text files (one document each) or JSONL files of {"id", "text"[, "toponyms"]}."""
    for path in paths:
        if path == "-":
            raw, name = sys.stdin.read(), "stdin"
        else:
            raw, name = read_text_file(path), Path(path).name
        if path.endswith((".jsonl", ".ndjson", ".json")) or raw.lstrip().startswith("{"):
            yield from _jsonl(raw, name)
        else:
            yield name, raw, None


def _jsonl(raw: str, name: str) -> Iterator[Record]:
    lines = [raw] if raw.lstrip().startswith("{") and "\n{" not in raw.strip() else raw.split("\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name} line {n} is not JSON: {exc.msg}") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise InputError(f'{name} line {n} has no "text" string')
        spans = None
        if rec.get("toponyms") is not None:
            try:
                spans = [(int(t["start"]), int(t["end"])) for t in rec["toponyms"]]
            except (KeyError, TypeError, ValueError):
                raise InputError(f'{name} line {n}: every toponym needs integer "start" and "end"') from None
        yield str(rec.get("id", f"{name}:{n}")), rec["text"], spans


def place_record(m: Mention, *, explain: bool = False) -> dict[str, Any]:
    """One entry of the stable extract format (plus ``place_id``/``place_name``/``mention``)."""
    p = m.place
    rec: dict[str, Any] = {
        "start": m.start,
        "end": m.end,
        "name": m.text,
        "lat": p.lat if p else None,
        "lon": p.lon if p else None,
        "geonameid": p.geonameid if p and not m.approximate else None,  # an anchor's id is not the name's
        "kind": p.kind if p else None,
        "country": p.country_code if p else None,
        "confidence": round(m.confidence, 4),
        "snippet": m.snippet,
        "place_id": p.id if p else None,
        "place_name": p.name if p else None,
        "mention": m.kind,
        "approximate": m.approximate,
    }
    if explain:
        rec["alternatives"] = [
            {
                "place_id": c.place.id,
                "name": c.place.name,
                "kind": c.place.kind,
                "country": c.place.country_code,
                "admin1": c.place.admin1_name,
                "population": c.place.population,
                "primary": c.primary,
                "score": round(c.score, 4),
                "features": {k: round(v, 4) for k, v in c.features.items()},
            }
            for c in m.alternatives
        ]
    return rec


def _write(out: TextIO, doc_id: str, parsed: ParsedDocument, explain: bool, demonyms: bool) -> None:
    places = [place_record(m, explain=explain) for m in parsed.mentions if demonyms or m.kind != "demonym"]
    out.write(json.dumps({"id": doc_id, "places": places}, ensure_ascii=False) + "\n")


_EXTRACT_BATCH = 16  # texts per parse batch (per task on a cluster)


def _on_cluster(scheduler: str, texts: Iterable[str]) -> Iterator[ParsedDocument]:
    """Parses from the Dask cluster, in order (the 'cluster' extra is imported only when asked for)."""
    try:
        from ..ingest.cluster import parse_on_cluster
    except ModuleNotFoundError as exc:
        raise click.ClickException(
            f"--scheduler needs dask and distributed ({exc.name} is missing): pip install 'geomap[cluster]'"
        ) from None
    return parse_on_cluster(scheduler, texts, batch_size=_EXTRACT_BATCH)


_workers = click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Parse in N processes."
)
_no_demonyms = click.option("--no-demonyms", is_flag=True, help='Leave out demonym mentions ("Russian forces").')
_min_confidence = click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Leave out mentions whose confidence (the probability their place is right) is below this.",
)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write JSONL here instead of standard output.",
)
@_workers
@click.option("--explain", is_flag=True, help="Add each place's candidates and the feature scores that chose it.")
@_no_demonyms
@_min_confidence
@click.option(
    "--scheduler",
    metavar="tcp://HOST:8786",
    help="Parse on this Dask cluster's workers (GEOMAP_DASK_SCHEDULER; needs the 'cluster' extra).",
)
def extract(
    files: tuple[str, ...],
    output: str | None,
    workers: int,
    explain: bool,
    no_demonyms: bool,
    min_confidence: float,
    scheduler: str | None,
) -> None:
    """Find and resolve the places in FILES (text, or JSONL of {"id", "text"}); one JSON line per document.

    A JSONL line that carries "toponyms": [{"start", "end"}, ...] has exactly those spans resolved.
    """
    from ..pipeline import Geoparser, above_confidence

    records = list(read_inputs(files))
    settings = load_settings(dask_scheduler=scheduler)
    gp = Geoparser(settings)
    texts = (text for _, text, spans in records if spans is None)
    if settings.dask_scheduler:
        plain = _on_cluster(settings.dask_scheduler, texts)
    else:
        plain = gp.parse_many(texts, n_process=workers, batch_size=_EXTRACT_BATCH)
    out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        for doc_id, text, spans in records:
            parsed = next(plain) if spans is None else gp.resolve_spans(text, spans)
            _write(out, doc_id, above_confidence(parsed, min_confidence), explain, not no_demonyms)
    finally:
        if output:
            out.close()


@click.command()
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False))
@click.option("--gold-spans", is_flag=True, help="Also resolve the gold spans given (scores the resolver alone).")
@click.option("--limit", type=click.IntRange(1), help="Score only the first N documents.")
@_workers
@_no_demonyms
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_min_confidence
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the confidence reliability diagram here (PNG; needs the 'plot' extra).",
)
def evaluate(
    corpus: str,
    gold_spans: bool,
    limit: int | None,
    workers: int,
    no_demonyms: bool,
    as_json: bool,
    min_confidence: float,
    plot: str | None,
) -> None:
    """Score geomap on CORPUS (JSONL with gold "toponyms"): P/R/F1, Acc@161, mean/median km, AUC,
    and the confidence's AUROC and calibration error (ECE)."""
    from ..evaluate import evaluate as run
    from ..evaluate import format_scores, load_corpus, plot_reliability
    from ..pipeline import Geoparser

    docs = load_corpus(corpus, limit=limit)
    scores = run(
        Geoparser(load_settings()),
        docs,
        gold_spans=gold_spans,
        demonyms=not no_demonyms,
        n_process=workers,
        min_confidence=min_confidence,
    )
    click.echo(json.dumps(scores.to_dict(), indent=2) if as_json else format_scores(scores, name=Path(corpus).name))
    if plot:
        if scores.confidence is None:
            raise click.UsageError("no recognised, located toponym to plot the confidence of")
        plot_reliability(scores.confidence, plot, title=Path(corpus).stem)
        click.echo(f"reliability diagram written to {plot}", err=True)
