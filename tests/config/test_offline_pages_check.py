"""``tests.offline.loads_from_elsewhere``, which the page tests use to say a page needs no
internet, finds what a page loads from another host and nothing else (a random CSRF token or
an SVG namespace is not a load)."""

import pytest

from tests.offline import loads_from_elsewhere


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example/a.js"></script>',
        "<link rel=stylesheet href='//cdn.example/a.css'>",
        '<img srcset="http://img.example/a.png 2x">',
        "<style>@import url(https://fonts.example/f.css);</style>",
        '<div style="background: url(//img.example/b.png)"></div>',
    ],
)
def test_a_load_from_another_host_is_found(html):
    assert loads_from_elsewhere(html)


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/a.js"></script>',
        '<input type="hidden" name="csrfmiddlewaretoken" value="x7CdNq">',
        '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        "<p>https://example.com is our site</p>",
    ],
)
def test_what_is_not_loaded_from_elsewhere_is_not_found(html):
    assert not loads_from_elsewhere(html)
