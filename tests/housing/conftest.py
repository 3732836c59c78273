"""Builders for housing profiles: a municipality with lines, staffed housing, services, contacts."""

import datetime as dt

import pytest
from django.utils import timezone

from housing import services
from housing.models import ProfileSection, ProfileVersion
from portal.municipalities.models import KeyFigures


def line(municipality, **values):
    defaults = {"tenure": "municipal_rental", "rooms": 3, "bedrooms": 2, "units": 2}
    return services.housing_line_save(
        actor=None, municipality=municipality, **{**defaults, **values}
    )


def staffed(municipality, **values):
    defaults = {"name": "Bofellesskap", "places": 6, "vacancies": 1, "age_from": 15, "age_to": 18}
    return services.staffed_housing_save(
        actor=None, municipality=municipality, **{**defaults, **values}
    )


def contact(municipality, **values):
    defaults = {"area": "general", "name": "Kari Kontakt", "email": "kari@kommune.example"}
    return services.contact_person_save(
        actor=None, municipality=municipality, **{**defaults, **values}
    )


def facts(municipality, key, **data):
    return services.section_update(actor=None, municipality=municipality, key=key, data=data)


def full_profile(municipality, *, decided=10, settled=4, year=2025):
    """A municipality that meets every need of the standard search."""
    line(municipality, rooms=4, bedrooms=3, step_free=True, units=2, vacant_now=1)
    staffed(municipality, age_from=15, age_to=18, vacancies=2)
    facts(municipality, "schools", upper_secondary=True)
    facts(municipality, "interpreters", languages=["Arabic", "Tigrinya"])
    facts(municipality, "health", gp_vacancies=True)
    facts(municipality, "transport", level="good")
    facts(municipality, "labour_market", assessment="normal")
    contact(municipality)
    KeyFigures.objects.update_or_create(
        municipality=municipality, year=year, defaults={"decided": decided, "settled": settled}
    )


def age(municipality, key, days):
    """Pretend the section was last confirmed (and its versions written) ``days`` ago."""
    when = timezone.now() - dt.timedelta(days=days)
    ProfileSection.objects.filter(municipality=municipality, key=key).update(
        last_confirmed_at=when, updated_at=when
    )
    ProfileVersion.objects.filter(municipality=municipality, section=key).update(changed_at=when)
    return when


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run
