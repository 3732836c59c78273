"""The start of a new cycle in a real browser: what changed since the previous edition, the
preview picked by name, and next year's draft — each page passing the accessibility scan."""

import io

import openpyxl
import pytest

from tests.e2e.conftest import assert_accessible, login

pytestmark = pytest.mark.e2e


def test_diff_preview_and_next_years_draft(page):
    login(page, "imdi-admin")
    page.goto("/direktoratet/undersokelser/2026/")
    assert_accessible(page)

    page.get_by_role("link", name="Hva er endret siden 2017").click()
    page.wait_for_url("**/2026/endringer/")
    assert page.locator("#diff-summary").inner_text().startswith("10 nye spørsmål")
    assert page.locator("main ins").count() > 0
    assert_accessible(page)
    # Another edition from the list, without JavaScript's help: a plain GET form.
    page.get_by_label("Sammenlign med utgaven fra").select_option("2014")
    with page.expect_navigation():
        page.get_by_role("button", name="Sammenlign").click()
    assert "fra=2014" in page.url
    assert page.locator("h1").inner_text() == "Endringer fra 2014 til 2026"
    assert_accessible(page)

    # The preview, chosen by name in the list grouped by county.
    page.goto("/direktoratet/undersokelser/2026/")
    page.locator("#preview-organisation").select_option(label="Kristiansand (4204)")
    with page.expect_navigation():
        page.locator("form[action$='/forhandsvisning/'] [type=submit]").first.click()
    assert page.url.endswith("/forhandsvisning/4204/")
    assert "Bosettingskategori" in page.locator("#preview-attributes").inner_text()
    assert_accessible(page)

    # Next year's draft, from this edition.
    page.goto("/direktoratet/undersokelser/2026/")
    with page.expect_navigation():
        page.get_by_role("button", name="Lag neste års utgave (2027)").click()
    assert page.url.endswith("/direktoratet/undersokelser/2027/")
    assert page.locator("h1").inner_text() == "IMDis kommuneundersøkelse 2027"
    assert_accessible(page)


def _column(sheet, name: str) -> int:
    return [cell.value for cell in sheet[1]].index(name) + 1


def _row_of(sheet, key: str) -> int:
    name = _column(sheet, "name")
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, name).value == key and sheet.cell(row, 1).value != "end_group":
            return row
    raise AssertionError(f"no row for {key}")


def test_next_years_edition_through_excel_previewed_and_opened(page, tmp_path):
    """The whole start of a cycle, as IMDi's survey team would do it: next year's draft from this
    year's, downloaded as Excel, a label and a routing rule changed there, uploaded back,
    compared, previewed and opened."""
    login(page, "imdi-admin")
    page.goto("/direktoratet/undersokelser/2026/")
    next_year = page.get_by_role("button", name="Lag neste års utgave (2027)")
    if next_year.count():  # the walk above may have made it already
        with page.expect_navigation():
            next_year.click()
    page.goto("/direktoratet/undersokelser/2027/")
    assert page.locator("h1").inner_text() == "IMDis kommuneundersøkelse 2027"

    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned som Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as downloaded:
        workbook = openpyxl.load_workbook(io.BytesIO(downloaded.read()))
    survey = workbook["survey"]
    row = _row_of(survey, "intro_result_target_other_definition")
    assert survey.cell(row, _column(survey, "relevant")).value == "intro_has_result_target = yes"
    survey.cell(
        row, _column(survey, "label::nb")
    ).value = "Beskriv kommunens mål hvis det er definert på en annen måte."
    survey.cell(row, _column(survey, "relevant")).value = "intro_has_result_target in (yes, no)"
    changed = tmp_path / "survey-2027.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    changed.write_bytes(buffer.getvalue())

    page.goto("/direktoratet/undersokelser/")
    page.locator("input[type=file]").set_input_files(str(changed))
    with page.expect_navigation():
        page.get_by_role("button", name="Last opp").click()
    assert page.url.endswith("/direktoratet/undersokelser/2027/"), page.locator("main").inner_text()
    assert "2027" in page.locator(".alert-success").inner_text()

    # What changed since 2026: exactly the reworded text and the new rule.
    page.goto("/direktoratet/undersokelser/2027/endringer/")
    main = page.locator("main").inner_text()
    assert "Beskriv kommunens mål" in main
    assert "ruting endret" in main.lower()
    assert_accessible(page)

    # The preview as Kristiansand: the question waits for an answer of yes or no.
    page.goto("/direktoratet/undersokelser/2027/forhandsvisning/4204/")
    question = page.locator("li", has_text="Beskriv kommunens mål hvis det er definert")
    assert question.count() == 1
    assert "Ja eller Nei" in question.inner_text() or "Ja, Nei" in question.inner_text(), (
        question.inner_text()
    )
    assert_accessible(page)

    # Open it: the launch e-mails go out and the status says so.
    page.goto("/direktoratet/undersokelser/2027/")
    with page.expect_navigation():
        page.get_by_role("button", name="Åpne og varsle på e-post").click()
    assert "Åpen" in page.locator("dl.facts").inner_text()
    assert "Undersøkelsen er åpen" in page.locator(".alert-success").inner_text()
    # Leave the shared database as the other browser tests expect it: 2027 closed again.
    with page.expect_navigation():
        page.get_by_role("button", name="Steng").click()
    assert "Stengt" in page.locator("dl.facts").inner_text()
