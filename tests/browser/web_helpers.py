"""Helpers of the web-app browser tests (issue 15): sign in, wait, fetch with the page's session,
crawl same-origin links, and check a page for horizontal overflow."""
from __future__ import annotations

from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PAGE_WAIT_S = 15
WIDTHS = (1280, 390)

# Breadth-first over same-origin links with fetch (the page's cookies): every URL's status, and for
# HTML pages the links found in them. Links that change state are POST forms, never <a>; the log-out
# and file links are left out (files are checked by the tests that download them).
CRAWL_SCRIPT = """
const [start, skip, limit, done] = arguments;
const seen = new Map(); const queue = [...start]; const origin = location.origin;
(async () => {
  while (queue.length && seen.size < limit) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.set(url, null);
    try {
      const response = await fetch(url, {credentials: "same-origin", redirect: "follow"});
      seen.set(url, response.status);
      const type = response.headers.get("Content-Type") || "";
      if (!type.startsWith("text/html")) continue;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const a of doc.querySelectorAll("a[href]")) {
        const href = new URL(a.getAttribute("href"), response.url);
        href.hash = "";
        if (href.origin !== origin) continue;
        const key = href.pathname + href.search;
        if (skip.some((s) => key.includes(s)) || seen.has(key) || queue.includes(key)) continue;
        queue.push(key);
      }
    } catch (error) { seen.set(url, String(error)); }
  }
  done(Object.fromEntries(seen));
})();
"""

OVERFLOW_SCRIPT = "return [document.documentElement.scrollWidth, window.innerWidth];"


def wait(driver: WebDriver, seconds: float = PAGE_WAIT_S) -> WebDriverWait:
    return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=[WebDriverException])


def sign_in(driver: WebDriver, base_url: str, username: str, password: str = "pw") -> None:
    driver.delete_all_cookies()
    driver.get(f"{base_url}/accounts/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "nav .navbar-text")))


def fetch_status(driver: WebDriver, href: str) -> int:
    driver.set_script_timeout(30)
    return driver.execute_async_script(
        "const [h, done] = arguments; fetch(h, {credentials: 'same-origin'}).then(r => done(r.status))"
        ".catch(e => done(String(e)));", href)


def crawl(driver: WebDriver, start: list[str], *, skip: list[str], limit: int = 400) -> dict[str, object]:
    driver.set_script_timeout(240)
    return driver.execute_async_script(CRAWL_SCRIPT, start, skip, limit)


def overflow(driver: WebDriver) -> tuple[int, int]:
    scroll, inner = driver.execute_script(OVERFLOW_SCRIPT)
    return scroll, inner


def set_width(driver: WebDriver, width: int) -> None:
    driver.set_window_size(width, 1000)


def shoot(driver: WebDriver, directory: Path, name: str) -> Path:
    """A full-page screenshot (the window grown to the page's height) of the current page."""
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 6000);")
    width = driver.execute_script("return window.innerWidth;")
    size = driver.get_window_size()
    driver.set_window_size(size["width"], max(height + (size["height"] - driver.execute_script(
        "return window.innerHeight;")), 600))
    path = directory / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(size["width"], size["height"])
    return path
