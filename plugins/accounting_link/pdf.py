"""A sales document as a PDF in its language (fpdf2).

One or more A4 pages: the seller and the document's details, the buyer,
the lines (their heading repeated on each page), the VAT breakdown, the
totals and, on an invoice, the payment details with the reference and the
virtual barcode. Numbers and dates are formatted by babel for the language
(``1 234,56 €`` in Finnish). The labels are in a table here rather than in
the gettext catalogue, since a document goes out in the customer's
language whatever the user's.

The font is DejaVu Sans (Debian's fonts-dejavu-core) when installed, for any
Unicode text; otherwise fpdf2's built-in Helvetica in Windows-1252, which
still covers Finnish, Swedish and the euro sign (other characters print as ``?``).
DejaVu is parsed once per process and cut down per document by ``pdf_fonts``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_currency, format_decimal
from fpdf import FPDF
from fpdf.fonts import FontFace

from plugins.accounting_link import pdf_fonts
from plugins.accounting_link.document_data import DocumentData
from plugins.accounting_link.finvoice import barcode_of

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

TITLES = {
    "quote": {"fi": "TARJOUS", "sv": "OFFERT", "en": "QUOTE"},
    "order": {"fi": "TILAUSVAHVISTUS", "sv": "ORDERBEKRÄFTELSE", "en": "ORDER CONFIRMATION"},
    "invoice": {"fi": "LASKU", "sv": "FAKTURA", "en": "INVOICE"},
    "credit_note": {"fi": "HYVITYSLASKU", "sv": "KREDITNOTA", "en": "CREDIT NOTE"},
}
LABELS: dict[str, dict[str, str]] = {
    "number": {"fi": "Numero", "sv": "Nummer", "en": "Number"},
    "date": {"fi": "Päiväys", "sv": "Datum", "en": "Date"},
    "due_date": {"fi": "Eräpäivä", "sv": "Förfallodag", "en": "Due date"},
    "delivery_date": {"fi": "Toimituspäivä", "sv": "Leveransdag", "en": "Delivery date"},
    "credited": {"fi": "Hyvitettävä lasku", "sv": "Krediterad faktura", "en": "Credited invoice"},
    "reference": {"fi": "Viitenumero", "sv": "Referensnummer", "en": "Reference number"},
    "our_reference": {"fi": "Viitteemme", "sv": "Vår referens", "en": "Our reference"},
    "your_reference": {"fi": "Viitteenne", "sv": "Er referens", "en": "Your reference"},
    "contact_person": {"fi": "Yhteyshenkilö", "sv": "Kontaktperson", "en": "Contact person"},
    "salesperson": {"fi": "Myyjä", "sv": "Säljare", "en": "Salesperson"},
    "payment_terms": {"fi": "Maksuehto", "sv": "Betalningsvillkor", "en": "Payment terms"},
    "days_net": {"fi": "{days} päivää netto", "sv": "{days} dagar netto", "en": "{days} days net"},
    "penalty_interest": {"fi": "Viivästyskorko", "sv": "Dröjsmålsränta", "en": "Penalty interest"},
    "buyer": {"fi": "Asiakas", "sv": "Kund", "en": "Customer"},
    "business_id": {"fi": "Y-tunnus", "sv": "FO-nummer", "en": "Business ID"},
    "vat_number": {"fi": "ALV-tunniste", "sv": "Momsnummer", "en": "VAT number"},
    "einvoice_address": {
        "fi": "Verkkolaskuosoite",
        "sv": "E-fakturaadress",
        "en": "E-invoice address",
    },
    "einvoice_operator": {"fi": "Välittäjä", "sv": "Operatör", "en": "Operator"},
    "code": {"fi": "Koodi", "sv": "Kod", "en": "Code"},
    "description": {"fi": "Kuvaus", "sv": "Beskrivning", "en": "Description"},
    "quantity": {"fi": "Määrä", "sv": "Antal", "en": "Qty"},
    "unit": {"fi": "Yks.", "sv": "Enh.", "en": "Unit"},
    "unit_price": {"fi": "À-hinta", "sv": "À-pris", "en": "Unit price"},
    "discount": {"fi": "Ale %", "sv": "Rabatt %", "en": "Disc. %"},
    "vat_rate": {"fi": "ALV %", "sv": "Moms %", "en": "VAT %"},
    "net": {"fi": "Veroton", "sv": "Netto", "en": "Net"},
    "vat": {"fi": "ALV", "sv": "Moms", "en": "VAT"},
    "gross": {"fi": "Verollinen", "sv": "Brutto", "en": "Gross"},
    "vat_breakdown": {"fi": "Arvonlisävero", "sv": "Mervärdesskatt", "en": "VAT breakdown"},
    "net_total": {"fi": "Veroton yhteensä", "sv": "Netto totalt", "en": "Total excl. VAT"},
    "vat_total": {"fi": "ALV yhteensä", "sv": "Moms totalt", "en": "VAT total"},
    "gross_total": {"fi": "Yhteensä", "sv": "Totalt", "en": "Total"},
    "to_pay": {"fi": "Maksettava", "sv": "Att betala", "en": "Amount due"},
    "reverse_charge": {
        "fi": "Käännetty verovelvollisuus (AVL 8 b §)",
        "sv": "Omvänd skattskyldighet (MomsL 8 b §)",
        "en": "Reverse charge (VAT Act 8 b §)",
    },
    "payment": {"fi": "Maksutiedot", "sv": "Betalningsuppgifter", "en": "Payment details"},
    "recipient": {"fi": "Saaja", "sv": "Mottagare", "en": "Payee"},
    "account": {"fi": "Tilinumero", "sv": "Kontonummer", "en": "Account (IBAN)"},
    "barcode": {"fi": "Virtuaaliviivakoodi", "sv": "Virtuell streckkod", "en": "Virtual barcode"},
    "notes": {"fi": "Lisätiedot", "sv": "Tilläggsuppgifter", "en": "Notes"},
    "page": {"fi": "Sivu", "sv": "Sida", "en": "Page"},
}
DATE_FORMATS = {
    "fi": "{d.day}.{d.month}.{d.year}",
    "sv": "{d:%Y-%m-%d}",
    "en": "{d.day} {d:%b} {d.year}",
}


def money(value: Decimal, language: str, currency: str = "EUR") -> str:
    """``1234.5`` -> ``1 234,50 €`` in Finnish (babel's format for the language)."""
    return format_currency(value, currency, locale=language)


def decimal(value: Decimal, language: str) -> str:
    return format_decimal(value.normalize(), locale=language, group_separator=True)


def day(value: date, language: str) -> str:
    return DATE_FORMATS[language].format(d=value)


class DocumentPDF(FPDF):
    """A4 portrait; the seller's details and the page number in every footer."""

    def __init__(self, doc: DocumentData) -> None:
        super().__init__(format="A4")
        self.doc = doc
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=28)
        if (FONT_DIR / "DejaVuSans.ttf").exists():
            pdf_fonts.add_font(self, "body", "", FONT_DIR / "DejaVuSans.ttf")
            pdf_fonts.add_font(self, "body", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
            self.family = "body"
        else:
            self.core_fonts_encoding = "windows-1252"
            self.family = "helvetica"

    def normalize_text(self, text: str) -> str:
        """In the built-in font, a character Windows-1252 lacks is printed as ``?``."""
        if not self.is_ttf_font and self.core_fonts_encoding:
            return text.encode(self.core_fonts_encoding, errors="replace").decode("latin-1")
        return super().normalize_text(text)

    def label(self, key: str) -> str:
        return LABELS[key][self.doc.language]

    def footer(self) -> None:
        seller = self.doc.seller
        self.set_y(-22)
        self.set_font(self.family, "", 7.5)
        self.set_draw_color(160)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        address = seller.address
        parts = [
            seller.name,
            f"{address.street}, {address.postcode} {address.city}".strip(", "),
            f"{self.label('business_id')} {seller.business_id}" if seller.business_id else "",
            f"{self.label('vat_number')} {seller.vat_number}" if seller.vat_number else "",
        ]
        contact = [seller.phone, seller.email, f"IBAN {seller.iban}" if seller.iban else ""]
        self.cell(0, 5, " · ".join(p for p in parts if p), new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 4, " · ".join(p for p in contact if p))
        self.set_x(self.l_margin)
        self.cell(0, 4, f"{self.label('page')} {self.page_no()}/{{nb}}", align="R")


def _header(pdf: DocumentPDF, doc: DocumentData) -> None:
    lang = doc.language
    top = pdf.get_y()
    pdf.set_font(pdf.family, "B", 14)
    pdf.cell(95, 8, doc.seller.name)
    pdf.set_font(pdf.family, "B", 16)
    pdf.cell(0, 8, TITLES[doc.kind][lang], align="R", new_x="LMARGIN", new_y="NEXT")
    details: list[tuple[str, str]] = [
        (pdf.label("number"), doc.number),
        (pdf.label("date"), day(doc.issue_date, lang)),
    ]
    if doc.credited_number:
        details.append((pdf.label("credited"), doc.credited_number))
    if doc.delivery_date:
        details.append((pdf.label("delivery_date"), day(doc.delivery_date, lang)))
    if doc.due_date and doc.kind == "invoice":
        details.append((pdf.label("due_date"), day(doc.due_date, lang)))
    terms = doc.payment_terms
    if not terms and doc.payment_term_days is not None and doc.kind == "invoice":
        terms = pdf.label("days_net").format(days=doc.payment_term_days)
    if terms:
        details.append((pdf.label("payment_terms"), terms))
    if doc.kind == "invoice" and doc.seller.penalty_interest is not None:
        details.append(
            (pdf.label("penalty_interest"), f"{decimal(doc.seller.penalty_interest, lang)} %")
        )
    if doc.reference:
        details.append((pdf.label("reference"), doc.reference))
    for key, value in (
        ("our_reference", doc.our_reference),
        ("your_reference", doc.your_reference),
        ("contact_person", doc.contact_person),
        ("salesperson", doc.salesperson),
    ):
        if value:
            details.append((pdf.label(key), value))
    pdf.set_y(top + 12)
    _buyer(pdf, doc)
    buyer_bottom = pdf.get_y()
    pdf.set_y(top + 12)
    pdf.set_font(pdf.family, "", 9)
    for name, value in details:
        pdf.set_x(110)
        pdf.cell(38, 5, name)
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), buyer_bottom) + 6)


