"""Fixtures of the browser tests: the built site on a loopback HTTP server, and headless Debian Chromium.

See browser_site.py for where the site and the browser are looked for.
"""

from __future__ import annotations

import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from browser_site import THEME_FINDINGS, find_browser, require_browser, site_dir, site_missing_reason

# ----------------------------------------------------------------------------------------------------------------
# Reporting: say up front whether the browser tests can run, and list theme-level accessibility findings at the end.

def pytest_report_header(config):
    _, _, reason = find_browser()
    lines = [f"browser tests: site {site_dir()}"]
    if reason:
        verdict = "FAIL (REQUIRE_BROWSER=1)" if require_browser() else "SKIPPED"
        lines.append(f"browser tests: {verdict}: {reason}")
    if site_missing_reason():
        lines.append(f"browser tests: {site_missing_reason()}")
    return lines


def pytest_terminal_summary(terminalreporter):
    _, _, reason = find_browser()
    if reason and not require_browser():
        terminalreporter.write_sep("-", "browser tests skipped")
        terminalreporter.write_line(reason)
    if THEME_FINDINGS:
        terminalreporter.write_sep("-", "axe-core: serious/critical findings outside the book's content (theme)")
        for rule, pages in sorted(THEME_FINDINGS.items()):
            terminalreporter.write_line(f"{rule}: {len(pages)} page(s), e.g. {sorted(pages)[0]}")


# ----------------------------------------------------------------------------------------------------------------
# The loopback server.


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet; requests are recorded instead
        pass

    def send_response(self, code, message=None):
        self.server.record.append((self.path, code))
        super().send_response(code, message)


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser drops connections it no longer needs (a page left mid-load): not a test failure, and
        # not worth a traceback in the log. Anything else is still printed.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class SiteServer:
    def __init__(self, root: Path):
        handler = lambda *a, **kw: _Handler(*a, directory=str(root), **kw)  # noqa: E731
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.record = []
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def record(self) -> list[tuple[str, int]]:
        return self.httpd.record

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def site():
    reason = site_missing_reason()
    if reason:
        pytest.fail(reason, pytrace=False)
    server = SiteServer(site_dir())
    yield server
    server.close()


# ----------------------------------------------------------------------------------------------------------------
# The browser.

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
]


@pytest.fixture(scope="session")
def driver():
    chromium, chromedriver, reason = find_browser()
    if reason:
        if require_browser():
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        print(f"\nSKIP browser tests: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="book-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path: Selenium Manager is skipped and never downloads a driver or a browser.
    service = Service(executable_path=chromedriver)
    drv = webdriver.Chrome(service=service, options=options)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(60)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)
