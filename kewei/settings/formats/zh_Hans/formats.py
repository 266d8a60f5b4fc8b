"""Simplified Chinese formats that differ from Django's ``zh_Hans``.

- Bank staff write amounts and counts in groups of three with a comma (``29,970,000``),
  as on every statement and report; Django's ``zh_Hans`` groups nothing.
- The first input format is the one a widget writes its value in. An ``<input
  type="date">`` takes only ISO ``YYYY-MM-DD`` (``2025/12/07`` leaves it empty) and an
  ``<input type="datetime-local">`` ``YYYY-MM-DD HH:MM``, so ISO comes first; the
  other forms are still read from what a user types.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2016-09-05'
    "%Y/%m/%d",  # '2016/09/05'
    "%Y年%m月%d日",  # '2016年9月5日'
]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",  # '2016-09-05 20:45'
    "%Y-%m-%dT%H:%M",  # '2016-09-05T20:45', as an <input type="datetime-local"> sends it
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
]
