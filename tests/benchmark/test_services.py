import datetime as dt

import pytest

from portal.benchmark.models import PeerConfig, PeerSet, PeerSetMember
from portal.benchmark.services import peer_set_compute
from portal.core.audit.models import AuditEntry
from portal.municipalities.models import KeyFigures, Municipality
from tests.factories import KeyFiguresFactory, MunicipalityFactory


def _config(**kwargs):
    options = {"name": "standard", "version": 1, "is_active": True} | kwargs
    return PeerConfig.objects.create(**options)


def _municipalities(n, start=0):
    municipalities = []
    for i in range(start, start + n):
        m = MunicipalityFactory(number=f"{3000 + i}")
        municipalities.append(m)
        for year in (2024, 2025):
            KeyFiguresFactory(
                municipality=m,
                year=year,
                population=1000 + 700 * i,
                centrality_score=(97 * i) % 1000,
                immigrant_share=5 + i % 13,
                settled=i % 7,
            )
    return municipalities


@pytest.mark.django_db
def test_compute_stores_frozen_peer_set_with_audit(cast):
    _municipalities(6)
    district = MunicipalityFactory(number="030101", kind=Municipality.Kind.DISTRICT)
    KeyFiguresFactory(municipality=district, population=5000, centrality_score=900)
    old = MunicipalityFactory(
        number="3999", valid_to=dt.date(2024, 1, 1), valid_from=dt.date(2020, 1, 1)
    )
    KeyFiguresFactory(municipality=old, population=5000, centrality_score=900)
    config = _config(k=3)

    peer_set = peer_set_compute(actor=cast.admin, year=2025, config=config)

    members = PeerSetMember.objects.filter(peer_set=peer_set)
    involved = {m.municipality.number for m in members} | {m.peer.number for m in members}
    assert "030101" not in involved and "3999" not in involved
    # Every current municipality (the cast's two have no figures -> no peers) ...
    assert members.filter(municipality__number="3000").count() == 3
    assert not members.filter(municipality=cast.a).exists()
    first = members.filter(municipality__number="3000").order_by("rank").first()
    assert 0 <= first.similarity <= 100
    assert set(first.drivers) == {
        "log_population",
        "centrality",
        "immigrant_share",
        "settled_per_1000_5y",
    }
    assert peer_set.comparison["3000"]["centrality"]["value"] == 0.0
    assert AuditEntry.objects.filter(action="benchmark.peer_set_compute").count() == 1


@pytest.mark.django_db
def test_computing_again_returns_the_stored_set_unchanged(cast):
    _municipalities(8)
    config = _config(k=2)
    first = peer_set_compute(actor=cast.admin, year=2025, config=config)
    before = list(
        PeerSetMember.objects.filter(peer_set=first).values_list(
            "municipality", "peer", "rank", "distance", "similarity"
        )
    )

    KeyFigures.objects.filter(year=2025).update(population=50_000)  # figures corrected later
    again = peer_set_compute(actor=cast.admin, year=2025, config=config)

    assert again.pk == first.pk
    after = list(
        PeerSetMember.objects.filter(peer_set=again).values_list(
            "municipality", "peer", "rank", "distance", "similarity"
        )
    )
    assert after == before
    assert PeerSet.objects.count() == 1
    assert AuditEntry.objects.filter(action="benchmark.peer_set_compute").count() == 1


@pytest.mark.django_db
def test_same_inputs_give_same_numbers_in_a_new_version(cast):
    _municipalities(8)
    one = peer_set_compute(actor=cast.admin, year=2025, config=_config(k=2))
    two = peer_set_compute(
        actor=cast.admin, year=2025, config=_config(k=2, version=2, is_active=False)
    )
    assert one.pk != two.pk

    def rows(peer_set):
        return list(
            peer_set.members.order_by("municipality__number", "rank").values_list(
                "municipality", "peer", "distance", "similarity"
            )
        )

    assert rows(one) == rows(two)
    assert one.inputs == two.inputs


@pytest.mark.django_db
@pytest.mark.parametrize("n", [10, 60])
def test_query_count_does_not_grow_with_municipalities(cast, n, django_assert_num_queries):
    _municipalities(n)
    # k = 2 keeps the member rows (n * k * 7 fields) inside one SQLite insert batch of 999
    # parameters; with larger k SQLite needs one INSERT per 142 rows (PostgreSQL needs one).
    config = _config(k=2)
    # savepoint, stored set?, municipalities, key figures, savepoint, insert peer set, release,
    # insert members, audit entry, release
    with django_assert_num_queries(10):
        peer_set_compute(actor=cast.admin, year=2025, config=config)
    assert PeerSetMember.objects.count() == n * 2