def _buyer(pdf: DocumentPDF, doc: DocumentData) -> None:
    buyer = doc.buyer
    address = buyer.billing_address
    pdf.set_font(pdf.family, "", 8)
    pdf.cell(85, 5, pdf.label("buyer"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "B", 10)
    pdf.multi_cell(85, 5, buyer.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    lines = [address.street, f"{address.postcode} {address.city}".strip()]
    if address.country and address.country != "FI":
        lines.append(address.country)
    if buyer.business_id:
        lines.append(f"{pdf.label('business_id')} {buyer.business_id}")
    if buyer.vat_number:
        lines.append(f"{pdf.label('vat_number')} {buyer.vat_number}")
    if buyer.einvoice_address:
        lines.append(f"{pdf.label('einvoice_address')} {buyer.einvoice_address}")
        lines.append(f"{pdf.label('einvoice_operator')} {buyer.einvoice_operator}")
    for text in lines:
        if text:
            pdf.cell(85, 5, text, new_x="LMARGIN", new_y="NEXT")


def _lines(pdf: DocumentPDF, doc: DocumentData) -> None:
    lang = doc.language
    pdf.set_font(pdf.family, "", 8.5)
    headings = (
        "code",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "discount",
        "vat_rate",
        "net",
    )
    bold = FontFace(emphasis="BOLD", fill_color=235)
    with pdf.table(
        col_widths=(16, 58, 14, 11, 20, 12, 13, 30),
        text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=bold,
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
    ) as table:
        table.row([pdf.label(h) for h in headings])
        for line in doc.lines:
            table.row(
                [
                    line.code,
                    line.description,
                    decimal(line.quantity, lang),
                    line.unit,
                    money(line.unit_price, lang, doc.currency),
                    decimal(line.discount_percent, lang) if line.discount_percent else "",
                    decimal(line.vat_rate, lang),
                    money(line.net, lang, doc.currency),
                ]
            )
    pdf.ln(4)


def _vat_and_totals(pdf: DocumentPDF, doc: DocumentData) -> None:
    lang, cur = doc.language, doc.currency
    pdf.set_font(pdf.family, "", 8.5)
    with pdf.table(
        width=100,
        align="LEFT",
        col_widths=(22, 26, 26, 26),
        text_align="RIGHT",
        headings_style=FontFace(emphasis="BOLD", fill_color=235),
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
    ) as table:
        table.row([pdf.label("vat_rate"), pdf.label("net"), pdf.label("vat"), pdf.label("gross")])
        for part in doc.vat_breakdown:
            table.row(
                [
                    decimal(part.rate, lang),
                    money(part.net, lang, cur),
                    money(part.vat, lang, cur),
                    money(part.gross, lang, cur),
                ]
            )
    pdf.ln(3)
    total_label = "to_pay" if doc.kind == "invoice" else "gross_total"
    for key, value, style in (
        ("net_total", doc.net_total, ""),
        ("vat_total", doc.vat_total, ""),
        (total_label, doc.gross_total, "B"),
    ):
        pdf.set_font(pdf.family, style, 10 if style else 9)
        pdf.set_x(110)
        pdf.cell(45, 6, pdf.label(key))
        pdf.cell(0, 6, money(value, lang, cur), align="R", new_x="LMARGIN", new_y="NEXT")
    if doc.reverse_charge:
        pdf.set_font(pdf.family, "B", 9)
        pdf.cell(0, 6, pdf.label("reverse_charge"), new_x="LMARGIN", new_y="NEXT")
    if doc.notes:
        pdf.ln(2)
        pdf.set_font(pdf.family, "B", 9)
        pdf.cell(0, 5, pdf.label("notes"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.family, "", 9)
        pdf.multi_cell(0, 5, doc.notes, new_x="LMARGIN", new_y="NEXT")


def _payment(pdf: DocumentPDF, doc: DocumentData) -> None:
    if doc.kind != "invoice" or not doc.seller.iban:
        return
    lang = doc.language
    if pdf.will_page_break(45):
        pdf.add_page()
    pdf.ln(4)
    pdf.set_draw_color(0)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.set_font(pdf.family, "B", 10)
    pdf.cell(0, 6, pdf.label("payment"), new_x="LMARGIN", new_y="NEXT")
    rows = [
        (pdf.label("recipient"), doc.seller.name),
        (
            pdf.label("account"),
            doc.seller.iban + (f"  BIC {doc.seller.bic}" if doc.seller.bic else ""),
        ),
        (pdf.label("reference"), doc.reference),
        (pdf.label("due_date"), day(doc.due_date, lang) if doc.due_date else ""),
        (pdf.label("to_pay"), money(doc.gross_total, lang, doc.currency)),
    ]
    code = barcode_of(doc)
    if code:
        rows.append((pdf.label("barcode"), code))
    for name, value in rows:
        if value:
            pdf.set_font(pdf.family, "", 9)
            pdf.cell(40, 5.5, name)
            pdf.set_font(pdf.family, "B", 9)
            pdf.cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")


def document_pdf(doc: DocumentData) -> bytes:
    """The PDF of ``doc``."""
    pdf = DocumentPDF(doc)
    pdf.set_title(f"{TITLES[doc.kind][doc.language]} {doc.number}")
    pdf.set_author(doc.seller.name)
    pdf.add_page()
    _header(pdf, doc)
    _lines(pdf, doc)
    _vat_and_totals(pdf, doc)
    _payment(pdf, doc)
    return bytes(pdf.output(output_producer_class=pdf_fonts.CutFontsOutput))
