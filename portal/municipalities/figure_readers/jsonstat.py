"""SSB statistics bank tables as JSON-stat 2.0 (data.ssb.no/api/v0, "format": "json-stat2").

A dataset is a cube: ``id`` names the dimensions (Region, Tid, ContentsCode, …), ``size`` their
lengths, ``dimension[d].category.index`` the position of each code, and ``value`` the cells in
row-major order (a list, or a dict {position: value} when sparse). ``status`` marks cells
without a figure (".." missing, ":" suppressed, "." not applicable). Errors are placed by the
part of the document (``dimension.Region``) or the cell (``value[17] (Region 4204, Tid 2024)``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from portal.municipalities.figure_readers import common
from portal.municipalities.key_figure_import import MissingValue, ParsedRow, ParseResult

MAX_CELLS = 2_000_000
_TABLE = re.compile(r"^\s*(\d{5})\b")
# Dimensions whose categories are added up for a share (09817: immigrants + Norwegian-born to
# immigrant parents, each a share of the same population).
SUMMED_FOR_SHARE = {"InnvandrKat"}


class _Refused(Exception):
    def __init__(self, where: str, message: str):
        self.where, self.message = where, message


def parse(content: bytes, *, today: dt.date | None = None) -> ParseResult:
    result = ParseResult(format="ssb-jsonstat")
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar year, not an instant
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        result.error(0, "", _("The file is not UTF-8 text, so it is not a JSON-stat file."))
        return result
    except (json.JSONDecodeError, RecursionError) as exc:
        where = getattr(exc, "lineno", 0)
        result.error(
            where, "", _("is not valid JSON: %(reason)s") % {"reason": getattr(exc, "msg", exc)}
        )
        return result
    try:
        _read(document, result, today)
    except _Refused as exc:
        result.rows.clear()
        result.error(0, "", exc.message, position=exc.where)
    return result


def _categories(name: str, dimension: Any, size: int) -> tuple[list[str], dict[str, str]]:
    where = f"dimension.{name}"
    if not isinstance(dimension, dict) or not isinstance(dimension.get("category"), dict):
        raise _Refused(where, _("has no category (index and label)"))
    category = dimension["category"]
    index = category.get("index")
    labels = category.get("label") or {}
    if not isinstance(labels, dict):
        raise _Refused(where, _("category.label must be an object of code: label"))
    if index is None:
        if len(labels) != 1:
            raise _Refused(where, _("category.index is missing"))
        codes = [str(next(iter(labels)))]
    elif isinstance(index, list):
        codes = [str(code) for code in index]
    elif isinstance(index, dict):
        codes = [""] * len(index)
        for code, position in index.items():
            if (
                not isinstance(position, int)
                or isinstance(position, bool)
                or not 0 <= position < len(index)
                or codes[position]
            ):
                raise _Refused(
                    where, _("category.index gives “%(code)s” a wrong position") % {"code": code}
                )
            codes[position] = str(code)
    else:
        raise _Refused(where, _("category.index must be a list or an object"))
    if len(codes) != size:
        raise _Refused(
            where,
            _("has %(found)s categories, but size says %(size)s")
            % {"found": len(codes), "size": size},
        )
    return codes, {str(k): str(v) for k, v in labels.items()}


def _role(document: dict, dimensions: list[str], role: str, default: str) -> str | None:
    roles = document.get("role")
    if isinstance(roles, dict) and isinstance(roles.get(role), list) and roles[role]:
        candidate = roles[role][0]
        if candidate in dimensions:
            return str(candidate)
    return default if default in dimensions else None


def _table_id(document: dict) -> str:
    extension = document.get("extension")
    if isinstance(extension, dict) and isinstance(extension.get("px"), dict):
        table = extension["px"].get("tableid")
        if isinstance(table, str | int) and re.fullmatch(r"\d{5}", str(table)):
            return str(table)
    label = document.get("label")
    match = _TABLE.match(label) if isinstance(label, str) else None
    return match.group(1) if match else ""


def _read(document: Any, result: ParseResult, today: dt.date) -> None:
    if not isinstance(document, dict):
        raise _Refused("", _("The file is JSON, but not a JSON-stat dataset."))
    if document.get("class") != "dataset":
        raise _Refused("class", _("must be “dataset” (a JSON-stat 2.0 dataset)"))
    if str(document.get("version", "")) != "2.0":
        raise _Refused(
            "version",
            _("must be “2.0”; ask SSB's API for “json-stat2”, not “json-stat” (version 1)"),
        )
    ids, sizes = document.get("id"), document.get("size")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not ids:
        raise _Refused("id", _("must be a list of dimension names"))
    if (
        not isinstance(sizes, list)
        or len(sizes) != len(ids)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in sizes)
    ):
        raise _Refused("size", _("must be a list of whole numbers, one for each dimension in id"))
    if len(set(ids)) != len(ids):
        raise _Refused("id", _("names a dimension twice"))
    total = math.prod(sizes)
    if total > MAX_CELLS:
        raise _Refused("size", _("the table has too many cells (%(n)s)") % {"n": total})
    dimensions = document.get("dimension")
    if not isinstance(dimensions, dict):
        raise _Refused("dimension", _("is missing"))
    cats: dict[str, tuple[list[str], dict[str, str]]] = {}
    for name, size in zip(ids, sizes, strict=True):
        if name not in dimensions:
            raise _Refused(f"dimension.{name}", _("is missing"))
        cats[name] = _categories(name, dimensions[name], size)
    geo = _role(document, ids, "geo", "Region")
    time = _role(document, ids, "time", "Tid")
    metric = _role(document, ids, "metric", "ContentsCode")
    if geo is None:
        raise _Refused("dimension", _("has no region dimension (Region)"))
    if time is None:
        raise _Refused("dimension", _("has no time dimension (Tid)"))
    result.table_id = _table_id(document)
    result.title = str(document.get("label") or "")[:300]
    result.updated = str(document.get("updated") or "")[:40]
    result.columns = list(ids)
    summed = None
    for name, size in zip(ids, sizes, strict=True):
        if name in (geo, time, metric) or size <= 1:
            continue
        if name in SUMMED_FOR_SHARE and summed is None:
            summed = name
            continue
        raise _Refused(
            f"dimension.{name}",
            _(
                "the table is split by %(name)s (%(size)s values); ask for one value or the "
                "total (leave the variable out of the query)"
            )
            % {"name": name, "size": size},
        )
    # Which key figure each statistics variable is.
    fields: dict[str, str] = {}
    metric_codes, metric_labels = cats[metric] if metric else ([""], {})
    for code in metric_codes:
        label = metric_labels.get(code, code)
        field_name = common.ssb_variable(result.table_id, code, label)
        if field_name is None:
            raise _Refused(
                f"dimension.{metric}", common.unknown_variable(result.table_id, code, label)
            )
        fields[code] = field_name
    if summed is not None and set(fields.values()) != {"immigrant_share"}:
        raise _Refused(
            f"dimension.{summed}",
            _("only a share can be added up over %(name)s") % {"name": summed},
        )
    values = document.get("value")
    status = document.get("status")
    if isinstance(values, list):
        if len(values) != total:
            raise _Refused(
                "value",
                _("has %(found)s cells, but the sizes make %(total)s")
                % {"found": len(values), "total": total},
            )
        cells: dict[int, Any] = dict(enumerate(values))
    elif isinstance(values, dict):
        cells = {}
        for key, item in values.items():
            if not str(key).isdigit() or int(key) >= total:
                raise _Refused(
                    "value", _("has a cell at a position outside the table: %(key)s") % {"key": key}
                )
            cells[int(key)] = item
    else:
        raise _Refused("value", _("must be a list of cells (or an object of position: cell)"))

    def cell_status(i: int) -> str:
        if isinstance(status, str):
            return status
        if isinstance(status, list):
            return str(status[i]) if i < len(status) and status[i] is not None else ""
        if isinstance(status, dict):
            item = status.get(str(i))
            return str(item) if item is not None else ""
        return ""

    strides = [math.prod(sizes[k + 1 :]) for k in range(len(sizes))]
    rows: dict[tuple[str, int], ParsedRow] = {}
    shares: dict[tuple[str, int, str], list[Any]] = {}
    bad_regions: set[str] = set()
    for i in range(total):
        codes = {name: cats[name][0][(i // strides[k]) % sizes[k]] for k, name in enumerate(ids)}
        described = ", ".join(f"{name} {codes[name]}" for name in ids)
        where = f"value[{i}] ({described})"
        region_code = codes[geo]
        place = common.region(region_code)
        if place is None:
            if region_code not in bad_regions:
                bad_regions.add(region_code)
                result.error(
                    0,
                    geo,
                    _("“%(code)s” is not a municipality or city district number")
                    % {"code": region_code},
                    position=where,
                )
            continue
        if place.skip:
            label = f"{region_code} {cats[geo][1].get(region_code, '')}".strip()
            if label not in result.skipped:
                result.skipped.append(label)
            continue
        raw_year = codes[time]
        year = common.year(raw_year, today)
        if year is None:
            result.error(0, time, common.year_error(raw_year, today), position=where)
            continue
        field_name = fields[codes[metric]] if metric else next(iter(fields.values()), "")
        if not field_name:
            raise _Refused("dimension", _("has no statistics variable (ContentsCode)"))
        name = cats[geo][1].get(region_code, "")
        row = common.add_row(
            result, rows, number=place.number, year=year, line=0, position=where, label=name
        )
        raw = cells.get(i)
        symbol = cell_status(i)
        if raw is None:
            symbol = symbol if symbol in common.MISSING_SYMBOLS else ".."
            result.missing.append(MissingValue(where, place.number, year, field_name, symbol))
            if summed:
                shares.setdefault((place.number, year, field_name), []).append(None)
            continue
        if isinstance(raw, str) and raw.strip() in common.MISSING_SYMBOLS:
            result.missing.append(MissingValue(where, place.number, year, field_name, raw.strip()))
            continue
        if summed:
            shares.setdefault((place.number, year, field_name), []).append((where, raw))
            continue
        if field_name in row.values:
            result.error(0, field_name, _("a second value for the same cell"), position=where)
            continue
        try:
            row.values[field_name] = common.convert(field_name, raw)
        except ValueError as exc:
            result.error(0, field_name, str(exc), position=where)
    for (number, year, field_name), parts in shares.items():
        if any(part is None for part in parts):
            continue  # a part is missing: the sum is missing too (counted above)
        try:
            total_share = Decimal(0)
            for _where, raw in parts:
                total_share += Decimal(str(common.convert(field_name, raw)))
            rows[(number, year)].values[field_name] = common.convert(field_name, total_share)
        except (ValueError, TypeError) as exc:
            result.error(0, field_name, str(exc), position=parts[0][0])
    if not result.rows and not result.skipped and not result.error_count:
        result.error(0, "", _("The table has no cells."))
