"""Caller lookup: phone numbers and furigana as callers say them and as the CTI sends them.

Phone numbers are reduced to their national significant number (``phonenumbers``, region JP):
``080-7289-6413``, ``08072896413``, ``０８０−７２８９−６４１３`` and ``+81 80 7289 6413`` all become
``8072896413``. Readings are folded to full-width katakana without spaces (``jaconv``): ``あべ``,
``アベ`` and ``ｱﾍﾞ`` all become ``アベ``. The same functions fill ``Customer.phone_digits`` and
``Customer.furigana_key`` on write and normalise the query on search.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv
import phonenumbers
from django.db.models import Q

REGION = "JP"
_NON_DIGITS = re.compile(r"\D")
_SPACES = re.compile(r"\s+")


def phone_key(raw: str) -> str:
    """The national significant number of ``raw`` (JP), or its digits when it does not parse."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and number.national_number:
        national = phonenumbers.national_significant_number(number).lstrip("0")
        if national:
            return national
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+81"):
        digits = digits[2:]
    return digits.lstrip("0")


def reading_key(raw: str) -> str:
    """``raw`` as full-width katakana without spaces: hiragana and half-width kana folded."""
    text = jaconv.h2z(raw or "", kana=True, ascii=False, digit=False)
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", jaconv.hira2kata(text))


def customer_lookup_q(term: str, prefix: str = "") -> Q:
    """Customers whose phone contains the digits of ``term`` or whose reading starts with it.

    ``prefix`` is the path to the customer (``"customer__"`` from a case). Returns an empty match
    (``Q(pk__in=[])``) when ``term`` gives neither digits nor a reading. A phone fragment is
    matched anywhere in the number (a trigram index on PostgreSQL); a reading is matched from its
    start (a ``varchar_pattern_ops`` index on PostgreSQL).
    """
    q = Q(pk__in=[])
    text = unicodedata.normalize("NFKC", term or "")
    if re.fullmatch(r"[\d\s+\-()‐‑–—ー−]+", text) and any(ch.isdigit() for ch in text):
        digits = phone_key(text)
        if digits:
            q |= Q(**{f"{prefix}phone_digits__contains": digits})
    else:
        reading = reading_key(term)
        if reading:
            q |= Q(**{f"{prefix}furigana_key__startswith": reading})
    return q
