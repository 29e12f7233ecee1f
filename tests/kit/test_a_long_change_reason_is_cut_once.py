"""The change reason has one length limit, owned by ``kit.audit``: a long comment is cut once,
with an ellipsis, to the history column's length; its whole text is the note on the timeline."""

from escalations import services
from escalations.models import CaseNote, NoteKind
from kit.audit import REASON_MAX_LENGTH, change_reason


def test_a_reason_that_fits_is_kept_as_it_is():
    assert change_reason("start_work: 折り返し済み") == "start_work: 折り返し済み"
    assert change_reason("あ" * REASON_MAX_LENGTH) == "あ" * REASON_MAX_LENGTH


def test_a_long_reason_is_cut_to_the_column_with_an_ellipsis():
    cut = change_reason("い" * 500)

    assert len(cut) == REASON_MAX_LENGTH
    assert cut.endswith("…")
    assert change_reason(cut) == cut  # cutting again changes nothing


def test_a_long_resolution_keeps_its_whole_text_on_the_timeline(case, operator):
    resolution = "再起動の手順をご案内し、正常に動作することを確認した。" * 20

    services.case_resolve(case=case, actor=operator, resolution=resolution)

    row = case.history.latest()
    assert len(row.history_change_reason) == REASON_MAX_LENGTH
    assert row.history_change_reason.startswith("resolve: 再起動の手順")
    note = CaseNote.objects.get(case=case, kind=NoteKind.STATUS)
    assert note.body == resolution
    assert note.transition_id == row.history_id  # the note names the transition it belongs to
