"""Every user-facing string has a Japanese translation, and the compiled catalogue is current."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def _untranslated(block: str) -> bool:
    """A block whose msgstr (or one of its plural forms) is empty, or that is fuzzy."""
    lines = block.strip().splitlines()
    for i, line in enumerate(lines):
        if re.match(r'^msgstr(\[\d\])? ""$', line):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if not following.startswith('"'):
                return True
    return "#, fuzzy" in block


def test_no_entry_is_untranslated_or_fuzzy():
    blocks = PO.read_text(encoding="utf-8").split("\n\n")[1:]  # the first is the header
    assert [block for block in blocks if _untranslated(block)] == []


def test_the_compiled_catalogue_is_used():
    with translation.override("ja"):
        assert translation.gettext("Escalate") == "エスカレーション"
        assert translation.pgettext("case transition", "Close") == "完了"
        assert translation.gettext("Change History") == "変更履歴"
