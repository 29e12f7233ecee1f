"""An article body is Markdown rendered and sanitised: no script, no event handler, no
``javascript:`` link reaches a page, whatever the author wrote."""

import pytest
from django.urls import reverse

from knowledge.rendering import render_markdown

HOSTILE = """# 返品の手順

<script>alert("xss")</script>
<img src="x" onerror="alert(1)">
<a href="https://example.com/" onclick="steal()">公式サイト</a>
[クリック](javascript:alert(1))
<a href="JaVaScRiPt:alert(2)">もう一つ</a>
<iframe src="https://evil.example/"></iframe>
<p style="background:url(javascript:alert(3))" onmouseover="x()">本文</p>

**太字** と `コード`
"""


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "alert(" not in lowered
    assert "javascript:" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered and "onmouseover" not in lowered
    assert "<iframe" not in lowered and "<img" not in lowered and "style=" not in lowered


def test_rendering_keeps_markdown_and_drops_everything_unsafe():
    html = render_markdown(HOSTILE)

    assert_harmless(html)
    assert "<h1>返品の手順</h1>" in html
    assert "<strong>太字</strong>" in html
    assert "<code>コード</code>" in html
    assert 'href="https://example.com/"' in html


@pytest.fixture
def hostile_article(publish):
    return publish("返品の手順", HOSTILE)


def test_the_read_page_shows_no_script(client, operator, hostile_article):
    client.force_login(operator)
    response = client.get(reverse("admin:knowledge_article_read", args=[hostile_article.pk]))

    assert response.status_code == 200
    body = response.content.decode().split('id="article-body"')[1].split("</div>")[0]
    assert_harmless(body)
    assert "<strong>太字</strong>" in body


def test_the_change_page_previews_without_script(client, supervisor, hostile_article):
    client.force_login(supervisor)
    response = client.get(reverse("admin:knowledge_article_change", args=[hostile_article.pk]))

    assert response.status_code == 200
    for part in response.content.decode().split('class="article-body"')[1:]:
        assert_harmless(part.split("</div>")[0])
