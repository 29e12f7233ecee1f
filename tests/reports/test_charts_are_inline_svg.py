"""Charts are inline SVG drawn on the server: bars proportional to the values, labels escaped."""

from reports.charts import BAR_WIDTH, bar_chart


def test_bars_are_proportional_and_labels_escaped():
    svg = bar_chart(
        [("知識不足<script>", 4, "4"), ("クレーム", 1, "1"), ("その他", 0, "0")], title="理由"
    )
    assert svg.startswith("<svg") and 'aria-label="理由"' in svg
    assert "<script>" not in svg and "知識不足&lt;script&gt;" in svg
    assert f'width="{float(BAR_WIDTH)}"' in svg
    assert f'width="{BAR_WIDTH / 4}"' in svg
    assert 'width="0.0"' in svg


def test_an_empty_chart_is_still_valid():
    assert bar_chart([], title="空").count("<g ") == 0
