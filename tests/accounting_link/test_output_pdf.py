"""The PDF of a document, read back as text: labels in its language, Finnish number formats."""

import io
import re
from dataclasses import replace

import pypdf

from plugins.accounting_link import pdf
from plugins.accounting_link.pdf import document_pdf
from tests.accounting_link import output_samples as samples


def pages_text(doc) -> list[str]:
    """Each page's text, non-breaking spaces as plain ones."""
    reader = pypdf.PdfReader(io.BytesIO(document_pdf(doc)))
    return [re.sub(r"[\u00a0\u202f]", " ", page.extract_text()) for page in reader.pages]


def test_finnish_invoice_shows_lines_vat_breakdown_totals_and_payment_details():
    (text,) = pages_text(samples.several_rates_invoice())
    assert "LASKU" in text
    assert "Äänekosken Sähkö Oy" in text
    assert "Eräpäivä 16.3.2026" in text
    assert "HS-1 Huoltosopimus 1 kpl 1 200,00 € 25,5 1 200,00 €" in text
    assert "25,5 1 200,00 € 306,00 € 1 506,00 €" in text
    assert "14 54,00 € 7,56 € 61,56 €" in text
    assert "Veroton yhteensä 1 632,00 €" in text
    assert "ALV yhteensä 321,36 €" in text
    assert "Maksettava 1 953,36 €" in text
    assert "Viitenumero 1 00421" in text
    assert "Tilinumero FI79 4405 2020 0360 82" in text
    assert "Virtuaaliviivakoodi 479440520200360820019533600000000000000000100421260316" in text
    assert "Y-tunnus 1234567-1" in text


def test_swedish_invoice_has_swedish_labels_and_formats():
    (text,) = pages_text(samples.ordinary_invoice(language="sv"))
    assert "FAKTURA" in text
    assert "Förfallodag 2026-03-16" in text
    assert "Att betala 364,83 €" in text
    assert "Referensnummer 1 00421" in text
    assert "Moms totalt 74,13 €" in text


def test_english_reverse_charge_invoice_says_the_buyer_pays_the_vat():
    (text,) = pages_text(samples.reverse_charge_invoice())
    assert "INVOICE" in text
    assert "Reverse charge (VAT Act 8 b §)" in text
    assert "VAT total €0.00" in text
    assert "Göteborgs Verktyg AB" in text
    assert "VAT number SE556677889901" in text


def test_credit_note_has_negative_totals_and_no_payment_slip():
    (text,) = pages_text(samples.credit_note())
    assert "HYVITYSLASKU" in text
    assert "Hyvitettävä lasku 10042" in text
    assert "Yhteensä -85,34 €" in text
    assert "Maksutiedot" not in text
    assert "Virtuaaliviivakoodi" not in text


def test_a_long_document_runs_over_pages_with_headings_and_page_numbers():
    lines = [samples.line(f"Varaosa {n}", "1", "10.00", "25.5", code=f"V-{n}") for n in range(80)]
    texts = pages_text(samples.document(lines))
    assert len(texts) >= 2
    with_lines = [t for t in texts if "Varaosa" in t]
    assert len(with_lines) >= 2
    assert all("Koodi Kuvaus Määrä" in t for t in with_lines)
    assert f"Sivu 1/{len(texts)}" in texts[0]
    assert f"Sivu {len(texts)}/{len(texts)}" in texts[-1]
    assert "Varaosa 79" in with_lines[-1]
    assert "Maksettava 1 004,00 €" in texts[-1]


def test_quote_has_its_title_and_no_payment_details():
    quote = replace(
        samples.ordinary_invoice(),
        kind="quote",
        reference="",
        due_date=None,
        notes="Toimitus Łódźiin",
    )
    (text,) = pages_text(quote)
    assert "TARJOUS" in text
    assert "Toimitus Łódźiin" in text
    assert "Yhteensä 364,83 €" in text
    assert "Eräpäivä" not in text
    assert "Maksutiedot" not in text


def test_without_dejavu_the_builtin_font_still_prints_finnish_and_euros(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    doc = samples.ordinary_invoice()
    doc = replace(doc, notes="Toimitus Łódźiin")
    reader = pypdf.PdfReader(io.BytesIO(pdf.document_pdf(doc)))
    text = reader.pages[0].extract_text().replace("\u00a0", " ")
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert {fonts[name].get_object()["/BaseFont"] for name in fonts} == {
        "/Helvetica",
        "/Helvetica-Bold",
    }
    assert "Äänekosken Sähkö Oy" in text
    assert "Maksettava 364,83 €" in text
    assert "Toimitus ?ód?iin" in text


def _embedded_glyph_count(data: bytes) -> dict[str, int]:
    """Each embedded face's glyph count, by its base font name."""
    from fontTools.ttLib import TTFont

    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    counts = {}
    for name in fonts:
        font = fonts[name].get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        stream = descriptor["/FontFile2"].get_object().get_data()
        counts[str(font["/BaseFont"])] = len(TTFont(io.BytesIO(stream)).getGlyphOrder())
    return counts


def test_documents_made_one_after_another_each_embed_only_their_own_glyphs():
    """The faces are parsed once per process; what one PDF prints never enters another's font."""
    plain = samples.ordinary_invoice()
    cyrillic = replace(plain, notes="Доставка: Иван Петров, Санкт-Петербург")
    first = document_pdf(plain)
    with_names = document_pdf(cyrillic)
    again = document_pdf(plain)
    assert _embedded_glyph_count(again) == _embedded_glyph_count(first)
    regular = next(name for name in _embedded_glyph_count(first) if "Bold" not in name)
    assert _embedded_glyph_count(with_names)[regular] > _embedded_glyph_count(first)[regular] + 15
    text = pypdf.PdfReader(io.BytesIO(with_names)).pages[0].extract_text()
    assert "Иван Петров, Санкт-Петербург" in text
    assert "Иван" not in pypdf.PdfReader(io.BytesIO(again)).pages[0].extract_text()


def test_a_pdf_after_the_first_costs_milliseconds_not_a_font_parse():
    """The second and later PDFs skip parsing DejaVu: a fraction of the first one's time."""
    import time

    from plugins.accounting_link import pdf_fonts

    pdf_fonts.reset()
    doc = samples.several_rates_invoice()
    start = time.process_time()
    document_pdf(doc)
    first = time.process_time() - start
    start = time.process_time()
    for _ in range(5):
        document_pdf(doc)
    later = (time.process_time() - start) / 5
    assert later < first / 3
