"""The flow page exports to an A4 PDF (WeasyPrint) whose text holds the Japanese of the page:
checked with poppler's pdftotext (skipped when it is not installed; CI installs poppler-utils)."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from tests.factories import EscalationRuleFactory, make_sla_policy

PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")


@pytest.fixture
def pdf(client, org, operator, billing):
    EscalationRuleFactory(
        category=billing, target_team=org["l3"], guidance="請求の誤りは技術チームへ電話で一報"
    )
    make_sla_policy(always_open=False)
    client.force_login(operator)
    response = client.get(reverse("admin:escalations_flow_pdf"), {"category": billing.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="escalation-flow-')
    return response.content


def test_the_pdf_renders(pdf):
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-32:]


@pytest.mark.skipif(PDFTOTEXT is None, reason="needs pdftotext (apt-get install poppler-utils)")
def test_the_pdf_text_is_the_page_in_japanese(pdf, tmp_path):
    path = tmp_path / "flow.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    for expected in (
        "エスカレーションフロー",
        "生成日時",
        "階層・チーム・連絡先",
        "SVチーム",
        "請求の誤りは技術チームへ電話で一報",
        "エスカレーション先：請求・料金",
        "L2は営業時間で15分以内に受付し",
        "案件の状態と、状態を変更できる人",
        "回答・差し戻し",
    ):
        assert expected in text, expected


@pytest.mark.skipif(PDFINFO is None, reason="needs pdfinfo (apt-get install poppler-utils)")
def test_the_pdf_is_a4(pdf, tmp_path):
    path = tmp_path / "flow.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([PDFINFO, str(path)], capture_output=True, check=True, text=True).stdout
    assert "(A4)" in info
