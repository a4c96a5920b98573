"""A candidate in a real browser: Debian's headless Chromium, driven by its chromedriver through
Selenium (no browser download), against the real uvicorn server on loopback."""

from __future__ import annotations

import shutil
import tempfile

import pytest
from sqlalchemy import select

from clauses.storage import Candidate, Participation, ParticipationTransition
from web_helpers import seed_event, send_invitations, start_web

CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="Debian's chromium and chromium-driver are not installed")


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="clauses-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=390,844", "--lang=fr-FR"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def web(config, db, tmp_path, monkeypatch):
    server = start_web(config, db, tmp_path / "outbox", monkeypatch)
    yield server
    server.stop()


def _shows(browser, selector: str, text: str) -> str:
    """Wait for the page after a POST (a click returns before the next page is loaded). While the
    page is being replaced, chromedriver may answer a look-up with a generic error (« cannot find
    context », « target frame detached »): seen once in a loaded full run; the wait asks again."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30, ignored_exceptions=(WebDriverException,)).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))
    return browser.find_element(By.CSS_SELECTOR, selector).text


def _history(db, event_id, candidate_id):
    with db.transaction() as session:
        return [(t.from_status, t.to_status, t.origin) for t in session.scalars(
            select(ParticipationTransition).join(Participation)
            .where(Participation.event_id == event_id, Participation.candidate_id == candidate_id)
            .order_by(ParticipationTransition.id))]


def test_candidate_registers_from_the_invitation_in_chromium(web, browser, db, config, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    event_id, [alice] = seed_event(db, config, people=1, capacity=3)
    invited = send_invitations(db, config, tmp_path / "outbox", event_id, [alice])[alice]

    browser.get(invited.yes_url)  # what a link preview or a mail gateway would also do
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Votre réponse"
    assert "facilitateurs@plie-clermont.example.org" in browser.find_element(By.TAG_NAME, "footer").text
    [button] = browser.find_elements(By.TAG_NAME, "button")
    assert button.text == "Je viens"
    browser.refresh()
    assert _history(db, event_id, alice) == [(None, "invited", "system")]  # opening changed nothing

    # Keyboard only: the button is reachable with Tab and its focus is visible.
    focused = browser.find_element(By.TAG_NAME, "body")
    for _ in range(10):
        focused.send_keys(Keys.TAB)
        focused = browser.switch_to.active_element
        if focused.tag_name == "button":
            break
    assert focused.tag_name == "button"
    assert focused.value_of_css_property("outline-style") == "solid"
    focused.send_keys(Keys.ENTER)  # the POST

    assert _shows(browser, "h1", "C’est noté") == "C’est noté : vous êtes inscrit·e"
    assert "Vous êtes inscrit·e : nous vous attendons." in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert _history(db, event_id, alice) == [(None, "invited", "system"), ("invited", "registered", "web")]

    browser.back()  # the browser's back button and a reload of the form change nothing more
    browser.refresh()
    assert _history(db, event_id, alice)[-1] == ("invited", "registered", "web") and len(_history(db, event_id, alice)) == 2


def test_candidate_declines_and_unsubscribes_from_one_trade_in_chromium(web, browser, db, config, tmp_path):
    from selenium.webdriver.common.by import By

    event_id, [alice] = seed_event(db, config, people=1, capacity=3)
    invited = send_invitations(db, config, tmp_path / "outbox", event_id, [alice])[alice]

    browser.get(invited.no_url)
    browser.find_element(By.TAG_NAME, "button").click()
    assert _shows(browser, "h1", "C’est noté") == "C’est noté : vous ne venez pas"
    assert _history(db, event_id, alice)[-1] == ("invited", "declined", "web")

    browser.get(invited.unsubscribe_url)
    trade_only = browser.find_element(By.ID, "scope-trade")
    label = browser.find_element(By.CSS_SELECTOR, "label[for=scope-trade]")
    assert trade_only.is_selected() and "Maçon" in label.text
    browser.find_element(By.CSS_SELECTOR, "label[for=scope-all]").click()  # labels select their radio
    assert browser.find_element(By.ID, "scope-all").is_selected()
    browser.find_element(By.TAG_NAME, "button").click()
    assert "plus aucun message" in _shows(browser, "[role=status]", "plus aucun message")
    with db.transaction() as session:
        assert session.get(Candidate, alice).opted_out
