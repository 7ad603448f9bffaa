"""Announcements in a real browser on the demo data: an organiser goes from the meetup page's
"Message the people going" to the composer, checks the audience, confirms and sends; the member
reads it. Every announcement page passes axe (WCAG 2 A/AA), fits a phone and logs no console
error (CSP violations included)."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_every_page import VIEWPORTS, WATCH_CSP, api_session, check, log_in
from tribes.demo import PEOPLE


def test_organiser_sends_from_the_meetup_page_and_every_page_passes_axe(live_server_factory: Any,
                                                                         browser: Any) -> None:
    server = live_server_factory(args=("--demo",))
    ben = api_session(server, PEOPLE[1][0])  # the organiser
    meetup = ben.get(f"{server.url}/api/v1/tribes/dmw-berlin/meetups", timeout=30).json()["items"][0]
    going = ben.get(f"{server.url}/api/v1/meetups/{meetup['id']}/attendees", timeout=30).json()

    context = browser.new_context(viewport=VIEWPORTS["phone"])
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    log_in(page, server, PEOPLE[1][0])
    page.goto(f"{server.url}/meetups/{meetup['id']}")
    page.get_by_role("link", name="Message the people going").click()
    page.get_by_label("Title").fill("Bring your laptop")
    page.get_by_label("Message (plain text or Markdown)").fill("We **pair** on portfolios.")
    assert page.get_by_label("Going").is_checked()
    page.get_by_role("button", name="Check audience").click()
    status = page.locator("#audience-count").inner_text()
    expected = len([p for p in going["items"] if p["status"] == "going"
                    and p["user"]["display_name"] != PEOPLE[1][1]])
    assert f"reaches {expected} " in status, (status, going)
    composer_url = page.url
    page.get_by_label("Yes, send it to them now").check()
    page.get_by_role("button", name="Send announcement").click()
    page.wait_for_url("**/announcements#announcement-*")
    assert "Bring your laptop" in page.locator("main").inner_text()
    list_url = page.url.split("#")[0]
    context.close()

    problems = []
    for who, email in (("organiser", PEOPLE[1][0]), ("member", PEOPLE[2][0])):
        for size in ("phone", "laptop"):
            context = browser.new_context(viewport=VIEWPORTS[size])
            context.set_default_timeout(15_000)
            context.add_init_script(WATCH_CSP)
            page = context.new_page()
            log_in(page, server, email)
            paths = [list_url, f"{server.url}/t/dmw-berlin", f"{server.url}/notifications"]
            if who == "organiser":
                paths += [f"{server.url}/t/dmw-berlin/announcements/new?meetup_id={meetup['id']}",
                          f"{server.url}/meetups/{meetup['id']}"]
            for url in paths:
                visit = context.new_page()
                found = check(visit, url)
                visit.close()
                if found["status"] != 200:
                    problems.append(f"{who} {size} {url}: status {found['status']}")
                if found["overflow"] > 0:
                    problems.append(f"{who} {size} {url}: scrolls sideways by {found['overflow']} px")
                if found["errors"]:
                    problems.append(f"{who} {size} {url}: console errors {found['errors'][:3]}")
                problems += [f"{who} {size} {url}: axe {v['id']} at {v['where']}" for v in found["axe"]]
            context.close()
    assert composer_url
    assert not problems, "\n".join(problems)
