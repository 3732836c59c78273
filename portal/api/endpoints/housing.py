"""Housing and service profiles per organisation: the profile's sections (services, schools,
transport…), the housing stock, staffed housing and the contact persons. Contact persons are
personal data: every read is recorded in the audit log, one entry per organisation per request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from portal.accounts.access import Perm
from portal.api import common, housing_selectors, services
from portal.api.auth import HOUSING
from portal.api.errors import ERRORS
from portal.api.pagination import PageQuery, page_of, paginate
from portal.municipalities.models import Municipality

router = Router(tags=["Housing and service profiles"], auth=HOUSING)


class SectionOut(Schema):
    key: str = Field(..., description="housing, schools, introduction, health, transport, …")
    data: dict[str, Any] = Field(..., description="The section's facts, by field.")
    last_confirmed_at: dt.datetime | None
    updated_at: dt.datetime | None


class HousingLineOut(Schema):
    id: int
    reference: str
    tenure: str
    rooms: int
    bedrooms: int | None
    step_free: bool
    units: int
    vacant_now: int
    vacant_later: int
    vacant_from: dt.date | None
    reserved_for_refugees: bool
    area: str
    distances: str
    contract_years: int | None
    notes: str
    updated_at: dt.datetime


class StaffedHousingOut(Schema):
    id: int
    name: str
    places: int
    vacancies: int
    age_from: int
    age_to: int
    notes: str
    updated_at: dt.datetime


class ContactPersonOut(Schema):
    id: int
    area: str = Field(..., description="What the person is the contact for.")
    name: str
    role: str
    email: str
    phone: str
    updated_at: dt.datetime


class HousingProfileOut(Schema):
    organisation: str = Field(..., description="The organisation's number.")
    name: str
    sections: list[SectionOut]
    housing: list[HousingLineOut]
    staffed_housing: list[StaffedHousingOut]
    contact_persons: list[ContactPersonOut]

    @staticmethod
    def resolve_organisation(obj: Municipality) -> str:
        return obj.number

    @staticmethod
    def resolve_sections(obj: Municipality) -> list:
        return list(obj.profile_sections.all())

    @staticmethod
    def resolve_housing(obj: Municipality) -> list:
        return list(obj.housing_lines.all())

    @staticmethod
    def resolve_staffed_housing(obj: Municipality) -> list:
        return list(obj.staffed_housing.all())

    @staticmethod
    def resolve_contact_persons(obj: Municipality) -> list:
        return list(obj.contact_persons.all())


class ProfileFilters(Schema):
    region: str | None = Field(None, description="Only organisations of this region (its code).")


HousingProfilePage = page_of(HousingProfileOut, "HousingProfilePage")


def _audit(request: HttpRequest, municipalities: list[Municipality]) -> None:
    """One audit entry per organisation whose contact persons this response carries."""
    client = common.client_of(request)
    for municipality in municipalities:
        ids = [person.pk for person in municipality.contact_persons.all()]
        if ids:
            services.api_personal_data_read(
                client=client,
                municipality=municipality,
                object_type="housing.ContactPerson",
                object_ids=ids,
                endpoint=request.path,
            )


@router.get(
    "/housing-profiles",
    response={200: HousingProfilePage, **ERRORS},
    url_name="housing_profile_list",
    summary="Housing and service profiles",
)
def housing_profile_list(
    request: HttpRequest, filters: Query[ProfileFilters], paging: Query[PageQuery]
):
    """The profiles of the organisations the client may see, by organisation number."""
    qs = housing_selectors.profiles(common.user_of(request), region=common.region(filters.region))
    page = paginate(request, qs, paging)
    _audit(request, page["results"])
    return page


@router.get(
    "/organisations/{number}/housing-profile",
    response={200: HousingProfileOut, **ERRORS},
    url_name="housing_profile_detail",
    summary="One organisation's housing and service profile",
)
def housing_profile_detail(request: HttpRequest, number: str):
    municipality = common.organisation(request, number, Perm.VIEW)
    profile = housing_selectors.profile(municipality)
    _audit(request, [profile])
    return profile
