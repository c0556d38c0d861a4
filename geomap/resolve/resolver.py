"""Resolution: from found names to places, two passes over the document's evidence.

Pass one ranks with the gazetteer prior, qualifiers and the countries and
regions the document names; pass two adds nearness to the places pass one
chose. One sense per document: every unqualified mention of the same name gets
the place whose summed score over those mentions is highest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from ..gazetteer import PlaceIndex, normalise
from ..models import Candidate, FocusPlace, Mention, Place
from ..recognise.spans import Found
from .anchor import APPROXIMATE_CONFIDENCE, LOCAL_KINDS, anchor
from .candidates import candidates_for
from .confidence import ConfidenceModel, softmax_share
from .context import Context, build_context, level, region_key
from .focus import document_focus
from .ranker import Ranker, WeightedSum, rank
from .twins import choose_twin

__all__ = ["Resolver", "snippet", "SNIPPET_CHARS", "ALTERNATIVES"]

Lookup = Callable[[str], list[Candidate]]

SNIPPET_CHARS = 300
ALTERNATIVES = 5


def snippet(text: str, sentence: tuple[int, int], start: int, end: int) -> str:
    """The sentence around a mention, cut to about SNIPPET_CHARS around it at word boundaries."""
    s, e = sentence if sentence[1] > sentence[0] else (max(0, start - 150), min(len(text), end + 150))
    s, e = min(s, start), max(e, end)
    if e - s > SNIPPET_CHARS:
        room = max(0, SNIPPET_CHARS - (end - start)) // 2
        s2, e2 = max(s, start - room), min(e, end + room)
        if s2 > s:
            cut = text.find(" ", s2, start)
            s2 = cut + 1 if cut != -1 else s2
        if e2 < e:
            cut = text.rfind(" ", end, e2)
            e2 = cut if cut != -1 else e2
        prefix, suffix = ("\u2026" if s2 > s else ""), ("\u2026" if e2 < e else "")
        return prefix + " ".join(text[s2:e2].split()) + suffix
    return " ".join(text[s:e].split())


MAX_POINTS = 60  # nearness looks at the document's heaviest places only: bounded work on huge texts


def _points(
    best: Sequence[Candidate | None], cands_all: Sequence[list[Candidate]]
) -> dict[str, tuple[float, float, float]]:
    """Where pass one put the mentions: place id -> (lat, lon, summed confidence)."""
    points: dict[str, list[float]] = {}
    for i, c in enumerate(best):
        if c is not None:
            entry = points.setdefault(c.place.id, [c.place.lat, c.place.lon, 0.0])
            entry[2] += softmax_share(cands_all[i])
    heaviest = sorted(points.items(), key=lambda kv: -kv[1][2])[:MAX_POINTS]
    return {pid: (v[0], v[1], v[2]) for pid, v in heaviest}


Group = tuple[str, str]  # (normalised name, id of its qualifier's place or "")


class Resolver:
    """Turns found names into ``Mention``s with places, and computes the document focus."""

    def __init__(
        self,
        gazetteer: PlaceIndex,
        lookup: Lookup,
        *,
        landmarks: bool = False,
        alternatives: int = ALTERNATIVES,
        ranker: Ranker | None = None,
        confidence: ConfidenceModel | None = None,
    ) -> None:
        """``alternatives``: how many ranked candidates each Mention keeps (training the ranker wants all);
        ``ranker``: scores candidates (default: the hand-weighted sum); ``confidence``: turns a mention's
        ranked candidates into the probability it is right (default: the ranker's softmax share)."""
        self.gazetteer = gazetteer
        self.lookup = lookup
        self.landmarks = landmarks
        self.alternatives = alternatives
        self.ranker: Ranker = ranker or WeightedSum()
        self.confidence = confidence

    def _confidence(self, ordered: Sequence[Candidate]) -> float:
        if self.confidence is None:
            return softmax_share(ordered)
        return self.confidence.probability(ordered)

    def resolve(
        self,
        text: str,
        found: Sequence[Found],
        *,
        evidence: Sequence[Found] = (),
        place_unknown: Callable[[Found], bool] | None = None,
    ) -> tuple[list[Mention], dict[str, list[FocusPlace]]]:
        """Mentions (names with no candidate dropped) and the focus of one text.

        ``evidence``: other names found in the text (not overlapping ``found``), resolved alongside as
        context ("Santa Maria ... in Santa Barbara County") but not returned. ``place_unknown``: which
        ``found`` names are places on the caller's word, so that one with no candidate is not dropped but
        put beside its neighbours (``resolve.anchor``), marked ``approximate``.
        """
        asked = {(f.start, f.end) for f in found}
        every = sorted([*found, *evidence], key=lambda f: (f.start, f.end))
        cands_all = [candidates_for(f, self.lookup) for f in every]
        unknown = [
            f
            for f, c in zip(every, cands_all)
            if not c and (f.start, f.end) in asked and place_unknown is not None and place_unknown(f)
        ]
        pairs = [(f, c) for f, c in zip(every, cands_all) if c]
        every = [f for f, _ in pairs]
        cands_all = [c for _, c in pairs]
        for cands in cands_all:
            for c in cands:
                c.features = {
                    "prior": c.score,
                    "shadowed": c.features.get("shadowed", 0.0),
                    "seat": c.features.get("seat", 0.0),
                }
        ctx = build_context(text, every, cands_all)
        best = self._pass(every, cands_all, ctx)
        ctx.points = _points(best, cands_all)
        ctx.levels = [level(c.place) if c is not None else None for c in best]
        mine = [(c.place.id, softmax_share(cands)) if c is not None else None for c, cands in zip(best, cands_all)]
        for chosen in best:
            key = region_key(chosen.place) if chosen is not None and chosen.place.kind == "admin1" else None
            if key and chosen is not None:
                ctx.named_regions.setdefault(key, set()).add(chosen.place.id)
        best = self._pass(every, cands_all, ctx, mine)
        mentions = []
        for f, cands, choice in zip(every, cands_all, best):
            if (f.start, f.end) not in asked:
                continue
            choice = choose_twin(text, f.start, f.end, cands, choice) if choice is not None else None
            if choice is None or (choice.place.kind == "landmark" and not self.landmarks):
                continue
            ordered = [choice] + [c for c in cands if c is not choice]
            confidence = round(self._confidence(ordered), 4)
            mentions.append(_mention(text, f, choice.place, confidence, alternatives=ordered[: self.alternatives]))
        focus = document_focus(mentions, self.gazetteer.country, self.gazetteer.admin1)
        if unknown:
            local = [(f.start, c.place) for f, c in zip(every, best) if c is not None and c.place.kind in LOCAL_KINDS]
            mentions = sorted([*mentions, *_anchored(text, unknown, local, focus)], key=lambda m: m.start)
        return mentions, focus

    def _pass(
        self,
        found: Sequence[Found],
        cands_all: Sequence[list[Candidate]],
        ctx: Context,
        mine: Sequence[tuple[str, float] | None] = (),
    ) -> list[Candidate | None]:
        """One ranking pass: qualifiers first, then each name's mentions, then one sense per name."""
        qualifier_place = self._rank_qualifiers(cands_all, ctx, mine)
        groups = _groups(found, ctx, qualifier_place)
        for members in groups.values():
            self._rank_group(members, cands_all, ctx, mine, qualifier_place)
        return _one_sense(groups, cands_all)

    def _rank_one(
        self,
        i: int,
        cands_all: Sequence[list[Candidate]],
        ctx: Context,
        mine: Sequence[tuple[str, float] | None],
        qualifier_place: dict[int, Place],
    ) -> None:
        q = ctx.qualifier_of.get(i)
        qualifier = qualifier_place.get(q) if q is not None else None
        rank(cands_all[i], ctx, i, qualifier, mine[i] if mine else None, self.ranker)

    def _rank_qualifiers(
        self, cands_all: Sequence[list[Candidate]], ctx: Context, mine: Sequence[tuple[str, float] | None]
    ) -> dict[int, Place]:
        """Rank the names that qualify others ("Texas" in "Paris, Texas"): mention index -> its best place."""
        qualifier_place: dict[int, Place] = {}
        for i in sorted(set(ctx.qualifier_of.values())):
            self._rank_one(i, cands_all, ctx, mine, qualifier_place)
            qualifier_place[i] = cands_all[i][0].place
        return qualifier_place

    def _rank_group(
        self,
        members: Sequence[int],
        cands_all: Sequence[list[Candidate]],
        ctx: Context,
        mine: Sequence[tuple[str, float] | None],
        qualifier_place: dict[int, Place],
    ) -> None:
        """Rank the mentions of one name: those with cues of their own alone, the plain ones once, shared.

        Qualifiers are ranked already. Plain mentions of one name have the same evidence, so the
        first is ranked and its scores copied to the others (when they have the same candidates).
        """
        plain = []
        for i in members:
            if i in qualifier_place:
                continue
            if ctx.cues[i].any():
                self._rank_one(i, cands_all, ctx, mine, qualifier_place)
            else:
                plain.append(i)
        if not plain:
            return
        rep = plain[0]
        self._rank_one(rep, cands_all, ctx, mine, qualifier_place)
        ranked = {c.place.id: c for c in cands_all[rep]}
        for i in plain[1:]:
            if len(cands_all[i]) == len(ranked) and all(c.place.id in ranked for c in cands_all[i]):
                for c in cands_all[i]:
                    c.score, c.features = ranked[c.place.id].score, ranked[c.place.id].features
                cands_all[i].sort(key=lambda c: -c.score)
            else:
                self._rank_one(i, cands_all, ctx, mine, qualifier_place)


def _anchored(
    text: str, unknown: Sequence[Found], local: Sequence[tuple[int, Place]], focus: dict[str, list[FocusPlace]]
) -> list[Mention]:
    """Approximate mentions of the given names the gazetteer does not know, each at its anchor."""
    out = []
    for f in unknown:
        place = anchor(f.start, local, focus)
        if place is not None:
            out.append(_mention(text, f, place, APPROXIMATE_CONFIDENCE, approximate=True))
    return out


def _mention(
    text: str,
    f: Found,
    place: Place,
    confidence: float,
    *,
    alternatives: list[Candidate] | None = None,
    approximate: bool = False,
) -> Mention:
    """The mention of found name ``f``, put at ``place``, with its sentence as snippet."""
    return Mention(
        start=f.start,
        end=f.end,
        text=f.text,
        snippet=snippet(text, f.sentence, f.start, f.end),
        place=place,
        confidence=confidence,
        kind=f.kind,
        alternatives=alternatives or [],
        approximate=approximate,
    )


def _groups(found: Sequence[Found], ctx: Context, qualifier_place: dict[int, Place]) -> dict[Group, list[int]]:
    """Mention indices by name and qualifier: "Paris, Texas" and a bare "Paris" are two groups."""
    groups: dict[Group, list[int]] = defaultdict(list)
    for i, f in enumerate(found):
        q = ctx.qualifier_of.get(i)
        qual = qualifier_place[q].id if q is not None and q in qualifier_place else ""
        groups[(normalise(f.name), qual)].append(i)
    return groups


def _one_sense(groups: dict[Group, list[int]], cands_all: Sequence[list[Candidate]]) -> list[Candidate | None]:
    """Each group's place: the one whose score summed over its mentions is highest.

    Qualified groups go first, and a name qualified once ("Paris, Texas") settles its bare mentions too.
    """
    settled: dict[str, str] = {}
    best: list[Candidate | None] = [None] * len(cands_all)
    for (name, qual), members in sorted(groups.items(), key=lambda kv: not kv[0][1]):
        totals: dict[str, float] = defaultdict(float)
        for i in members:
            for c in cands_all[i]:
                totals[c.place.id] += c.score
        known = settled.get(name)
        winner = known if not qual and known is not None and known in totals else max(totals, key=totals.__getitem__)
        if qual:
            settled.setdefault(name, winner)
        for i in members:
            best[i] = next((c for c in cands_all[i] if c.place.id == winner), cands_all[i][0])
    return best
