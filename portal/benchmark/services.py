"""Writes for the benchmark: computing and freezing peer sets."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction

from portal.audit.services import audit_log
from portal.benchmark import peers as peer_math
from portal.benchmark.models import PeerConfig, PeerSet, PeerSetMember
from portal.municipalities.models import KeyFigures, Municipality

PEER_WINDOW_YEARS = 5

_FIGURES = ("population", "immigrant_share", "centrality_score", "centrality_class", "settled")


def _current_municipalities():
    # Current municipalities only; Oslo's city districts have kind "district" and are excluded.
    return Municipality.objects.filter(valid_to__isnull=True, kind=Municipality.Kind.MUNICIPALITY)


@transaction.atomic
def peer_set_compute(*, actor, year: int, config: PeerConfig) -> PeerSet:
    """The frozen peer set for ``year`` under ``config``, computing and storing it the first time.

    Computing again for the same year and config returns the stored set unchanged, so a report
    can be reproduced later even if the key figures have been corrected since. Costs a constant
    number of queries to read (municipalities, key figures); the member rows are written with one
    ``bulk_create`` (which SQLite splits into batches of 999 parameters).
    """
    existing = PeerSet.objects.filter(year=year, config=config).first()
    if existing is not None:
        return existing

    municipalities = {m.number: m for m in _current_municipalities().only("id", "number")}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    figures = KeyFigures.objects.filter(
        municipality__in=_current_municipalities(),
        year__gt=year - PEER_WINDOW_YEARS,
        year__lte=year,
    ).values("municipality__number", "year", *_FIGURES)
    for row in figures:
        rows[row["municipality__number"]].append(row)

    inputs = {
        number: peer_math.variables_from_key_figures(
            rows.get(number, []), year=year, window=PEER_WINDOW_YEARS
        )
        for number in municipalities
    }
    weights = {name: float(weight) for name, weight in config.variables.items()}
    results = peer_math.choose_peers(
        {number: {v: values.get(v) for v in weights} for number, values in inputs.items()},
        weights=weights,
        k=config.k,
        lower=config.winsor_lower,
        upper=config.winsor_upper,
        size_band_constraint=config.size_band,
        populations={number: values["population"] for number, values in inputs.items()},
    )

    try:
        with transaction.atomic():
            peer_set = PeerSet.objects.create(
                year=year,
                config=config,
                inputs=inputs,
                comparison={number: r.comparison for number, r in results.items()},
            )
    except IntegrityError:
        # Computed concurrently by someone else: theirs is the frozen one.
        return PeerSet.objects.get(year=year, config=config)
    PeerSetMember.objects.bulk_create(
        PeerSetMember(
            peer_set=peer_set,
            municipality=municipalities[number],
            peer=municipalities[peer.key],
            rank=peer.rank,
            distance=peer.distance,
            similarity=peer.similarity,
            drivers=peer.drivers,
        )
        for number, result in results.items()
        for peer in result.peers
    )
    audit_log(
        actor=actor,
        action="benchmark.peer_set_compute",
        obj=peer_set,
        changes={
            "year": [None, year],
            "config": [None, str(config)],
            "municipalities": [None, len(municipalities)],
            "without_peers": [None, sum(1 for r in results.values() if not r.peers)],
        },
    )
    return peer_set
