"""The packed postings written one document at a time (publish, revise and publish again,
archive, resolve a case) are exactly those a full rebuild of the index would write, so search
never finds an archived article nor misses a new version's words; a document spans its own
block only."""

from escalations import services as case_services
from knowledge import postings, services
from knowledge.indexing import weighted_grams
from knowledge.models import SearchDocument, SearchPosting
from knowledge.search import search


def stored():
    return {
        (row.kind, row.gram, row.block): (row.count, bytes(row.documents), bytes(row.titles))
        for row in SearchPosting.objects.all()
    }


def rebuilt():
    rows = {}
    for kind in (1, 2):
        documents = [
            (pk, weighted_grams(title, body))
            for pk, title, body in SearchDocument.objects.filter(kind=kind)
            .order_by("pk")
            .values_list("pk", "title", "body")
        ]
        for gram, block, count, packed, titles in postings.build(documents):
            rows[(kind, gram, block)] = (count, packed, titles)
    return rows


def test_writes_one_document_at_a_time_equal_a_rebuild(publish, operator, supervisor, manager):
    kept = publish("返品の受付方法", "商品到着から30日以内であれば返品を受け付けます。")
    revised = publish("解約の手続き", "解約は会員ページで受け付けます。")
    archived = publish("冷蔵庫の霜取り", "霜が厚くなった場合は電源を切ってください。")
    assert stored() == rebuilt()

    services.article_revise(article=revised, actor=supervisor)
    services.article_update(article=revised, actor=operator, title="退会の手続き", body="書面で。")
    services.article_submit(article=revised, actor=operator)
    services.article_approve(article=revised, actor=supervisor)
    services.article_archive(article=archived, actor=manager)

    assert stored() == rebuilt()
    assert [h.pk for h in search("霜", user=operator, include_cases=False)] == []
    assert [h.pk for h in search("退会", user=operator, include_cases=False)] == [revised.pk]
    assert [h.pk for h in search("解約", user=operator, include_cases=False)] == []
    assert [h.pk for h in search("返品", user=operator, include_cases=False)] == [kept.pk]


def test_a_case_resolved_again_is_written_again(case, operator):
    case_services.case_resolve(case=case, actor=operator, resolution="日割りの説明で納得")
    assert SearchPosting.objects.filter(kind=2).exists()
    assert stored() == rebuilt()

    case_services.case_reopen(case=case, actor=operator, reason="再度の問い合わせ")
    case.subject = "請求額が違う（再）"
    case_services.case_resolve(case=case, actor=operator, resolution="再説明")

    assert stored() == rebuilt()


def test_the_rows_hold_two_bytes_a_document_and_one_row_a_gram_and_block(publish):
    for number in range(3):
        publish(f"返品の受付方法{number}", "返品を受け付けます。")

    row = SearchPosting.objects.get(kind=1, gram="返品")
    assert (row.count, len(bytes(row.documents)), len(bytes(row.titles))) == (3, 6, 6)
