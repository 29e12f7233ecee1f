"""Every user-facing string has a Japanese translation, and the compiled catalogue is current."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    for block in text.split("\n\n"):
        msgid = "".join(re.findall(r'^(?:msgid |")(.*)"$', block.split("msgstr")[0], re.M))
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        yield block, msgid, ["".join(re.findall(r'"(.*)"', s)) for s in msgstrs]


def test_no_entry_is_untranslated_or_fuzzy():
    text = PO.read_text(encoding="utf-8")
    problems = [
        msgid
        for block, msgid, msgstrs in _entries(text)
        if msgid and (not msgstrs or not all(msgstrs) or "#, fuzzy" in block)
    ]
    assert problems == []


def test_the_compiled_catalogue_is_used():
    with translation.override("ja"):
        assert translation.gettext("Escalate") == "エスカレーション"
        assert translation.pgettext("case transition", "Close") == "完了"
        assert translation.gettext("Change History") == "変更履歴"
