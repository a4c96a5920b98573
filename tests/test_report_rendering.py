"""End to end: the HTML outcome report and one invitation email open in headless Chromium (Debian's
``chromium``), render something (screenshot not blank) and show French text (DOM dump)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from clauses.reporting import build_report, write_report_files
from reporting_data import seed, seed_forecast

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)"
)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )


def screenshot(page: Path, tmp_path: Path) -> Image.Image:
    png = tmp_path / f"{page.stem}.png"
    chromium(tmp_path, f"--screenshot={png}", "--window-size=1200,1600", page.resolve().as_uri())
    return Image.open(png)


def dom(page: Path, tmp_path: Path) -> str:
    return chromium(tmp_path, "--dump-dom", page.resolve().as_uri()).stdout


def assert_not_blank(image: Image.Image) -> None:
    grey = image.convert("L")
    assert image.size == (1200, 1600)
    assert ImageStat.Stat(grey).stddev[0] > 15  # a blank (or single-colour) page has ~0
    histogram = grey.histogram()
    assert max(histogram) < 0.95 * sum(histogram)  # no single shade covers the whole page
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 50  # text, charts, colours


def test_outcome_report_renders_in_chromium(db, config, tmp_path):
    with db.transaction() as session:
        seed(session, config)
        seed_forecast(session)
        report = build_report(session, config)
    page = Path(write_report_files(report, tmp_path / "reports")["html"])
    assert_not_blank(screenshot(page, tmp_path))
    text = dom(page, tmp_path)
    for french in ("Rapport des résultats des clauses sociales d'insertion", "Parcours par événement",
                   "Heures d'insertion couvertes", "Taux de conversion", "Découverte métiers", "Maçon",
                   "aucune donnée personnelle"):
        assert french in text
    assert text.count('src="data:image/png;base64,') == 3  # the three charts embedded (funnel, coverage, companies)


def test_invitation_email_renders_in_chromium(config, tmp_path):
    from clauses.messages.preview import write_preview

    page = next(p for p in write_preview("invitation", config, tmp_path / "preview") if p.suffix == ".html")
    assert_not_blank_email(screenshot(page, tmp_path))
    text = dom(page, tmp_path)
    assert "Camille" in text  # the sample recipient
    for french in ("Bonjour", "découverte métiers", "mars 2026"):
        assert french in text


def assert_not_blank_email(image: Image.Image) -> None:
    """An email is mostly white: require real content, not a full page of it."""
    grey = image.convert("L")
    assert ImageStat.Stat(grey).stddev[0] > 5
    dark = sum(grey.histogram()[:128])
    assert dark > 2000  # a few lines of text at least


PROBE = """<script>
const cells = [...document.querySelectorAll('#entonnoir-evenements + .table-scroll td')];
const align = c => getComputedStyle(c).textAlign;
document.body.setAttribute('data-page-width', document.documentElement.scrollWidth);
const boxes = [...document.querySelectorAll('.table-scroll')];
document.body.setAttribute('data-wider', boxes.filter(b => b.scrollWidth > b.clientWidth).map(b => b.previousElementSibling.id).join(' '));
document.body.setAttribute('data-tables', boxes.length);
document.body.setAttribute('data-numbers', cells.filter(c => /^[0-9 \\u202f,%—-]+$/.test(c.textContent.trim())).map(align).join(' '));
document.body.setAttribute('data-texts', cells.filter(c => /[a-zé]{3}/.test(c.textContent)).map(align).join(' '));
</script></body>"""


def test_the_per_event_table_fits_a_laptop_numbers_right_text_left_and_times_in_french(db, config, tmp_path):
    import re

    with db.transaction() as session:
        seed(session, config)
        seed_forecast(session)
        report = build_report(session, config)
    page = Path(write_report_files(report, tmp_path / "reports")["html"])
    html = page.read_text(encoding="utf-8").replace("\u00a0", " ")  # the wording; no-break spaces are tested apart
    assert not re.search(r"\b\d{2}:\d{2}\b", html)  # "9 h 00", never "08:54"
    assert re.search(r"Édité le \w+ \d+(er)? \w+ \d{4} à \d{1,2} h \d{2}", html)
    assert re.search(r"<br>\w+ \d+(er)? \w+ \d{4}(<br>|</td>)", html)  # the past events' days
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE), encoding="utf-8")
    out = chromium(tmp_path, "--window-size=1280,1600", "--dump-dom", probe.resolve().as_uri()).stdout
    width = int(re.search(r'data-page-width="(\d+)"', out).group(1))
    assert width <= 1280  # nothing cut: wide tables scroll inside their own box
    # On a laptop every table shows all its columns: the past events' hires, the rates' reasons.
    assert int(re.search(r'data-tables="(\d+)"', out).group(1)) >= 9
    assert re.search(r'data-wider="([^"]*)"', out).group(1) == ""
    numbers = re.search(r'data-numbers="([^"]*)"', out).group(1).split()
    texts = re.search(r'data-texts="([^"]*)"', out).group(1).split()
    assert numbers and set(numbers) == {"right"}
    assert texts and set(texts) == {"left"}
    assert_not_blank(screenshot(page, tmp_path))
