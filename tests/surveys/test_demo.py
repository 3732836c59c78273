"""The shipped editions and the demo answers load, validly and idempotently."""

from surveys.demo import DEMO_USER_ORGANISATIONS, load_demo_answers, load_shipped_editions
from surveys.models import Answer, Response, SurveyEdition
from surveys.respondent import questions as qtypes
from surveys.respondent.services import _revalidate


def test_shipped_editions_load_once_with_their_statuses(db):
    assert [line.split(":")[1].strip() for line in load_shipped_editions()] == ["imported"] * 3
    assert dict(SurveyEdition.objects.values_list("year", "status")) == {
        2014: "closed",
        2017: "closed",
        2026: "open",
    }
    assert [line.split(":")[1].strip() for line in load_shipped_editions()] == ["unchanged"] * 3


def test_demo_answers_are_valid_and_loaded_once(db):
    from portal.municipalities.reference_data import load_reference_data

    load_reference_data()
    load_shipped_editions()
    created = load_demo_answers()
    assert created > 50
    assert load_demo_answers() == 0
    assert not Response.objects.filter(municipality__number__in=DEMO_USER_ORGANISATIONS).exists()
    for answer in Answer.objects.select_related("question")[:500]:
        value, _other = _revalidate(answer.question, answer.value, answer.other_text)
        assert value == answer.value, (answer.question.key, answer.value)
        assert qtypes.display(answer.question, answer.value)
