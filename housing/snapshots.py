"""A section as plain JSON: what a ProfileVersion keeps, and what the profile page is drawn from.

The page for today and the page for an earlier date are drawn from the same snapshots, so the
two always look the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from housing.models import ContactPerson, HousingLine, ProfileSection, SectionKey, StaffedHousing
from housing.sections import CONTACT_COLUMNS, HOUSING_COLUMNS, STAFFED_COLUMNS, normalise_data

HOUSING_FIELDS = tuple(c.name for c in HOUSING_COLUMNS)
STAFFED_FIELDS = tuple(c.name for c in STAFFED_COLUMNS)
CONTACT_FIELDS = tuple(c.name for c in CONTACT_COLUMNS)

ROW_MODELS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    SectionKey.HOUSING: (HousingLine, HOUSING_FIELDS),
    SectionKey.STAFFED_HOUSING: (StaffedHousing, STAFFED_FIELDS),
    SectionKey.CONTACTS: (ContactPerson, CONTACT_FIELDS),
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def row_dict(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {"id": obj.pk, **{name: _jsonable(getattr(obj, name)) for name in fields}}


def rows_snapshot(key: str, objects) -> list[dict[str, Any]]:
    _model, fields = ROW_MODELS[key]
    return [row_dict(obj, fields) for obj in objects]


def section_snapshot(municipality, key: str, section: ProfileSection | None = None):
    """The section as it is now: a list of rows, or the dict of facts."""
    if key in ROW_MODELS:
        model, fields = ROW_MODELS[key]
        rows = model._default_manager.filter(municipality=municipality).values("id", *fields)
        return [{name: _jsonable(value) for name, value in row.items()} for row in rows]
    if section is None:
        section = ProfileSection.objects.filter(municipality=municipality, key=key).first()
    return normalise_data(key, section.data if section else {})
