"""The EPC QR code ("GiroCode", EPC069-12 version 002) that pays an invoice in one scan.

segno builds the payload and the symbol (error correction M, version ≤ 13, as the
guideline requires). Only EUR invoices of a seller with an IBAN get one, for a positive
amount: the amount due at issue on the PDF (fixed, like the rest of the document), the
live amount due on the customer's page and in the e-mail. Remittance = invoice number.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import segno
from segno import helpers

from documents.data import InvoiceDocument

# EPC069-12: beneficiary name at most 70 characters, amount 0.01 .. 999999999.99 EUR.
NAME_MAX = 70
AMOUNT_MIN = Decimal("0.01")
AMOUNT_MAX = Decimal("999999999.99")
# Pixels per module: a version 6 code (41 modules + the quiet zone of 4) is 196 px, shown
# at that size in the e-mail and scaled without smoothing on the page and the PDF.
SCALE = 4


@dataclass(frozen=True)
class EpcPayment:
    """What the code asks the banking app to transfer."""

    name: str
    iban: str
    bic: str
    amount: Decimal
    remittance: str

    def qr(self) -> segno.QRCode:
        return helpers.make_epc_qr(
            name=self.name,
            iban=self.iban,
            bic=self.bic or None,
            amount=self.amount,
            text=self.remittance,
        )

    def png(self) -> bytes:
        """A black-and-white PNG (`SCALE` pixels per module, quiet zone of 4 modules).

        PNG everywhere rather than SVG: mail clients do not show SVG, and the image a
        PDF embeds can be read back and decoded (documents/tests/test_epc_qr.py).
        """
        return _png(self)

    def png_data_uri(self) -> str:
        """For the PDF and the page (no request: the page's CSP allows `img-src data:`)."""
        return f"data:image/png;base64,{base64.b64encode(self.png()).decode('ascii')}"


def epc_payment(doc: InvoiceDocument, amount: Decimal) -> EpcPayment | None:
    """The transfer of `amount` for the invoice, or None where no code belongs.

    None for credit notes, drafts, other currencies than EUR, a seller without IBAN or
    name, and an amount outside what a SEPA credit transfer code can carry (paid: 0).
    """
    if doc.is_credit_note or doc.is_draft or not doc.number:
        return None
    iban = "".join(doc.payment_iban.split()).upper()
    name = (doc.seller.name or "").strip()[:NAME_MAX].strip()
    if doc.currency.upper() != "EUR" or not iban or not name:
        return None
    if not AMOUNT_MIN <= amount <= AMOUNT_MAX:
        return None
    bic = "".join(doc.payment_bic.split()).upper()
    return EpcPayment(
        name=name,
        iban=iban,
        bic=bic if len(bic) in (8, 11) else "",
        amount=amount,
        remittance=(doc.payment_reference or doc.number)[:140],
    )


@lru_cache(maxsize=256)
def _png(payment: EpcPayment) -> bytes:
    # segno spends ~25 ms choosing the mask and ~5 ms writing the PNG: the page, the
    # e-mails and the PDF of one amount share the image.
    buffer = io.BytesIO()
    payment.qr().save(buffer, kind="png", scale=SCALE, border=4)
    return buffer.getvalue()
