"""Helpers of the browser tests: the built site on a loopback HTTP server, and headless Debian Chromium.

The site is read from ``$BOOK_HTML_DIR`` (default ``_build/html`` of the repository; ``make test`` builds it first).
The browser is Debian's ``chromium`` driven by Debian's ``chromedriver`` through Selenium; Selenium Manager is never
used, so nothing is downloaded. Without the browser the tests are skipped with the install command, unless
``REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL_HINT = "apt-get install chromium chromium-driver"

# The pages that are not the book's own reading pages (Sphinx's generated index and search pages).
SKIPPED_PAGES = {"genindex.html", "search.html", "py-modindex.html"}
SKIPPED_DIRS = {"_static", "_sources", "_images", "_downloads", "vendor", "_screenshots", "jupyter_execute"}


def site_dir() -> Path:
    return Path(os.environ.get("BOOK_HTML_DIR", REPO / "_build" / "html")).resolve()


def site_missing_reason() -> str | None:
    d = site_dir()
    if not (d / "index.html").is_file():
        return (
            f"the built site {d} does not exist (no index.html). Build it first: `make book` "
            "(or `make test`, which runs the strict build before pytest), or point BOOK_HTML_DIR at a built site."
        )
    return None


def discover_pages() -> list[str]:
    """Every reading page of the built site, as paths relative to the site root (``book/intro.html``)."""
    d = site_dir()
    if site_missing_reason():
        return []
    pages = []
    for p in sorted(d.rglob("*.html")):
        rel = p.relative_to(d)
        if rel.parts[0] in SKIPPED_DIRS or rel.as_posix() in SKIPPED_PAGES:
            continue
        pages.append(rel.as_posix())
    return pages


def screenshot_dir() -> Path:
    """Screenshots go next to the site, into the build folder (``_build/screenshots``), not into the site itself."""
    return Path(os.environ.get("BOOK_SCREENSHOT_DIR", site_dir().parent / "screenshots"))


def find_browser() -> tuple[str | None, str | None, str | None]:
    """(chromium, chromedriver, reason-if-missing); $CHROMIUM_BIN / $CHROMEDRIVER_BIN override the PATH look-up."""
    def existing(path):
        return path if path and Path(path).is_file() else None

    if "CHROMIUM_BIN" in os.environ:
        chromium = existing(os.environ["CHROMIUM_BIN"])
    else:
        chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
    if "CHROMEDRIVER_BIN" in os.environ:
        driver = existing(os.environ["CHROMEDRIVER_BIN"])
    else:
        driver = shutil.which("chromedriver") or existing("/usr/bin/chromedriver")
    missing = [name for name, path in (("chromium", chromium), ("chromedriver", driver)) if not path]
    if missing:
        return chromium, driver, (
            f"{' and '.join(missing)} not found on PATH; the browser tests need Debian's Chromium and its driver: "
            f"`{INSTALL_HINT}` (as root)"
        )
    return chromium, driver, None


def require_browser() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "") not in ("", "0", "false", "no")


THEME_FINDINGS: dict[str, set[str]] = {}  # "rule-id (impact)" -> pages, filled by the axe test


