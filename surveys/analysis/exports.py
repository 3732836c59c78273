"""Export an edition's answers as data files: long or wide, CSV (in a ZIP) or XLSX, with a codebook.

Pure functions, no views. The organisations of an edition are the municipalities and city
districts valid on the day it opened, within what the user may see (``visible_municipalities``),
optionally one IMDi region. Rows are the organisations whose response is submitted or approved;
``include_unsubmitted`` adds responses in progress or returned.

Shapes:

- long: one row per organisation × answered question (a multiple choice: one row per chosen
  option; a ranking: one row per place, with ``rank``; a scale grid: one row per item, with
  ``item``). ``value`` is the machine code (option key, number, ``dont_know``,
  ``not_relevant``, the text), ``value_label`` the text a person reads.
- wide: one row per organisation; the columns are listed, one row each, in the codebook.

The files are a data deliverable in bokmål, the survey's source language, whatever the language
of the person downloading them: question texts and option labels come from the definition's
``nb`` texts, and the few words the export adds itself (``Ja``, ``Vet ikke``, the codebook's
descriptions) are fixed here, so a file's contents do not depend on the state of the UI's
translation catalogs.

Text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab, a carriage return or a line feed, or with spaces and then one of the first four) get a leading
``'``, in CSV and in XLSX alike; numbers stay numbers (``portal.core.spreadsheets``).

Cost: a fixed number of queries whatever the number of organisations and questions (questions,
regions, explanations, responses, answers), and the answers are streamed from the database in
organisation order, so a file is written without holding every answer in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from portal.accounts.access import visible_municipalities
from portal.core.spreadsheets import neutralise
from portal.core.xlsx_stream import XlsxStreamWriter
from portal.municipalities.models import Municipality, Region
from surveys.models import Answer, Question, Response, SurveyEdition, localized
from surveys.respondent import questions as qtypes

FORMATS = ("csv", "xlsx")
SHAPES = ("long", "wide")
LANGUAGE = "nb"

SUBMITTED = (Response.Status.SUBMITTED, Response.Status.APPROVED)
UNSUBMITTED = (Response.Status.IN_PROGRESS, Response.Status.RETURNED)

LEADING_COLUMNS = [
    "year",
    "municipality_number",
    "municipality_name",
    "kind",
    "county_number",
    "region",
    "response_status",
    "submitted_at",
]
LONG_COLUMNS = [
    *LEADING_COLUMNS,
    "section_key",
    "question_key",
    "question_type",
    "item",
    "rank",
    "value",
    "value_label",
    "other_text",
    "explanation",
]
CODEBOOK_COLUMNS = [
    "column",
    "question_key",
    "section",
    "section_title",
    "question",
    "part",
    "type",
    "values",
    "routing",
    "unit",
    "min",
    "max",
]

CONTENT_TYPES = {
    "csv": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"csv": "zip", "xlsx": "xlsx"}

# The export's own vocabulary, in bokmål (see the module docstring).
YES_NO_LABELS = {"yes": "Ja", "no": "Nei"}
DONT_KNOW_LABEL = "Vet ikke"
NOT_RELEVANT_LABEL = "Ikke relevant"
CHOSEN_CODES = "0=Ikke valgt; 1=Valgt"
KIND_LABELS = {"municipality": "Kommune", "district": "Bydel"}
STATUS_LABELS = {
    "in_progress": "Under arbeid",
    "submitted": "Sendt inn",
    "returned": "Sendt tilbake for retting",
    "approved": "Godkjent",
}
LEADING_DESCRIPTIONS = {
    "year": "Årgang (undersøkelsesåret)",
    "municipality_number": "Kommunenummer (bydeler: seks sifre)",
    "municipality_name": "Kommunens eller bydelens navn",
    "kind": "Kommune eller bydel",
    "county_number": "Fylkesnummer",
    "region": "IMDi-region",
    "response_status": "Status for besvarelsen",
    "submitted_at": "Tidspunkt for innsending (ISO 8601, norsk tid)",
}
SETTLEMENT_CATEGORY = "bosettingskategori"
ORGANISATION_KIND = "kommunetype"
REGION = "region"


# --- What is exported ------------------------------------------------------------------------


def edition_organisations(
    edition: SurveyEdition, *, user: Any = None, region: Region | None = None
) -> QuerySet[Municipality]:
    """Every municipality and city district valid on the day the edition opened (SQL for
    ``Municipality.valid_on(edition.opens)``), within what ``user`` may see (everything when no
    user is given: the management command), and within ``region`` if given."""
    day = edition.opens
    qs = Municipality.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day),
        valid_from__lte=day,
        kind__in=[Municipality.Kind.MUNICIPALITY, Municipality.Kind.DISTRICT],
    )
    if user is not None:
        qs = visible_municipalities(user, qs)
    if region is not None:
        qs = qs.filter(region=region)
    return qs


@dataclass
class ExportSource:
    """An edition's questions and the responses (with their answers) that go into one export.

    Each property or iteration costs one query; ``questions`` and ``explained`` are read once.
    """

    edition: SurveyEdition
    organisations: QuerySet[Municipality]
    statuses: tuple[str, ...]

    def _responses(self) -> QuerySet[Response]:
        return Response.objects.filter(
            edition=self.edition,
            status__in=self.statuses,
            municipality__in=self.organisations.values("pk"),
        )

    @cached_property
    def questions(self) -> list[Question]:
        """Every question of the edition in document order, with its section."""
        return list(
            Question.objects.filter(edition=self.edition)
            .select_related("section")
            .order_by("section__position", "position")
        )

    @cached_property
    def explained(self) -> set[int]:
        """Ids of the questions where some exported answer has an explanation."""
        return set(
            Answer.objects.filter(response__in=self._responses(), value__isnull=False)
            .exclude(explanation="")
            .values_list("question_id", flat=True)
            .distinct()
        )

    def responses(self) -> list[dict[str, Any]]:
        """The exported responses with their organisation, in organisation-number order."""
        return [
            dict(row)
            for row in self._responses()
            .order_by("municipality__number", "pk")
            .values(
                "pk",
                "status",
                "submitted_at",
                "municipality__number",
                "municipality__name",
                "municipality__kind",
                "municipality__county__number",
                "municipality__region__code",
            )
        ]

    def grouped(self) -> Iterator[tuple[dict[str, Any], dict[int, tuple[Any, str, str]]]]:
        """(response, {question id: (value, other text, explanation)}) per response, in the
        order of ``responses()``. Two queries; the answers are streamed, one response's at a
        time."""
        responses = self.responses()
        answers = iter(
            Answer.objects.filter(response__in=self._responses(), value__isnull=False)
            .order_by("response__municipality__number", "response_id")
            .values_list("response_id", "question_id", "value", "other_text", "explanation")
            .iterator(chunk_size=2000)
        )
        pending = next(answers, None)
        for response in responses:
            mine: dict[int, tuple[Any, str, str]] = {}
            while pending is not None and pending[0] == response["pk"]:
                mine[pending[1]] = (pending[2], pending[3], pending[4])
                pending = next(answers, None)
            yield response, mine


def export_source(
    edition: SurveyEdition,
    *,
    user: Any = None,
    region: Region | None = None,
    include_unsubmitted: bool = False,
) -> ExportSource:
    return ExportSource(
        edition=edition,
        organisations=edition_organisations(edition, user=user, region=region),
        statuses=SUBMITTED + (UNSUBMITTED if include_unsubmitted else ()),
    )


def _leading(edition: SurveyEdition, response: dict[str, Any]) -> list[Any]:
    submitted_at: dt.datetime | None = response["submitted_at"]
    return [
        edition.year,
        response["municipality__number"],
        response["municipality__name"],
        response["municipality__kind"],
        response["municipality__county__number"],
        response["municipality__region__code"],
        response["status"],
        timezone.localtime(submitted_at).isoformat(timespec="seconds") if submitted_at else None,
    ]


# --- Codes and labels ------------------------------------------------------------------------


def _scale_bounds(question: Question) -> tuple[int, int]:
    scale = question.config.get("scale", {})
    return scale.get("min", 1), scale.get("max", 5)


def value_codes(question: Question) -> list[tuple[Any, str]]:
    """(code, bokmål label) for every value a cell of the question's main column can hold; a
    scale point without a label of its own has ''. Free numbers and texts are not listed."""
    config = question.config
    kind = question.type
    codes: list[tuple[Any, str]] = []
    if kind in ("yes_no", "yes_no_grid"):
        codes = list(YES_NO_LABELS.items())
    elif kind in ("single", "multi", "rank"):
        codes = [(o["key"], localized(o["label"], LANGUAGE)) for o in question.options]
    elif kind in ("scale", "scale_grid"):
        low, high = _scale_bounds(question)
        scale = config.get("scale", {})
        ends = {low: localized(scale.get("min_label"), LANGUAGE)}
        ends[high] = localized(scale.get("max_label"), LANGUAGE)
        labels = scale.get("labels") or []
        if len(labels) == high - low + 1:
            ends = {low + i: localized(label, LANGUAGE) for i, label in enumerate(labels)}
            ends = {point: ("" if text == str(point) else text) for point, text in ends.items()}
        codes = [(point, ends.get(point, "")) for point in range(low, high + 1)]
    if kind in ("scale", "scale_grid", "single") and config.get("allow_not_relevant"):
        codes.append((qtypes.NOT_RELEVANT, NOT_RELEVANT_LABEL))
    if config.get("allow_dont_know") and kind not in ("rank", "scale_grid", "text", "textarea"):
        codes.append((qtypes.DONT_KNOW, DONT_KNOW_LABEL))
    return codes


def _codes_text(codes: Iterable[tuple[Any, str]]) -> str:
    return "; ".join(f"{code}={label}" if label else str(code) for code, label in codes)


def _labeller(question: Question) -> Callable[[Any], str]:
    """The function giving a single value's bokmål label (the long file's ``value_label``)."""
    labels = dict(value_codes(question))
    if question.type in ("integer", "percent"):

        def number_label(value: Any) -> str:
            if value in labels:
                return labels[value]
            with translation.override(LANGUAGE):
                return qtypes.display(question, value)

        return number_label
    if question.type in ("text", "textarea"):
        return lambda value: ""
    if question.type in ("scale", "scale_grid"):
        return lambda value: labels.get(value) or str(value)
    return lambda value: labels.get(value, str(value))


def _has_other(question: Question) -> bool:
    if question.type == "yes_no_grid":
        return any(i.get("other") for i in question.config.get("items", []))
    return question.type in ("single", "multi", "rank") and any(
        o.get("other") for o in question.options
    )


def _other_label(question: Question) -> str:
    if question.type == "yes_no_grid":
        listed = question.config.get("items", [])
    else:
        listed = question.options
    return next((localized(o["label"], LANGUAGE) for o in listed if o.get("other")), "")


def _other_keys(question: Question) -> set[str]:
    if question.type == "yes_no_grid":
        return {i["key"] for i in question.config.get("items", []) if i.get("other")}
    return {o["key"] for o in question.options if o.get("other")}


def _routing_conditions(show_if: dict[str, Any]) -> list[str]:
    def listed(values: Iterable[Any]) -> str:
        return "[" + ", ".join(str(v) for v in values) + "]"

    parts = []
    if "settlement_category" in show_if:
        parts.append(f"{SETTLEMENT_CATEGORY} i {listed(show_if['settlement_category'])}")
    if "kind" in show_if:
        parts.append(f"{ORGANISATION_KIND} i {listed(show_if['kind'])}")
    if "region" in show_if:
        parts.append(f"{REGION} i {listed(show_if['region'])}")
    for rule in show_if.get("answers", []):
        key = rule["question"] + (f".{rule['item']}" if "item" in rule else "")
        unanswered = {
            "show": " (vises når ubesvart)",
            "hide": " (skjules når ubesvart)",
        }.get(rule.get("if_unanswered", ""), "")
        if "answered" in rule:
            parts.append(f"{key} er besvart" if rule["answered"] else f"{key} er ikke besvart")
        elif "in" in rule:
            parts.append(f"{key} i {listed(rule['in'])}{unanswered}")
        elif "not_in" in rule:
            parts.append(f"{key} ikke i {listed(rule['not_in'])}{unanswered}")
    return parts


def routing_text(question: Question) -> str:
    """The question's routing, its section's and its own, as a line a person can read, e.g.
    ``Delen vises når: kommunetype i [municipality]. Spørsmålet vises når: has_plan i [yes]``."""
    out = []
    section_rules = _routing_conditions(question.section.show_if or {})
    if section_rules:
        out.append("Delen vises når: " + " og ".join(section_rules))
    own_rules = _routing_conditions(question.show_if or {})
    if own_rules:
        out.append("Spørsmålet vises når: " + " og ".join(own_rules))
    return ". ".join(out)


def _limits(question: Question) -> tuple[str, Any, Any]:
    """(unit, min, max) of the question's main value."""
    config = question.config
    if question.type == "integer":
        return localized(config.get("unit"), LANGUAGE), config.get("min"), config.get("max")
    if question.type == "percent":
        return "%", config.get("min", 0), config.get("max", 100)
    if question.type in ("scale", "scale_grid"):
        low, high = _scale_bounds(question)
        return "", low, high
    if question.type in ("text", "textarea"):
        return "tegn", None, config.get("max_length", 200 if question.type == "text" else 4000)
    return "", None, None


