"""What each profile section holds: the facts of the service sections, the columns of the row
sections, their order and their web addresses. Forms, pages, history and search all read it here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from housing.models import ContactArea, SectionKey, Tenure

# The order the profile is shown in: who to call first, then housing, then services.
SECTION_ORDER: tuple[str, ...] = (
    SectionKey.CONTACTS,
    SectionKey.HOUSING,
    SectionKey.STAFFED_HOUSING,
    SectionKey.SCHOOLS,
    SectionKey.INTRODUCTION,
    SectionKey.KINDERGARTEN,
    SectionKey.INTERPRETERS,
    SectionKey.HEALTH,
    SectionKey.TRANSPORT,
    SectionKey.LABOUR_MARKET,
)

SECTION_SLUGS: dict[str, str] = {
    SectionKey.CONTACTS: "kontaktpersoner",
    SectionKey.HOUSING: "bolig",
    SectionKey.STAFFED_HOUSING: "bemannet-bolig",
    SectionKey.SCHOOLS: "skole",
    SectionKey.INTRODUCTION: "introduksjonsprogram",
    SectionKey.KINDERGARTEN: "barnehage",
    SectionKey.INTERPRETERS: "tolk",
    SectionKey.HEALTH: "helse",
    SectionKey.TRANSPORT: "kollektivtransport",
    SectionKey.LABOUR_MARKET: "arbeidsmarked",
}
SLUG_SECTIONS = {slug: key for key, slug in SECTION_SLUGS.items()}

YES_NO = "yesno"
INT = "int"
PERCENT = "percent"
CHOICE = "choice"
TEXT = "text"
LONGTEXT = "longtext"
LIST = "list"
DATE = "date"


@dataclass(frozen=True)
class Fact:
    """One fact of a service section, kept in ``ProfileSection.data[name]``."""

    name: str
    label: Promise
    kind: str
    choices: tuple[tuple[str, Promise], ...] = ()
    help_text: Promise | str = ""
    max_value: int | None = None

    def display(self, value: Any) -> str:
        return display_value(self.kind, value, self.choices)


RUN_BY = (
    ("nav", _("NAV")),
    ("refugee_office", _("Refugee office")),
    ("adult_education", _("Adult education centre")),
    ("other", _("Other")),
)
LEVELS = (("good", _("Good")), ("limited", _("Limited")), ("poor", _("Poor")))
ASSESSMENT = (("good", _("Good")), ("normal", _("Normal")), ("poor", _("Poor")))
KINDERGARTEN_AVAILABILITY = (
    ("all_year", _("Places available all year")),
    ("main_intake", _("Places mainly at the main admission in August")),
    ("waiting_list", _("Waiting list")),
)
NOTES = Fact("notes", _("Notes"), LONGTEXT)

SERVICE_FACTS: dict[str, tuple[Fact, ...]] = {
    SectionKey.SCHOOLS: (
        Fact(
            "reception_classes",
            _(
                "Introductory classes for newly arrived pupils in primary and lower secondary school"
            ),
            YES_NO,
        ),
        Fact(
            "primary_notes",
            _("Primary and lower secondary school"),
            LONGTEXT,
            help_text=_("For example capacity, mother-tongue teaching, distance to school."),
        ),
        Fact("upper_secondary", _("Upper secondary school in the municipality"), YES_NO),
        Fact(
            "upper_secondary_programmes",
            _("Upper secondary programmes in the municipality"),
            TEXT,
            help_text=_("For example: general studies, health and youth work, building."),
        ),
        Fact(
            "upper_secondary_introductory",
            _("Introductory upper secondary course for newly arrived young people"),
            YES_NO,
        ),
        Fact("adult_education", _("Adult education centre in the municipality"), YES_NO),
        Fact(
            "higher_education",
            _("Vocational college or higher education within reach"),
            LONGTEXT,
            help_text=_("Name and travel time."),
        ),
    ),
    SectionKey.INTRODUCTION: (
        Fact("run_by", _("Who runs the introduction programme"), CHOICE, RUN_BY),
        Fact("run_by_other", _("Run by (if other)"), TEXT),
        Fact("capacity", _("Capacity (participants)"), INT, max_value=100000),
        Fact(
            "result_target",
            _("Result target: share in work or education after the programme (%)"),
            PERCENT,
            max_value=100,
        ),
        Fact(
            "norwegian_with_primary",
            _("Norwegian can be combined with primary and lower secondary school for adults"),
            YES_NO,
        ),
        Fact(
            "norwegian_with_upper_secondary",
            _("Norwegian can be combined with upper secondary school"),
            YES_NO,
        ),
        NOTES,
    ),
    SectionKey.KINDERGARTEN: (
        Fact("availability", _("Kindergarten places"), CHOICE, KINDERGARTEN_AVAILABILITY),
        Fact("vacancies", _("Vacant places now"), INT, max_value=100000),
        NOTES,
    ),
    SectionKey.INTERPRETERS: (
        Fact(
            "languages",
            _("Languages with interpreters available"),
            LIST,
            help_text=_("Separate the languages with commas, for example: Arabic, Tigrinya, Dari."),
        ),
        Fact("remote", _("Remote interpreting (video or phone)"), YES_NO),
        NOTES,
    ),
    SectionKey.HEALTH: (
        Fact("gp_vacancies", _("GP lists with vacancies"), YES_NO),
        Fact(
            "mental_health_children",
            _("Mental health services for children and young people"),
            YES_NO,
        ),
        Fact("mental_health_adults", _("Mental health services for adults"), YES_NO),
        NOTES,
    ),
    SectionKey.TRANSPORT: (
        Fact("level", _("Public transport"), CHOICE, LEVELS),
        Fact(
            "notes",
            _("Notes"),
            LONGTEXT,
            help_text=_("For example how often buses run, and to where."),
        ),
    ),
    SectionKey.LABOUR_MARKET: (
        Fact(
            "assessment",
            _("The municipality's assessment of the labour market"),
            CHOICE,
            ASSESSMENT,
        ),
        Fact("industries", _("Main industries"), TEXT),
        Fact(
            "notes",
            _("Notes"),
            LONGTEXT,
            help_text=_(
                "For example demand for low-skilled labour, cooperation with local employers, the regional labour market."
            ),
        ),
    ),
}


@dataclass(frozen=True)
class Column:
    """One column of a row section (housing lines, staffed housing, contact persons)."""

    name: str
    label: Promise
    kind: str
    choices: tuple[tuple[str, Promise], ...] = ()

    def display(self, value: Any) -> str:
        return display_value(self.kind, value, self.choices)


HOUSING_COLUMNS: tuple[Column, ...] = (
    Column("reference", _("Your reference"), TEXT),
    Column("tenure", _("Tenure"), CHOICE, tuple(Tenure.choices)),
    Column("rooms", _("Rooms"), INT),
    Column("bedrooms", _("Bedrooms"), INT),
    Column("step_free", _("Step-free"), YES_NO),
    Column("units", _("Units"), INT),
    Column("vacant_now", _("Vacant now"), INT),
    Column("vacant_later", _("Vacant later"), INT),
    Column("vacant_from", _("Vacant from"), DATE),
    Column("reserved_for_refugees", _("Reserved for refugees"), YES_NO),
    Column("area", _("Area"), TEXT),
    Column("distances", _("Distances"), LONGTEXT),
    Column("contract_years", _("Contract (years)"), INT),
    Column("notes", _("Notes"), LONGTEXT),
)
STAFFED_COLUMNS: tuple[Column, ...] = (
    Column("name", _("Name"), TEXT),
    Column("places", _("Places"), INT),
    Column("vacancies", _("Vacant places"), INT),
    Column("age_from", _("Age from"), INT),
    Column("age_to", _("Age to"), INT),
    Column("notes", _("Notes"), LONGTEXT),
)
CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("area", _("Area"), CHOICE, tuple(ContactArea.choices)),
    Column("name", _("Name"), TEXT),
    Column("role", _("Role"), TEXT),
    Column("email", _("E-mail"), TEXT),
    Column("phone", _("Phone"), TEXT),
)
ROW_COLUMNS: dict[str, tuple[Column, ...]] = {
    SectionKey.HOUSING: HOUSING_COLUMNS,
    SectionKey.STAFFED_HOUSING: STAFFED_COLUMNS,
    SectionKey.CONTACTS: CONTACT_COLUMNS,
}


def is_row_section(key: str) -> bool:
    return key in ROW_COLUMNS


def section_label(key: str) -> str:
    return str(SectionKey(key).label)


def display_value(kind: str, value: Any, choices: tuple = ()) -> str:
    """A stored value in words, for pages, history and e-mails."""
    if value is None or value == "" or value == []:
        return gettext("Not stated") if kind in (YES_NO, CHOICE) else "–"
    if kind == YES_NO:
        return gettext("Yes") if value else gettext("No")
    if kind == CHOICE:
        return str(dict(choices).get(value, value))
    if kind == LIST:
        return ", ".join(str(v) for v in value)
    if kind == PERCENT:
        return f"{value} %"
    if kind == DATE:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return day.strftime("%d.%m.%Y")
    return str(value)


def normalise_data(key: str, data: dict[str, Any]) -> dict[str, Any]:
    """The section's facts with every known key present and nothing else."""
    out: dict[str, Any] = {}
    for fact in SERVICE_FACTS[key]:
        value = data.get(fact.name)
        if fact.kind in (TEXT, LONGTEXT, CHOICE):
            value = value.strip() if isinstance(value, str) else ""
        elif fact.kind == LIST:
            value = [str(v).strip() for v in (value or []) if str(v).strip()]
        out[fact.name] = value
    return out


def empty_data(key: str) -> dict[str, Any]:
    return normalise_data(key, {})


def split_languages(text: str) -> list[str]:
    """'Arabic, tigrinya;Dari' -> ['Arabic', 'Tigrinya', 'Dari'] (first letter capitalised, no repeats)."""
    seen: dict[str, str] = {}
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        part = " ".join(part.split())
        if part:
            seen.setdefault(part.casefold(), part[:1].upper() + part[1:])
    return list(seen.values())


def column(key: str, name: str) -> Column:
    return next(c for c in ROW_COLUMNS[key] if c.name == name)
