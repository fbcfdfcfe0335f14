"""E-invoices: UBL 2.1 (Peppol BIS Billing 3.0) and CII / Factur-X (EN 16931), and their validation.

Modules: ``ubl.build_ubl``, ``cii.build_cii``, ``facturx.embed_cii_in_pdf`` and
``validation`` (XSD + official schematron). Nothing is imported here, so that using one
syntax does not load the libraries of the others.
"""
