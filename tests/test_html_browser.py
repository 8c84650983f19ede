"""The HTML report as a person sees it: headless Chromium (Debian's `chromium`) driven over DevTools.

Each test opens a rendered report from file://, acts on it (filters, keyboard, hash links) and checks what is
visible. Every test also asserts the page logged no console error, exception or CSP violation.
"""

from __future__ import annotations

import json

import pytest

from cdp import Browser, chromium_path
from report_data import HOSTILE, hostile_result, sample_result
from trialguard.reports import html

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="chromium is not installed (apt-get install -y chromium); CI installs it")

WHEN = "2024-01-02T03:04:05+00:00"
ROWS = "document.querySelectorAll('#findings-body tr:not(.evidence-row)').length"


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    (out / "index.html").write_text(html.render(sample_result(), when=WHEN), encoding="utf-8")
    return (out / "index.html").as_uri()


@pytest.fixture
def page(browser, report):
    browser.errors.clear()
    browser.send("Emulation.setEmulatedMedia", media="", features=[])
    browser.open("about:blank")
    browser.open(report)
    yield browser
    assert browser.errors == []


def text(b, selector: str) -> str:
    return b.js(f"document.querySelector({json.dumps(selector)}).textContent")


def test_loads_without_errors_and_shows_every_finding(page):
    assert page.js(ROWS) == 7
    assert text(page, "#f-count") == "Showing 1–7 of 7 findings"
    assert page.js("document.querySelectorAll('#trials-body tr').length") == 2


def test_severity_filter_changes_rows_and_hash(page):
    page.js("document.querySelector('#filters input[value=error]').click()")
    assert page.js(ROWS) == 2
    assert text(page, "#f-count") == "Showing 1–2 of 2 findings (filtered from 7)"
    assert page.js("location.hash") == "#sev=warning,info"


def test_search_and_rule_summary_filter(page):
    page.type_text("#f-q", "flow Milestones/2")  # every word must match, case-insensitively
    page.wait_for(f"{ROWS} === 1", "search to narrow the table")
    assert "COMPLETED 27" in text(page, "#findings-body td.msg")
    assert page.js("location.hash") == "#q=flow%20Milestones%2F2"
    page.js("document.querySelector('#f-reset').click()")
    assert page.js(ROWS) == 7
    page.js("document.querySelector('#rule-summary button[data-rule=TG301]').click()")
    assert page.js(ROWS) == 3
    assert page.js("document.getElementById('f-rule').value") == "TG301"
    assert page.js("location.hash") == "#rule=TG301"


def test_keyboard_opens_evidence_with_highlights_and_other_side(page):
    page.js("document.querySelector('#f-rule').value = 'TG701';"
            "document.querySelector('#f-rule').dispatchEvent(new Event('change', {bubbles: true}))")
    assert page.js(ROWS) == 1
    page.js("document.querySelector('#findings-body button[data-act=toggle]').focus()")
    page.press("Enter", key_code=13, text="\r")
    page.wait_for("document.querySelector('#findings-body tr.evidence-row')", "the evidence row")
    ev = text(page, "#findings-body tr.evidence-row")
    assert "the world's first patient with lupus treated with CAR-T" in ev
    assert page.js("[...document.querySelectorAll('#findings-body tr.evidence-row mark')].map(m => m.textContent)") \
        == ["first", "CAR-T"]
    assert "The other side" in ev and "first patient dosed March 2021" in ev
    assert page.js("[...document.querySelectorAll('#findings-body tr.evidence-row a[href^=http]')].map(a => a.href)") \
        == ["https://clinicaltrials.gov/study/NCT07654321", "https://clinicaltrials.gov/study/NCT01234567"]
    assert page.js("document.querySelector('#findings-body button[data-act=toggle]').getAttribute('aria-expanded')") \
        == "true"
    assert "open=" in page.js("location.hash")


def test_hash_restores_a_filtered_view(browser, report):
    browser.errors.clear()
    browser.open("about:blank")
    browser.open(report + "#sev=error&trial=NCT0765&sort=loc&dir=desc")
    assert browser.js(ROWS) == 3
    locs = browser.js("[...document.querySelectorAll('#findings-body td.loc')].map(td => td.textContent)")
    assert locs == [f"/resultsSection/participantFlowModule/periods/0/milestones/{i}" for i in (2, 1, 0)]
    assert browser.js("document.getElementById('f-trial').value") == "NCT0765"
    assert browser.js("document.querySelector('#filters input[value=warning]').checked") is False
    assert browser.errors == []


