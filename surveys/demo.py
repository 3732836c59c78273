"""The shipped editions: 2014 and 2017 rebuilt from IMDi's reports (closed), and a demo edition
for the current year (open)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from surveys.editions.definition import parse_definition
from surveys.editions.services import _earlier_question, edition_import, edition_set_status
from surveys.models import Answer, Response, SurveyEdition
from surveys.respondent.selectors import edition_organisations

EDITIONS_DIR = Path(__file__).resolve().parent / "editions"
SHIPPED = [
    ("2014.yaml", SurveyEdition.Status.CLOSED),
    ("2017.yaml", SurveyEdition.Status.CLOSED),
    ("2026.yaml", SurveyEdition.Status.OPEN),
]


@transaction.atomic
def load_shipped_editions() -> list[str]:
    lines = []
    for name, status in SHIPPED:
        content = (EDITIONS_DIR / name).read_bytes()
        definition = parse_definition(content, earlier_question=_earlier_question)
        edition = SurveyEdition.objects.filter(year=definition["year"]).first()
        if edition is not None and edition.definition == definition:
            lines.append(f"{name}: unchanged")
        elif edition is not None and Answer.objects.filter(response__edition=edition).exists():
            lines.append(f"{name}: has answers, left as it is")
        else:
            edition = edition_import(actor=None, content=content, source=f"shipped {name}")
            lines.append(f"{name}: imported")
        if edition.status != status:
            edition_set_status(actor=None, edition=edition, status=status)
    return lines


# Organisations the demo users answer for themselves are left untouched.
DEMO_USER_ORGANISATIONS = {"4204", "4601", "030101"}


@transaction.atomic
def load_demo_answers(
    *, year: int = 2026, share_submitted: float = 0.45, share_started: float = 0.2
) -> int:
    """Illustrative answers for the demo edition, so the follow-up and analysis pages have
    something to show. Deterministic (seeded), idempotent, and only for organisations that
    have not answered; never for the demo users' own organisations."""
    import random

    edition = SurveyEdition.objects.filter(year=year).first()
    if (
        edition is None
        or Response.objects.filter(edition=edition)
        .exclude(municipality__number__in=DEMO_USER_ORGANISATIONS)
        .exists()
    ):
        return 0
    rng = random.Random(year)  # noqa: S311 - demo data, not security
    questions = [
        q for q in edition.questions.order_by("position") if not q.show_if and not q.section.show_if
    ]
    created = 0
    for municipality in edition_organisations(edition).order_by("number"):
        if municipality.number in DEMO_USER_ORGANISATIONS:
            continue
        roll = rng.random()
        if roll >= share_submitted + share_started:
            continue
        submitted = roll < share_submitted
        now = timezone.now()
        response = Response.objects.create(
            edition=edition,
            municipality=municipality,
            status=Response.Status.SUBMITTED if submitted else Response.Status.IN_PROGRESS,
            submitted_at=now if submitted else None,
            submitted_on_behalf_of="Demo" if submitted else "",
            receipt_sent_at=now if submitted else None,
        )
        chosen = questions if submitted else questions[: len(questions) // 2]
        Answer.objects.bulk_create(
            [
                Answer(
                    response=response,
                    municipality=municipality,
                    question=q,
                    value=_demo_value(q, rng),
                )
                for q in chosen
                if rng.random() < 0.9
            ]
        )
        created += 1
    return created


def _demo_value(question, rng):
    config = question.config
    keys = [o["key"] for o in config.get("options", []) if not o.get("other")]
    kind = question.type
    if kind == "yes_no":
        return rng.choice(["yes", "yes", "no"])
    if kind == "single":
        return rng.choice(keys)
    if kind == "multi":
        exclusive = {o["key"] for o in config["options"] if o.get("exclusive")}
        pool = [k for k in keys if k not in exclusive] or keys
        least = min(len(pool), config.get("min_choices") or 1)
        most = max(least, config.get("max_choices") or 2)
        return sorted(
            rng.sample(pool, min(len(pool), rng.randint(least, most))),
            key=keys.index,
        )
    if kind == "rank":
        return rng.sample(keys, min(len(keys), config["rank"]))
    if kind == "yes_no_grid":
        return {
            # "other" needs a description the demo does not invent
            item["key"]: "no" if item.get("other") else rng.choice(["yes", "no"])
            for item in config["items"]
        }
    if kind == "integer":
        low, high = int(config.get("min", 0)), int(min(config.get("max", 60), 60))
        return rng.randint(low, max(low, high))
    if kind == "percent":
        return rng.choice([50, 55, 60, 65, 70, 75])
    if kind == "scale":
        return rng.choice([2, 3, 3, 4, 4, 5])
    if kind == "scale_grid":
        return {item["key"]: rng.choice([2, 3, 4, 4, 5]) for item in config["items"]}
    return rng.choice(
        [
            "Mer forutsigbarhet i anmodningene",
            "Bedre veiledning om kvalifisering",
            "Flere møteplasser",
        ]
    )
