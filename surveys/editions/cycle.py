"""The start of a new annual cycle: next year's definition, copied from this year's.

Pure: takes a normalised definition (``SurveyEdition.definition``) and returns a new one.
"""

from __future__ import annotations

import copy
import datetime as dt
import re

_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


def one_year_later(day: str) -> str:
    """An ISO date one year on; 29 February becomes 28 February."""
    date = dt.date.fromisoformat(day)
    try:
        return date.replace(year=date.year + 1).isoformat()
    except ValueError:  # 29 February, and next year is no leap year
        return date.replace(year=date.year + 1, day=28).isoformat()


def title_one_year_later(text: str, year: int) -> str:
    """The title with the edition's year moved on (and the year after it, as in «2025–2026»)."""
    return _YEAR.sub(lambda m: str(int(m[0]) + 1) if int(m[0]) in (year, year + 1) else m[0], text)


def next_year_definition(definition: dict) -> dict:
    """Next year's edition: the same keys, texts, routing and option mappings; ``previous_year``
    this year; the dates one year on; the year in the title (in every language) moved on.

    Option mappings are kept as they are: each is keyed by the year it maps from, so one from an
    older year still reads that year's answers in the new edition.
    """
    year = definition["year"]
    doc = copy.deepcopy(definition)
    doc["year"] = year + 1
    doc["previous_year"] = year
    doc["opens"] = one_year_later(definition["opens"])
    doc["deadline"] = one_year_later(definition["deadline"])
    title = definition["title"]
    if isinstance(title, str):
        doc["title"] = title_one_year_later(title, year)
    else:
        doc["title"] = {lang: title_one_year_later(text, year) for lang, text in title.items()}
    return doc
