"""`guidegraph report`: one self-contained HTML page; every text from rules and cases escaped; run's exit codes.

The browser tests load the page in headless Chromium (Debian's ``chromium``, installed by scripts/setup.sh) and
assert on the rendered DOM and on a screenshot; they skip, saying why, only where Chromium is not installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli

LMS = "rules/lms.rules"
HOSTILE = "<script>alert(1)</script>"

RULES = f"""\
guideline "Report {HOSTILE}" version "1"
reference 1 "A reference {HOSTILE}"
input grade "Grade {HOSTILE}": {{1, 2, 3}}
input deep: bool
action scan "Scan {HOSTILE}"
action drug "Drug"
section s "Section {HOSTILE}":
  rule a "Scan {HOSTILE}":
    when grade in {{2, 3}}
    recommend scan
    cite 1
    footnote "Note {HOSTILE}"
  rule b:
    when deep
    consider drug
  cover drug "Open {HOSTILE}"
"""

CASES = f"""\
- id: '{HOSTILE}'
  description: 'Described <img src=x onerror=alert(1)> here'
  facts: {{grade: 3, deep: false}}
- id: second
  facts: {{grade: 2}}
"""


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[str, str]:
    rules = tmp_path / "hostile.rules"
    rules.write_text(RULES, encoding="utf-8")
    cases = tmp_path / "cases.yaml"
    cases.write_text(CASES, encoding="utf-8")
    return str(rules), str(cases)


def _active(page: str) -> list[str]:
    """Every element or attribute of the page that could run code or fetch something (parsed, so escaped text
    that merely reads like a tag does not count)."""
    found: list[str] = []

    class Scan(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "iframe", "object", "embed", "img", "link", "image", "use", "foreignobject",
                       "audio", "video", "source", "base", "form"):
                found.append(tag)
            for name, value in attrs:
                v = value or ""
                link = (name.endswith("href") or name == "src") and not v.startswith("#")
                if name.startswith("on") or link or "javascript:" in v.lower() or "url(" in v.replace("url(#", ""):
                    found.append(f"{tag} {name}={value}")

    Scan().feed(page)
    return found + re.findall(r"@import|url\((?!#)", page)


def test_report_escapes_every_text_and_loads_nothing(cli: Cli, hostile: tuple[str, str], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, stdout, err = cli("report", *hostile, "-o", str(out))
    assert code == 0, err
    assert stdout == ""
    page = out.read_text(encoding="utf-8")
    assert _active(page) == []
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8  # ids, labels, notes, refs...
    assert "Described &lt;img src=x onerror=alert(1)&gt; here" in page
    assert "default-src 'none'" in page
    assert '<section class="case" id="case-1"' in page and '<section class="case" id="case-2"' in page
    assert '<a href="#case-1">&lt;script&gt;' in page
    assert "Not addressed by the guideline" in page and "Open &lt;script&gt;" in page  # case 1: deep is false
    assert "Enter <b>deep</b> to decide 1 item" in page  # case 2: deep unknown
    assert "<svg" in page and 'id="c1f1-' in page  # the flowchart, ids made unique per figure


def test_report_exit_codes_and_atomic_output(cli: Cli, hostile: tuple[str, str], tmp_path: Path) -> None:
    rules, _ = hostile
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: b\nfacts: {grade: 7}\n", encoding="utf-8")
    out = tmp_path / "r.html"
    code, _, err = cli("report", rules, str(bad), "-o", str(out))
    assert code == 1 and "grade" in err and not out.exists()
    code, _, err = cli("report", str(tmp_path / "missing.rules"), str(bad), "-o", str(out))
    assert code == 2 and not out.exists()
    code, _, err = cli("report", rules, str(bad), "-o", str(tmp_path / "no" / "dir" / "r.html"))
    assert code == 2
    code, _, err = cli("report", rules, rules, "-o", rules)
    assert code == 2 and "refusing" in err
    code, _, _ = cli("report", rules, str(bad))
    assert code == 2  # -o is required


def test_report_lms_every_case_and_the_guideline_parts(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "lms.html"
    code, _, err = cli("report", LMS, "rules/cases/localized.yaml", "rules/cases/follow_up.yaml", "-o", str(out))
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert page.count('<section class="case"') == page.count('<li><a href="#case-') > 10
    assert 'id="checks"' in page and "W20" in page and 'id="coverage"' in page and 'id="references"' in page
    assert _active(page) == []
    # the flowcharts are render --page a4's pages, each shown at its printed size (at most 8/7 of 17 cm: a page
    # that much too wide still prints at 7 pt) and every "see p. N" connector a link to its page in the same figure
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    links = re.findall(r'\bhref="#([^"]+)"', page)
    assert links and all(target in ids for target in links)
    connectors = re.findall(r'<a xlink:href="#(c\d+f\d+-)p(\d+)" xlink:title="see p\. (\d+)"', page)
    assert connectors and all(shown == n for _, n, shown in connectors)
    pages = re.findall(r'<figure class="page" id="(c\d+f\d+-)p(\d+)">', page)
    assert {(f, n) for f, n, _ in connectors} <= set(pages) and max(int(n) for _, n in pages) > 1
    widths = [int(w) for w in re.findall(r'<svg role="img" class="flow" style="width: (\d+)px"', page)]
    assert len(widths) == len(pages) and max(widths) <= 17 / 2.54 * 96 * 8 / 7


# ---------------------------------------------------------------------------------------------------------------
# In a real browser

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0")


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("headless Chromium is not installed (scripts/setup.sh installs Debian's 'chromium' with "
                    "apt-get when run as root; install it to run the browser tests)")
    return path


def browse(url: str, *extra: str) -> tuple[str, str]:
    """Chromium's output and stderr for ``url``, with a new empty profile and no network."""
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                              capture_output=True, text=True, timeout=120, check=False,
                              env={**os.environ, "HOME": profile})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.slow
