"""The HTML report: self-contained (charts as data URIs, no external URL, script or stylesheet), every input
text escaped, and the summary numbers of eval.json in it."""

from __future__ import annotations

import base64
import html
import json
import re
from functools import lru_cache

from aurumq_rl.eval.charts import all_charts, cost_chart
from aurumq_rl.eval.html import render_report, table
from aurumq_rl.eval.suite import summary_table
from tests.eval.test_suite import _suite

PNG = b"\x89PNG\r\n\x1a\n"
EVIL = "<i>sig&co$x^</i>"  # HTML syntax, and a $ that matplotlib would read as mathtext


@lru_cache(maxsize=1)
def _charts() -> dict[str, bytes]:
    return all_charts(_report())


def _report() -> dict:
    # rename the first source to a name full of HTML syntax (JSON-safe characters only)
    return json.loads(json.dumps(_suite()[0].report).replace('"sig"', json.dumps(EVIL)))


def test_charts_are_pngs() -> None:
    charts = _charts()
    assert set(charts) == {"equity.png", "ic.png", "quantiles.png", "cost_sweep.png"}
    assert all(png.startswith(PNG) and len(png) > 5000 for png in charts.values())


def test_report_is_self_contained_and_escaped() -> None:
    rep = _report()
    charts = _charts()
    inputs = {"data": "/tmp/a&b.parquet", "market": {"min_listed_days": 0, "limit_method": "pct"}}
    page = render_report(rep, charts, title="eval <&>", inputs=inputs)
    imgs = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', page)
    assert len(imgs) == 4 and {base64.b64decode(i) for i in imgs} == set(charts.values())
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "url(" not in page
    assert EVIL not in page and "&lt;i&gt;sig&amp;co$x^&lt;/i&gt;" in page
    assert "<title>eval &lt;&amp;&gt;</title>" in page and "/tmp/a&amp;b.parquet" in page
    assert "<td>market</td><td>min_listed_days=0, limit_method=pct</td>" in page  # the rules as k=v, not a repr
    header, rows = summary_table(rep)
    for cell in rows[0][1:]:  # rank IC means, as printed in the terminal
        assert f"<td>{cell}</td>" in page
    for name in rep["results"]:  # one detail section per source and ensemble
        assert f"<h2>{html.escape(name)}</h2>" in page


def test_the_sources_table_puts_each_row_count_under_its_header() -> None:
    """Rows ignored for a date off the trading calendar are a column of their own, between the date and the
    stock counts; every later count stays under its header."""
    rep = _report()
    rep["sources"][0].update(rows_used=90, ignored_date_outside_panel=7, ignored_date_not_trading=3,
                             ignored_stock_not_in_panel=2, dates_with_scores=40, scored_cells_in_window=800)
    page = render_report(rep, _charts(), title="t", inputs={})
    assert ("<th>rows used</th><th>rows ignored (date)</th><th>of which not a trading date</th>"
            "<th>rows ignored (stock)</th><th>dates scored</th><th>cells scored</th>") in page
    assert "<td>90</td><td>7</td><td>3</td><td>2</td><td>40</td><td>800</td></tr>" in page

def test_table_escapes_cells() -> None:
    assert table(["a<"], [["x&y", 1]]) == ("<table><thead><tr><th>a&lt;</th></tr></thead><tbody><tr><td>x&amp;y</td>"
                                           "<td>1</td></tr></tbody></table>")


def test_cost_chart_draws_the_holds_a_report_has() -> None:
    """A report evaluated with the fp hold only (`evaluate_scores(holds=("fp",))`) has no main-wave sweep: the
    chart draws the fp lines alone instead of failing on the missing hold."""
    rep = _report()
    for res in rep["results"].values():
        del res["backtest"]["main_wave"]
    png = cost_chart(rep)
    assert png.startswith(PNG) and png != _charts()["cost_sweep.png"]