# --- Wide ------------------------------------------------------------------------------------

AnswerTuple = tuple[Any, str, str]  # value, other text, explanation


@dataclass(frozen=True)
class Column:
    """One column of the wide file: what it holds and how it is described in the codebook."""

    name: str
    question: Question
    part: str  # the option, place, item or side column; '' for the question's own value
    values: str
    cell: Callable[[AnswerTuple], Any]
    limits: bool = True  # the question's unit/min/max apply to this column


def _chosen(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _option_cell(key: str) -> Callable[[AnswerTuple], Any]:
    return lambda answer: int(key in _chosen(answer[0]))


def _place_cell(place: int) -> Callable[[AnswerTuple], Any]:
    def cell(answer: AnswerTuple) -> Any:
        ranked = _chosen(answer[0])
        return ranked[place - 1] if place <= len(ranked) else None

    return cell


def _item_cell(item: str) -> Callable[[AnswerTuple], Any]:
    return lambda answer: answer[0].get(item) if isinstance(answer[0], dict) else None


def question_columns(question: Question, explained: bool) -> list[Column]:
    """The wide file's columns for one question, in order."""
    key = question.key
    kind = question.type
    columns: list[Column] = []
    if kind == "multi":
        for option in question.options:
            columns.append(
                Column(
                    f"{key}__{option['key']}",
                    question,
                    localized(option["label"], LANGUAGE),
                    CHOSEN_CODES,
                    _option_cell(option["key"]),
                    limits=False,
                )
            )
        if question.config.get("allow_dont_know"):
            columns.append(
                Column(
                    f"{key}__{qtypes.DONT_KNOW}",
                    question,
                    DONT_KNOW_LABEL,
                    CHOSEN_CODES,
                    lambda a: int(a[0] == qtypes.DONT_KNOW),
                    limits=False,
                )
            )
    elif kind == "rank":
        option_codes = _codes_text(value_codes(question))
        for place in range(1, question.config.get("rank", len(question.options)) + 1):
            columns.append(
                Column(
                    f"{key}__{place}",
                    question,
                    f"Plass {place}",
                    option_codes,
                    _place_cell(place),
                )
            )
    elif kind in ("scale_grid", "yes_no_grid"):
        point_codes = _codes_text(value_codes(question))
        for item in question.config.get("items", []):
            columns.append(
                Column(
                    f"{key}__{item['key']}",
                    question,
                    localized(item["label"], LANGUAGE),
                    point_codes,
                    _item_cell(item["key"]),
                )
            )
    else:
        columns.append(
            Column(
                key,
                question,
                "",
                _codes_text(value_codes(question)),
                lambda a: a[0],
            )
        )
    if _has_other(question):
        columns.append(
            Column(
                f"{key}__other_text",
                question,
                f"Beskrivelse av «{_other_label(question)}»",
                "",
                lambda a: a[1] or None,
                limits=False,
            )
        )
    if explained:
        columns.append(
            Column(
                f"{key}__explanation",
                question,
                "Forklaring av et uventet tall",
                "",
                lambda a: a[2] or None,
                limits=False,
            )
        )
    return columns


def wide_columns(source: ExportSource) -> list[Column]:
    explained = source.explained
    return [
        column
        for question in source.questions
        for column in question_columns(question, question.pk in explained)
    ]


def wide_header(source: ExportSource) -> list[str]:
    return LEADING_COLUMNS + [c.name for c in wide_columns(source)]


def wide_rows(source: ExportSource) -> Iterator[list[Any]]:
    """One row per organisation: the leading columns, then every question's columns."""
    plan = [(c.question.pk, c.cell) for c in wide_columns(source)]
    for response, answers in source.grouped():
        row = _leading(source.edition, response)
        for question_id, cell in plan:
            answer = answers.get(question_id)
            row.append(None if answer is None else cell(answer))
        yield row


# --- Long ------------------------------------------------------------------------------------


def _long_values(
    question: Question, value: Any, other_text: str
) -> Iterator[tuple[Any, Any, Any, str]]:
    """(item, rank, value, other text) for each row one answer becomes."""
    kind = question.type
    if kind == "multi" and value != qtypes.DONT_KNOW:
        others = _other_keys(question)
        for key in _chosen(value):
            yield None, None, key, other_text if key in others else ""
    elif kind == "rank":
        others = _other_keys(question)
        for place, key in enumerate(_chosen(value), start=1):
            yield None, place, key, other_text if key in others else ""
    elif kind in ("scale_grid", "yes_no_grid") and isinstance(value, dict):
        others = _other_keys(question) if kind == "yes_no_grid" else set()
        for item, point in value.items():
            yield item, None, point, other_text if item in others and point == "yes" else ""
    else:
        yield None, None, value, other_text


def _memoised(label: Callable[[Any], str]) -> Callable[[Any], str | None]:
    """``label`` as the long file writes it (``None`` for ''), worked out once per value."""
    seen: dict[tuple[type, Any], str | None] = {}

    def cached(value: Any) -> str | None:
        try:
            key = (type(value), value)
            hash(key)
        except TypeError:
            return label(value) or None
        if key not in seen:
            seen[key] = label(value) or None
        return seen[key]

    return cached


def long_rows(source: ExportSource) -> Iterator[list[Any]]:
    """One row per organisation × answered question (and per option, place or item).

    Everything that depends on the question alone (its keys, its labels, the values' labels)
    is worked out once, before the first row: the loop itself only expands each answer.
    """
    plan = [
        (q.pk, q, [q.section.key, q.key, q.type], _memoised(_labeller(q))) for q in source.questions
    ]
    year = source.edition
    for response, answers in source.grouped():
        leading = _leading(year, response)
        for pk, question, keys, label in plan:
            answer = answers.get(pk)
            if answer is None:
                continue
            value, other_text, explanation = answer
            explanation = explanation or None
            for item, rank, code, other in _long_values(question, value, other_text):
                yield [
                    *leading,
                    *keys,
                    item,
                    rank,
                    code,
                    label(code),
                    other or None,
                    explanation,
                ]


# --- Codebook --------------------------------------------------------------------------------


def codebook_rows(source: ExportSource) -> Iterator[list[Any]]:
    """One row per column of the wide file."""
    regions = "; ".join(
        f"{code}={name}" for code, name in Region.objects.values_list("code", "name")
    )
    leading_values = {
        "kind": _codes_text(KIND_LABELS.items()),
        "region": regions,
        "response_status": _codes_text(STATUS_LABELS.items()),
    }
    for name in LEADING_COLUMNS:
        yield [
            name,
            None,
            None,
            None,
            LEADING_DESCRIPTIONS[name],
            None,
            None,
            leading_values.get(name) or None,
            None,
            None,
            None,
            None,
        ]
    for column in wide_columns(source):
        question = column.question
        unit, low, high = _limits(question) if column.limits else ("", None, None)
        yield [
            column.name,
            question.key,
            question.section.key,
            localized(question.section.title, LANGUAGE),
            localized(question.text, LANGUAGE),
            column.part or None,
            question.type,
            column.values or None,
            routing_text(question) or None,
            unit or None,
            low,
            high,
        ]


# --- Writers ---------------------------------------------------------------------------------


def _data(source: ExportSource, shape: str) -> tuple[list[str], Iterator[list[Any]]]:
    if shape == "long":
        return LONG_COLUMNS, long_rows(source)
    if shape == "wide":
        return wide_header(source), wide_rows(source)
    raise ValueError(f"unknown shape {shape!r}")


Progress = Callable[[int], None]
# How often a writer reports the rows written so far (a background export notes it on its job).
PROGRESS_EVERY = 5000


def _counted(rows: Iterable[list[Any]], progress: Progress | None) -> Iterator[list[Any]]:
    """``rows`` as they are, calling ``progress(rows so far)`` every ``PROGRESS_EVERY`` rows."""
    if progress is None:
        yield from rows
        return
    for count, row in enumerate(rows, start=1):
        yield row
        if count % PROGRESS_EVERY == 0:
            progress(count)


# The CSV ZIP goes out in pieces of about this many bytes (each ends with a whole row).
CSV_CHUNK_BYTES = 64 * 1024


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that keeps what is written to it until it is taken."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        part = bytes(data)
        self._parts.append(part)
        self.size += len(part)
        return len(part)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


def _csv_table(
    member: IO[bytes], header: list[str], rows: Iterable[list[Any]], sink: _Sink
) -> Generator[bytes, None, int]:
    """UTF-8 with a BOM (so Excel reads it as UTF-8), comma-separated, CRLF line ends. Each row
    is written as it is read; whenever the compressed bytes in ``sink`` reach
    ``CSV_CHUNK_BYTES`` they are yielded. Returns the number of rows."""
    text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
        count += 1
        if sink.size >= CSV_CHUNK_BYTES:
            yield sink.take()
    text.flush()
    text.detach()
    return count


def _csv_zip_pieces(
    source: ExportSource, header: list[str], rows: Iterator[list[Any]], counted: list[int]
) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("data.csv", "w", force_zip64=True) as member:
            counted.append((yield from _csv_table(member, header, rows, sink)))
        with archive.open("codebook.csv", "w") as member:
            yield from _csv_table(member, CODEBOOK_COLUMNS, codebook_rows(source), sink)
    yield sink.take()


class CsvZipStream:
    """A ZIP with ``data.csv`` and ``codebook.csv``, as pieces of bytes written while the answers
    are read: iterate over it to get them. The header is made at once (for the wide shape that
    reads the questions), so a failure there comes before the first byte; ``rows`` is the number
    of data rows, once the iteration has ended."""

    def __init__(
        self, source: ExportSource, shape: str, *, progress: Progress | None = None
    ) -> None:
        header, rows = _data(source, shape)
        self._counted: list[int] = []
        self._pieces = _csv_zip_pieces(source, header, _counted(rows, progress), self._counted)

    def __iter__(self) -> Iterator[bytes]:
        return (piece for piece in self._pieces if piece)

    @property
    def rows(self) -> int:
        if not self._counted:
            raise RuntimeError("the ZIP has not been written to its end")
        return self._counted[0]


def write_csv_zip(
    source: ExportSource, shape: str, out: IO[bytes], *, progress: Progress | None = None
) -> int:
    """The ``CsvZipStream`` written to ``out`` (which need not be seekable); returns the number
    of data rows."""
    stream = CsvZipStream(source, shape, progress=progress)
    for piece in stream:
        out.write(piece)
    return stream.rows


def write_xlsx(
    source: ExportSource, shape: str, out: IO[bytes], *, progress: Progress | None = None
) -> int:
    """A workbook with the sheets ``data`` and ``codebook``; returns the number of data rows.

    Written by ``portal.core.xlsx_stream``: the rows go into the file as they are read.
    """
    header, rows = _data(source, shape)
    with XlsxStreamWriter(out) as book:
        count = book.write_sheet("data", itertools.chain([header], _counted(rows, progress)))
        book.write_sheet("codebook", itertools.chain([CODEBOOK_COLUMNS], codebook_rows(source)))
    return count - 1


def write_export(
    source: ExportSource, *, fmt: str, shape: str, out: IO[bytes], progress: Progress | None = None
) -> int:
    """Write the export to a binary file; returns the number of data rows. ``progress`` is
    called with the number of data rows written every ``PROGRESS_EVERY`` rows."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}")
    if fmt == "csv":
        return write_csv_zip(source, shape, out, progress=progress)
    if fmt == "xlsx":
        return write_xlsx(source, shape, out, progress=progress)
    raise ValueError(f"unknown format {fmt!r}")


def export_filename(year: int, *, shape: str, fmt: str, region_code: str | None = None) -> str:
    """``kommuneundersokelsen-2026-wide.xlsx``, ``kommuneundersokelsen-2026-long-sor.zip``."""
    parts = ["kommuneundersokelsen", str(year), shape]
    if region_code:
        parts.append(region_code)
    return "-".join(parts) + "." + EXTENSIONS[fmt]
