"""The shipped reference data loads completely, correctly and idempotently."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command

from portal.accounts.demo import DEMO_USERS
from portal.accounts.models import Membership, User
from portal.core.audit.models import AuditEntry
from portal.municipalities.models import County, KeyFigures, Municipality, Region
from portal.municipalities.reference_data import load_demo_key_figures, load_reference_data


@pytest.fixture
def loaded(db):
    load_reference_data()
    load_demo_key_figures()


def test_current_organisations(loaded):
    current = Municipality.objects.filter(valid_to__isnull=True)
    assert current.filter(kind="municipality").count() == 357
    districts = current.filter(kind="district")
    assert districts.count() == 15
    assert sorted(districts.values_list("number", flat=True)) == [
        f"0301{i:02d}" for i in range(1, 16)
    ]
    assert set(districts.values_list("parent__number", flat=True)) == {"0301"}
    assert County.objects.filter(valid_to__isnull=True).count() == 15


def test_every_organisation_has_a_region_and_regions_follow_counties(loaded):
    assert Region.objects.count() == 6
    counts = Counter(
        Municipality.objects.filter(valid_to__isnull=True).values_list("region__code", flat=True)
    )
    # Øst: Østfold 12 + Akershus 21 + Oslo 1 + Vestfold 6, plus Oslo's 15 districts.
    assert counts == {
        "ost": 55,
        "indre-ostland": 64,
        "sor": 42,
        "vest": 66,
        "midt-norge": 65,
        "nord": 80,
    }
    kristiansand = Municipality.objects.get(number="4204", valid_to=None)
    assert kristiansand.region.code == "sor"


def test_code_history_and_crosswalk(loaded):
    bergen = Municipality.objects.get(number="4601", valid_to=None)
    old_bergen = Municipality.objects.get(number="1201")
    assert old_bergen.valid_to == dt.date(2020, 1, 1)
    assert list(old_bergen.successors.all()) == [bergen]
    # Viken (30) spanned two IMDi regions: its municipalities take the region of what they became.
    assert Municipality.objects.get(number="3001").region.code == "ost"  # Halden → 3101 Østfold
    assert (
        Municipality.objects.get(number="3005").region.code == "indre-ostland"
    )  # Drammen → 3301 Buskerud
    # Ålesund 2020–2023 split into Ålesund and Haram in 2024.
    alesund_2020 = Municipality.objects.get(number="1507")
    assert sorted(alesund_2020.successors.values_list("number", flat=True)) == ["1508", "1580"]


def test_settlement_figures_attach_to_the_municipality_of_their_time(loaded):
    old_bergen = Municipality.objects.get(number="1201")
    assert KeyFigures.objects.get(municipality=old_bergen, year=2014).settled == 323
    bergen = Municipality.objects.get(number="4601", valid_to=None)
    figures_2024 = KeyFigures.objects.get(municipality=bergen, year=2024)
    assert figures_2024.population is not None and figures_2024.requested is not None
    assert figures_2024.kostra_group == "EKG12"
    gamle_oslo = Municipality.objects.get(number="030101")
    assert KeyFigures.objects.get(municipality=gamle_oslo, year=2026).population == 64920


def test_loading_twice_changes_nothing(loaded):
    snapshot = (
        Municipality.objects.count(),
        KeyFigures.objects.count(),
        AuditEntry.objects.count(),
    )
    assert load_reference_data().created == 0
    again = load_demo_key_figures()
    assert (again.created, again.updated) == (0, 0)
    assert (
        Municipality.objects.count(),
        KeyFigures.objects.count(),
        AuditEntry.objects.count(),
    ) == snapshot


def test_load_demo_command_is_idempotent(db, settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    counts = (User.objects.count(), Membership.objects.count(), KeyFigures.objects.count())
    assert counts[0] == len(DEMO_USERS)
    call_command("load_demo", verbosity=0)
    assert (User.objects.count(), Membership.objects.count(), KeyFigures.objects.count()) == counts
    leder = User.objects.get(username="kristiansand-leder")
    assert leder.check_password("demo")
    assert leder.memberships.get().role == "signatory"
    assert User.objects.get(username="imdi-sor").region.code == "sor"
    assert (
        User.objects.get(username="gamle-oslo-editor").memberships.get().municipality.number
        == "030101"
    )


def test_no_demo_users_without_debug(db, settings):
    settings.DEBUG = False
    call_command("load_demo", verbosity=0)
    assert User.objects.count() == 0
    assert Municipality.objects.count() > 0
