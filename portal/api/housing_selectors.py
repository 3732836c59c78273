"""Reads for the housing and service profiles: the organisations the client may see, each with
its profile's sections, housing stock, staffed housing and contact persons, loaded in a fixed
number of queries per page."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from housing.models import ContactPerson, HousingLine, ProfileSection, StaffedHousing
from portal.accounts.models import User
from portal.api import selectors
from portal.municipalities.models import Municipality, Region


def with_profiles(qs: QuerySet[Municipality]) -> QuerySet[Municipality]:
    return qs.prefetch_related(
        Prefetch("profile_sections", queryset=ProfileSection.objects.order_by("key", "pk")),
        Prefetch(
            "housing_lines",
            queryset=HousingLine.objects.order_by("rooms", "tenure", "area", "reference", "pk"),
        ),
        Prefetch("staffed_housing", queryset=StaffedHousing.objects.order_by("name", "pk")),
        Prefetch("contact_persons", queryset=ContactPerson.objects.order_by("area", "name", "pk")),
    )


def profiles(user: User, *, region: Region | None = None) -> QuerySet[Municipality]:
    """The current organisations the user may see, by number, with their profiles."""
    return with_profiles(selectors.organisations(user, region=region))


def profile(municipality: Municipality) -> Municipality:
    return with_profiles(Municipality.objects.filter(pk=municipality.pk)).get()
