"""Every CSV the site writes goes through `writer()`: spreadsheet formula injection is neutralised (OWASP).

A cell that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice and Sheets as a
formula (`=HYPERLINK(...)` in a card holder's name runs when support opens the file), so such text gets a
leading single quote. Only text is touched: numbers (ints, Decimals from `amount()`) stay numbers, so a
negative amount is still -12.50 and not '-12.50."""

import csv
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value`, with a leading ' when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def amount(cents):
    """Integer cents as a number with two decimals for a CSV cell (-1250 → Decimal("-12.50"))."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


class _Writer:
    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(file):
    """A csv.writer on `file` whose rows have every cell passed through `safe_cell`."""
    return _Writer(file)


class _Echo:
    """A file that hands back what is written, so rows can be streamed one by one."""

    def write(self, value):
        return value


def csv_response(rows, *, filename):
    """A downloaded CSV of `rows` (an iterable of lists), written at once."""
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer(response).writerows(rows)
    return response


def csv_streaming_response(rows, *, filename):
    """A downloaded CSV of `rows` streamed as they are produced (for long statements)."""
    out = writer(_Echo())
    response = StreamingHttpResponse((out.writerow(row) for row in rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
