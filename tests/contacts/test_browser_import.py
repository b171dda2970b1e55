"""The customer CSV import in a real browser: a wide file's preview fits the page, the valid
rows are imported and the refused ones downloaded with the reasons."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import committed_member, keep_screenshots, needs_chromium, signed_in_page

pytestmark = needs_chromium

HEADERS = [
    "Nimi",
    "Y-tunnus",
    "Sähköposti",
    "Puhelin",
    "Kotisivu",
    "Toimiala",
    "Katuosoite",
    "Postinumero",
    "Postitoimipaikka",
    "Tagit",
    "Lisätieto 1",
    "Lisätieto 2",
]


def _wide_file(tmp_path: Path) -> Path:
    long = "Hyvin pitkä kuvaus, jota ei ole tarkoitus näyttää kokonaan esikatselussa " * 3
    rows = [
        ["Rakennus Virtanen Oy", "2077474-0", "info@virtanen.fi", "040 123 4567"],
        ["Väärä Tarkiste Oy", "2077474-1", "", ""],
        ["Kahvila Kuppi", "", "kuppi@", ""],
    ]
    lines = [";".join(HEADERS)]
    for row in rows:
        cells = row + ["https://www.example.fi/" + "a" * 60, "Rakentaminen", long, "33100"]
        cells += ["Tampere", "rakennus", long, long]
        lines.append(";".join(cells))
    path = tmp_path / "asiakkaat.csv"
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.fixture
def importer(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    with committed_member(db_engine, myynti_registry, plugins=("contacts",), locale="fi") as m:
        yield {"slug": m.slugs[0], "email": m.email}


def test_a_wide_file_fits_and_its_refused_rows_download_with_reasons(
    browser, server, importer, tmp_path
):
    page = signed_in_page(browser, server, importer["email"])
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"{server}/t/{importer['slug']}/customers/import")
    page.set_input_files("input[type=file]", str(_wide_file(tmp_path)))
    with page.expect_navigation():
        page.locator("#import-upload button[type=submit]").click()

    with page.expect_navigation():
        page.get_by_role("button", name="Tarkista rivit").click()
    expect(page.locator(".import-report")).to_contain_text("2 riviä on korjattava")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the preview scrolls inside itself, not the page"
    keep_screenshots(page, "customer-import-check")

    with page.expect_navigation():
        page.get_by_role("button", name="Tuo kunnossa olevat rivit").click()
    expect(page.locator(".flash")).to_have_text("1 asiakasta tuotu; 2 riviä jäi tuomatta.")
    keep_screenshots(page, "customer-import-refused")
    with page.expect_download() as download:
        page.locator("#refused-download").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [*HEADERS, "Miksi riviä ei tuotu"]
    assert [(row[0], row[-1]) for row in rows[1:]] == [
        ("Väärä Tarkiste Oy", "Y-tunnuksen tarkistusmerkki on väärä."),
        ("Kahvila Kuppi", "Anna kelvollinen sähköpostiosoite."),
    ]

    page.goto(f"{server}/t/{importer['slug']}/customers")
    expect(page.locator("table.customers tbody tr")).to_have_count(1)
