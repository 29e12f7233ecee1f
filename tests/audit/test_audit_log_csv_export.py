"""The CSV export: the filtered rows, UTF-8 with a BOM so Excel reads the Japanese, and cells
that Excel would run as formulas escaped with a leading '."""

import csv
import io

import pytest
from django.urls import reverse

from kit.export import escape_cell
from tests.factories import CustomerFactory

URL = "admin:audit_auditlog_export"


def exported(client, **params):
    response = client.get(reverse(URL), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+81-3-1234", "'+81-3-1234"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tinjected", "'\tinjected"),
        ("\rinjected", "'\rinjected"),
        ("山田 太郎", "山田 太郎"),
        ("", ""),
        ("a=b", "a=b"),
        ('＝HYPERLINK("http://x")', '\'＝HYPERLINK("http://x")'),
        ("＋81", "'＋81"),
        ("－1", "'－1"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("\ufeff=1+1", "'\ufeff=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\u3000=1+1", "'\u3000=1+1"),
        ("\u200b@x", "'\u200b@x"),
        ("\ninjected", "'\ninjected"),
        ("  山田", "  山田"),
        ("ＡＢＣ", "ＡＢＣ"),
    ],
)
def test_cells_excel_would_run_are_escaped(value, escaped):
    assert escape_cell(value) == escaped


def test_the_export_has_the_filtered_rows_in_japanese_with_formulas_escaped(
    client, operator, manager
):
    customer = CustomerFactory(name="山田 太郎")
    customer.name = "=cmd|' /C calc'!A0"
    customer._history_user = operator
    customer._change_reason = "@電話で訂正"
    customer.save()
    CustomerFactory(name="対象外")
    client.force_login(manager)

    rows = exported(client, model="escalations.customer", object=str(customer.pk))

    header, *data = rows
    assert header == [
        *["日時", "利用者", "操作", "モデル"],
        *["オブジェクト", "オブジェクトID", "理由", "変更内容"],
    ]
    assert len(data) == 2
    changed, created = data
    assert changed[1:7] == [
        "佐藤 一郎",
        "変更",
        "お客様",
        "'=cmd|' /C calc'!A0",
        str(customer.pk),
        "'@電話で訂正",
    ]
    assert changed[7] == "名前: 山田 太郎 → =cmd|' /C calc'!A0"
    assert created[2] == "作成"
    assert "名前: 山田 太郎" in created[7].splitlines()


def test_an_export_of_many_rows_reads_them_a_page_at_a_time(
    client, manager, django_assert_max_num_queries
):
    for i in range(1200):
        CustomerFactory(name=f"顧客{i}")
    client.force_login(manager)

    # session, user, permissions; per 500 rows: keys, rows, previous versions, names
    with django_assert_max_num_queries(4 + 3 * 4 + 4):
        rows = exported(client, model="escalations.customer")

    assert len(rows) == 1 + 1200