def test_browser_sees_no_console_message_in_a_control_page_but_sees_one_in_another(tmp_path: Path) -> None:
    """The console check below is not vacuous: a page that logs an error is caught."""
    page = tmp_path / "control.html"
    page.write_text('<html><body><script>console.error("control-error")</script></body></html>')
    _, err = browse(page.as_uri(), "--dump-dom")
    assert any("control-error" in line for line in console(err))


@pytest.mark.slow
def test_report_in_chromium_dom_and_screenshot(cli: Cli, hostile: tuple[str, str], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = cli("report", LMS, "rules/cases/localized.yaml", "rules/cases/uterine.yaml", "-o", str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    ids = re.findall(r'<section class="case" id="(case-\d+)"', html)
    dom, stderr = browse(out.as_uri(), "--dump-dom")
    assert console(stderr) == []  # no error, no refused fetch
    assert re.findall(r'<section class="case" id="(case-\d+)"', dom) == ids and len(ids) > 20
    for k in ids:  # every case reachable from the table of contents
        assert f'<a href="#{k}">' in dom
    # the highlighted path: edges and boxes drawn in the theme's path colour, in every case with a figure
    for section in re.findall(r'<section class="case".*?</section>', dom, flags=re.DOTALL):
        if "<svg" in section:
            assert re.search(r'<path [^>]*stroke="#d35400"', section), section[:200]
        # a figure of several pages: the pages listed, each connector a link the browser keeps, to a page there
        for anchor, target in re.findall(r'<a xlink:href="#(c\d+f\d+-)(p\d+)"', section):
            assert f'id="{anchor}{target}"' in section and f'href="#{anchor}{target}"' in section
    assert re.search(r'<a xlink:href="#c\d+f\d+-p2"', dom)  # the localized figure has pages
    assert "<script" not in dom.lower()

    code, _, err = cli("report", *hostile, "-o", str(tmp_path / "hostile.html"))
    assert code == 0, err
    dom, stderr = browse((tmp_path / "hostile.html").as_uri(), "--dump-dom")
    assert console(stderr) == [] and "<script" not in dom.lower()
    assert '<span class="case-id">&lt;script&gt;alert(1)&lt;/script&gt;</span>' in dom  # shown as text

    shot = tmp_path / "report.png"
    browse(out.as_uri(), f"--screenshot={shot}", "--window-size=1400,1800", "--hide-scrollbars")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page with content, not a blank one
    keep = os.environ.get("GUIDEGRAPH_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / "report.png")


def test_report_shows_a_choice_as_one_row_and_the_adjustments(cli: Cli, tmp_path: Path) -> None:
    """The NOAC choice (one_of) is one row, "one of:" with the alternatives given, as in the text report and the
    figures; an adjusted dose shows the adjusted value and the rule that adjusted it."""
    out = tmp_path / "af.html"
    code, _, err = cli("report", "rules/af.rules", "rules/af-cases/noac_dosing.yaml", "-o", str(out))
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    first = page.split('<section class="case"', 2)[1]  # the first case: 85 years, CrCl 26 mL/min
    assert first.count("one of:</div>") == 1 and first.count('data-action="apixaban"') == 1
    assert 'data-action="edoxaban"' not in first  # the choice's row is at its first alternative given
    assert "dose: 2.5 mg; frequency: twice daily" in first
    assert "adjusted by Apixaban: dose reduced to 2.5 mg twice daily (<code>apixaban_reduced_dose</code>)" in first