def test_trial_view_opens_from_the_table_and_from_the_hash(page, report):
    page.js("document.querySelector('#trials-body button[data-trial=NCT07654321]').click()")
    assert page.js("document.getElementById('trial-view').open") is True
    assert text(page, "#tv-title") == "NCT07654321 — Anti-CD19 CAR-T in SLE"
    body = text(page, "#tv-body")
    assert "Findings (3)" in body and "Groups" in body and "first patient dosed March 2021" in body
    assert page.js("location.hash") == "#view=NCT07654321"
    page.press("Escape", key_code=27)
    page.wait_for("!document.getElementById('trial-view').open", "the dialog to close")
    page.wait_for("location.hash === ''", "the hash to drop the view (the close event is queued)")
    page.open("about:blank")
    page.open(report + "#view=NCT01234567")
    assert page.js("document.getElementById('trial-view').open") is True
    assert "Findings (3)" in text(page, "#tv-body")
    facts = page.js("Array.from(document.querySelectorAll('#tv-body > dl.facts > div'), "
                    "d => [d.children[0].textContent, d.children[1].textContent])")
    assert facts == [["status", "COMPLETED"], ["phase", "PHASE1"], ["enrollment", "12"],
                     ["enrollment type", "ACTUAL"], ["source id", "ctgov:NCT01234567"],
                     ["file", "fixtures/ctgov/NCT01234567.json"], ["start", "2019-09"], ["start type", "ACTUAL"]]
    sources = page.js("Array.from(document.querySelectorAll('#tv-body > section'))"
                      ".find(s => s.querySelector('h3').textContent === 'Sources')"
                      ".querySelectorAll('tbody tr').length")
    assert sources == 2


def test_rule_summary_sorts_by_findings(page):
    page.js("document.querySelector('#rule-summary button[data-key=findings]').click()")
    codes = page.js("[...document.querySelectorAll('#rule-summary tbody tr')].map(r => r.dataset.code)")
    assert codes[0] == "TG301" and codes[1:] == ["TG001", "TG201", "TG701", "TG801"]


def test_print_and_dark_mode_styles(page):
    page.send("Emulation.setEmulatedMedia", media="print")
    assert page.js("getComputedStyle(document.getElementById('filters')).display") == "none"
    assert page.js("getComputedStyle(document.querySelector('.pager')).display") == "none"
    page.send("Emulation.setEmulatedMedia", media="screen",
              features=[{"name": "prefers-color-scheme", "value": "dark"}])
    assert page.js("getComputedStyle(document.body).backgroundColor") == "rgb(20, 23, 28)"


def test_pagination_over_many_findings(browser, tmp_path):
    import pandas as pd

    result = sample_result()
    many = pd.concat([result.findings] * 20, ignore_index=True)
    many["fingerprint"] = [f"{i:020x}" for i in range(len(many))]
    result.findings = many
    path = tmp_path / "index.html"
    path.write_text(html.render(result, when=WHEN), encoding="utf-8")
    browser.errors.clear()
    browser.open(path.as_uri())
    assert browser.js(ROWS) == 50
    assert text(browser, "#p-info") == "page 1 of 3"
    browser.js("document.getElementById('p-next').click()")
    assert text(browser, "#f-count") == "Showing 51–100 of 140 findings"
    assert browser.js("location.hash") == "#page=2"
    browser.js("document.getElementById('p-last').click()")
    assert browser.js(ROWS) == 40
    assert browser.errors == []


def test_hostile_report_runs_no_injected_code(browser, tmp_path):
    path = tmp_path / "index.html"
    path.write_text(html.render(hostile_result(), when=WHEN), encoding="utf-8")
    browser.errors.clear()
    browser.open(path.as_uri())
    browser.js("document.querySelector('#findings-body button[data-act=toggle]').click()")
    browser.js("document.querySelector('#trials-body button').click()")
    assert browser.js("document.querySelectorAll('script').length") == 2
    assert browser.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.js("document.querySelectorAll('svg[onload], [onerror]').length") == 0
    assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]
    title = browser.js("document.getElementById('tv-title').textContent")
    assert title == "NCT01234567 — " + HOSTILE
    assert browser.errors == []


def test_screenshot(page, tmp_path):
    page.js("document.querySelector('#findings-body button[data-act=toggle]').click()")
    shot = page.screenshot(tmp_path / "report.png")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
