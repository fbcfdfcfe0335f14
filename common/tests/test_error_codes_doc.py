"""docs/ERRORS.md is the table `manage.py error_codes` writes from the code's exceptions."""

from __future__ import annotations

from common.management.commands.error_codes import OUTPUT, error_table


def test_the_committed_table_is_up_to_date():
    assert OUTPUT.read_text(encoding="utf-8") == error_table(), (
        "docs/ERRORS.md is stale: run `python manage.py error_codes --write`"
    )


def test_the_table_names_the_codes_clients_branch_on():
    table = error_table()

    for row in [
        "| `invoice_not_editable` | 409 |",
        "| `payment_exceeds_amount_due` | 409 |",
        "| `validation_error` | 400 |",
        "| `token_revoked` | 401 |",
        "| `not_found` | 404 |",
        "| `throttled` | 429 |",
        "| `busy` | 503 |",
    ]:
        assert row in table
    codes = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    assert codes == sorted(set(codes))  # one row per code
