"""The built book as a reader sees it: every page opened in headless Chromium, offline, from a loopback server.

Per page: no JavaScript errors, no request leaving 127.0.0.1, no 404; every image loads and has alt text; math is
typeset; every internal link (and its #anchor) resolves; no serious/critical axe-core violation in the book's own
content. Per chapter page (a page built from a notebook, recognised by its launch menu): the widget explorers render
their embedded state, the exercise solutions are hidden until clicked, the launch menu holds the Binder link, and a
full-page screenshot is saved for review (``_build/screenshots/<page>-<n>.png``, in tiles).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from browser_site import REPO, THEME_FINDINGS, discover_pages, screenshot_dir, site_dir, site_missing_reason

AXE_JS = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}
CONTENT = "article.bd-article"  # the book's own content; everything else on the page is the theme's
GENERIC_ALT = {
    "png", "jpg", "jpeg", "svg", "image", "img", "output", "figure", "fig", "picture", "plot", "graph", "chart",
    "untitled", "alt", "image/png", "matplotlib figure", "figure 1", "a figure", "a plot", "an image", "todo",
}
MIN_ALT_WORDS = 3
MAX_SCREENSHOT_HEIGHT = 80000  # CSS px; a longer chapter is cut there
TILE_HEIGHT = 4000  # CSS px per screenshot file
# The book's source tree, where the notebooks that Binder opens must exist: $BOOK_SOURCE_DIR, or this repository
# when the site under test was built from it (the default _build/html).
SOURCE = (
    Path(os.environ["BOOK_SOURCE_DIR"]) if os.environ.get("BOOK_SOURCE_DIR")
    else REPO if site_dir().is_relative_to(REPO) else None
)


def _redirect_target(rel: str) -> str | None:
    text = (site_dir() / rel).read_text(encoding="utf-8", errors="replace")[:2000]
    m = re.search(r'http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', text, re.I)
    return m.group(1) if m else None


ALL_PAGES = discover_pages()
REDIRECTS = {p: t for p in ALL_PAGES if (t := _redirect_target(p))}
PAGES = [p for p in ALL_PAGES if p not in REDIRECTS] or ["<site not built>"]


# ----------------------------------------------------------------------------------------------------------------
# Loading a page once and collecting everything the tests look at.

WAIT_MATHJAX = """
const done = arguments[arguments.length - 1];
if (!document.querySelector('script[src*="mathjax"]')) { done('absent'); return; }
const t0 = Date.now();
(function poll() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done('ok'), (e) => done('error: ' + e));
  } else if (Date.now() - t0 > 30000) { done('timeout: MathJax did not start'); }
  else { setTimeout(poll, 100); }
})();
"""

WAIT_WIDGETS = """
const done = arguments[arguments.length - 1];
const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
const rendered = (v) => { const p = v.previousElementSibling;
  return !!(p && p.classList.contains('widget-subarea') && p.querySelector('.jupyter-widgets')); };
const t0 = Date.now();
(function poll() {
  if (views.every(rendered) || Date.now() - t0 > 20000) { done(views.length); } else { setTimeout(poll, 100); }
})();
"""

WAIT_IMAGES = """
const done = arguments[arguments.length - 1];
const imgs = [...document.images];
imgs.forEach((i) => { if (i.loading === 'lazy') { i.loading = 'eager'; } });
Promise.all(imgs.map((i) => i.complete ? null : new Promise((r) => {
  i.addEventListener('load', r); i.addEventListener('error', r); setTimeout(r, 15000); }))).then(() => done(imgs.length));
"""

COLLECT = """
const CONTENT = arguments[0];
const article = document.querySelector(CONTENT);
const images = [...document.images].map((i) => ({
  src: i.getAttribute('src'), alt: i.getAttribute('alt'), w: i.naturalWidth, h: i.naturalHeight,
  inContent: !!i.closest(CONTENT), inWidget: !!i.closest('.widget-subarea'), inFigure: !!i.closest('figure'),
}));
// Text a reader sees in the content, without code, scripts and typeset math: raw TeX must not appear there.
let text = '';
if (article) {
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, { acceptNode: (n) =>
    n.parentElement.closest('pre, code, script, style, textarea, mjx-container, .highlight')
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT });
  while (walker.nextNode()) { text += walker.currentNode.nodeValue + ' '; }
}
// The same over the whole page, navigation, header and footer included (collapsed menus too: a reader opens them).
let pageText = '';
const everywhere = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, { acceptNode: (n) =>
  n.parentElement.closest('pre, code, script, style, textarea, mjx-container, .highlight')
    ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT });
while (everywhere.nextNode()) { pageText += everywhere.currentNode.nodeValue + ' '; }
const mathEls = article ? [...article.querySelectorAll('.math')] : [];
const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
const launch = document.querySelector('.dropdown-launch-buttons');
return {
  url: location.href, title: document.title, hasArticle: !!article,
  images: images, text: text, pageText: pageText,
  math: { count: mathEls.length,
          untypeset: mathEls.filter((m) => !m.querySelector('mjx-container')).map((m) => m.outerHTML.slice(0, 160)),
          typeset: article ? article.querySelectorAll('mjx-container').length : 0,
          errors: [...document.querySelectorAll('mjx-merror')].map((e) => e.textContent.slice(0, 120)),
          script: !!document.querySelector('script[src*="mathjax"]') },
  links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
  ids: [...document.querySelectorAll('[id], a[name]')].map((e) => e.id || e.getAttribute('name')),
  widgets: { state: document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]').length,
             manager: !!document.querySelector('script[src*="html-manager"]'),
             views: views.map((v) => { const p = v.previousElementSibling;
               const ok = !!(p && p.classList.contains('widget-subarea'));
               const w = ok ? p.querySelector('.jupyter-widgets') : null;
               const r = w ? w.getBoundingClientRect() : null;
               return { rendered: !!w, width: r ? r.width : 0, height: r ? r.height : 0,
                        kinds: w ? [...new Set([...p.querySelectorAll('[class*="widget-"]')].map((e) =>
                          [...e.classList].find((c) => c.startsWith('widget-'))))].slice(0, 8) : [] }; }) },
  chapter: !!launch,
  binder: launch ? [...launch.querySelectorAll('a[href]')].map((a) => a.href).filter((h) => /\\/v2\\/gh\\//.test(h)) : [],
  solutions: document.querySelectorAll('.solution.dropdown').length,
};
"""

AXE_RUN = """
const done = arguments[arguments.length - 1];
const CONTENT = arguments[0];
axe.run(document, { resultTypes: ['violations'] }).then((r) => done(JSON.stringify(r.violations.map((v) => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map((n) => { let el = null;
    try { el = n.target.length === 1 ? document.querySelector(n.target[0]) : null; } catch (e) {}
    return { target: n.target.join(' '), impact: n.impact || v.impact, html: n.html.slice(0, 200),
             inContent: !!(el && el.closest(CONTENT)), summary: (n.failureSummary || '').slice(0, 300) }; }) })))))
 .catch((e) => done(JSON.stringify({ error: String(e) })));
"""


class Page:
    """One page, loaded once; the tests of that page read what was collected here."""

    def __init__(self, rel: str, driver, site):
        self.rel = rel
        self.driver = driver
        self.site = site
        driver.get_log("browser")
        driver.get_log("performance")
        site.record.clear()
        self.url = f"{site.origin}/{rel}"
        driver.get(self.url)
        t0 = time.monotonic()
        while driver.execute_script("return document.readyState") != "complete":
            if time.monotonic() - t0 > 30:
                break
            time.sleep(0.05)
        self.mathjax = driver.execute_async_script(WAIT_MATHJAX)
        driver.execute_async_script(WAIT_WIDGETS)
        driver.execute_async_script(WAIT_IMAGES)
        time.sleep(0.3)  # let late requests (fonts) be issued and logged
        self.data = driver.execute_script(COLLECT, CONTENT)
        self.screenshot = self._screenshot() if self.data["chapter"] else None
        self.axe = self._axe()
        self.console = driver.get_log("browser")
        self.requests = self._requests(driver.get_log("performance"))
        self.served = list(site.record)

    def _screenshot(self) -> list[Path]:
        """The whole page, in tiles of TILE_HEIGHT CSS px: <page>-1.png, <page>-2.png, ... (Chromium cannot capture a
        very long page in one image); the last tile is aligned with the bottom of the page."""
        import base64

        out = screenshot_dir()
        out.mkdir(parents=True, exist_ok=True)
        stem = self.rel.replace("/", "__").removesuffix(".html")
        for old in out.glob(f"{stem}-*.png"):
            old.unlink()
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        height = min(size["height"], MAX_SCREENSHOT_HEIGHT)
        paths = []
        starts = list(range(0, int(height), TILE_HEIGHT))
        # The last tile ends at the bottom of the page and is full height (it overlaps the one before), so it is
        # never a thin strip of footer.
        starts[-1] = max(0, min(starts[-1], int(height) - TILE_HEIGHT))
        for k, y in enumerate(starts, start=1):
            clip = {"x": 0, "y": y, "width": size["width"], "height": min(TILE_HEIGHT, height - y), "scale": 1}
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
            )
            path = out / f"{stem}-{k}.png"
            path.write_bytes(base64.b64decode(shot["data"]))
            paths.append(path)
        return paths

    def _axe(self) -> list[dict]:
        self.driver.execute_script(
            "const s = document.createElement('script'); s.text = arguments[0]; document.head.appendChild(s);",
            AXE_JS.read_text(encoding="utf-8"),
        )
        result = json.loads(self.driver.execute_async_script(AXE_RUN, CONTENT))
        if isinstance(result, dict):
            raise AssertionError(f"axe-core failed on {self.rel}: {result['error']}")
        return result

    @staticmethod
    def _requests(perf_log) -> list[str]:
        urls = []
        for entry in perf_log:
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                urls.append(msg["params"]["request"]["url"])
            elif msg.get("method") == "Network.webSocketCreated":
                urls.append(msg["params"]["url"])
        return urls


@pytest.fixture(scope="module", params=PAGES)
def page(request, driver, site):
    if request.param == "<site not built>":
        pytest.fail(site_missing_reason() or "the built site has no pages", pytrace=False)
    return Page(request.param, driver, site)


def chapter_only(page: Page):
    if not page.data["chapter"]:
        pytest.skip(f"{page.rel} is not a chapter page (no notebook launch menu)")


# ----------------------------------------------------------------------------------------------------------------
# The site as a whole.


def test_site_has_pages_and_chapters():
    reason = site_missing_reason()
    assert reason is None, reason
    assert PAGES != ["<site not built>"], "no reading pages found in the built site"
    chapters = [p for p in PAGES if (site_dir() / p).read_text(encoding="utf-8").count("dropdown-launch-buttons")]
    assert chapters, "no chapter page (a page with a notebook launch menu) in the built site"


@pytest.mark.parametrize("rel", sorted(REDIRECTS) or ["<none>"])
def test_redirect_pages_point_to_existing_pages(rel):
    if rel == "<none>":
        pytest.skip("the site has no redirect pages")
    target = (site_dir() / rel).parent / urllib.parse.urlsplit(REDIRECTS[rel]).path
    assert target.is_file(), f"{rel} redirects to {REDIRECTS[rel]}, which does not exist"


# ----------------------------------------------------------------------------------------------------------------
# Every page.


def test_no_javascript_errors(page):
    severe = [e["message"] for e in page.console if e["level"] == "SEVERE"]
    assert not severe, f"{page.rel}: console errors:\n" + "\n".join(severe)


def test_nothing_is_requested_off_the_machine(page):
    """Offline-safe: every asset comes from the local site (a CDN request would fail without a network)."""
    origin = urllib.parse.urlsplit(page.site.origin).netloc
    off = [
        u for u in page.requests
        if urllib.parse.urlsplit(u).scheme in ("http", "https", "ws", "wss") and urllib.parse.urlsplit(u).netloc != origin
    ]
    assert not off, f"{page.rel} requests resources from outside the site:\n" + "\n".join(sorted(set(off)))


def test_every_served_request_succeeds(page):
    failed = [f"{code} {path}" for path, code in page.served if code >= 400]
    assert not failed, f"{page.rel}: the local server answered errors:\n" + "\n".join(failed)


def test_every_image_loads_and_has_alt_text(page):
    assert page.data["images"] is not None
    broken = [_short(i["src"]) for i in page.data["images"] if not (i["w"] > 0 and i["h"] > 0)]
    no_alt = [_short(i["src"]) for i in page.data["images"] if not (i["alt"] or "").strip()]
    assert not broken, f"{page.rel}: images that did not load: {broken}"
    assert not no_alt, f"{page.rel}: images without alt text: {no_alt}"


def _short(src: str | None) -> str:
    src = src or ""
    return src if len(src) <= 90 else src[:60] + f"...({len(src)} chars)"


def _alt_problem(alt: str) -> str | None:
    a = " ".join(alt.split())
    low = a.lower().rstrip(".")
    if low in GENERIC_ALT:
        return "generic"
    if re.fullmatch(r"[\w./-]+\.(png|jpe?g|svg|gif|webp)", low):
        return "a file name (Sphinx's default when no alt is given)"
    if low.startswith("<figure size"):
        return "matplotlib's text repr"
    if len(a.split()) < MIN_ALT_WORDS:
        return f"fewer than {MIN_ALT_WORDS} words"
    return None


def test_content_figures_have_meaningful_alt_text(page):
    """Alt text of the book's figures says what that figure shows: not empty, generic, a file name, or copied."""
    figures = [i for i in page.data["images"] if i["inContent"]]
    if not figures:
        pytest.skip(f"{page.rel} has no images in its content")
    problems = [f"{_short(i['src'])}: alt={i['alt']!r} is {p}" for i in figures if (p := _alt_problem(i["alt"] or ""))]
    by_alt: dict[str, set[str]] = {}
    for i in figures:
        by_alt.setdefault(" ".join((i["alt"] or "").split()).lower(), set()).add(_short(i["src"]))
    problems += [f"the same alt {a!r} on different images {sorted(s)}" for a, s in by_alt.items() if a and len(s) > 1]
    assert not problems, f"{page.rel}:\n" + "\n".join(problems)


RAW_TEX = [
    (re.compile(r"\$\$"), "$$"),
    (re.compile(r"\\\(|\\\)"), r"\( or \)"),
    (re.compile(r"\\\[|\\\]"), r"\[ or \]"),
    (re.compile(r"\\begin\{"), r"\begin{"),
    (re.compile(r"\$[^$\n]{0,80}\\[A-Za-z]+[^$\n]{0,80}\$"), "$...\\command...$"),
]


def test_math_is_typeset(page):
    m = page.data["math"]
    raw = [f"{label}: …{page.data['text'][max(0, x.start() - 40):x.end() + 40]}…"
           for rx, label in RAW_TEX for x in rx.finditer(page.data["text"])]
    assert not raw, f"{page.rel}: raw TeX left in the text:\n" + "\n".join(raw[:10])
    if m["count"] == 0:
        return  # no math on this page, and (checked above) none left raw
    assert m["script"], f"{page.rel} has {m['count']} math elements but loads no MathJax"
    assert page.mathjax == "ok", f"{page.rel}: MathJax {page.mathjax}"
    assert not m["untypeset"], f"{page.rel}: math not typeset:\n" + "\n".join(m["untypeset"][:10])
    assert m["typeset"] >= m["count"], f"{page.rel}: {m['count']} math elements, {m['typeset']} typeset"
    assert not m["errors"], f"{page.rel}: TeX errors: {m['errors']}"


TEX_DELIMITERS = re.compile(r"\\\(|\\\[|\$\$")


def test_no_tex_delimiters_anywhere_on_the_page(page):
    """Every visible text of the page, the navigation included (chapter titles hold math), is free of ``\\(``,
    ``\\[`` and ``$$``: MathJax is loaded on every page, so titles with math are typeset wherever they appear."""
    text = page.data["pageText"]
    raw = [f"…{text[max(0, x.start() - 40):x.end() + 40]}…" for x in TEX_DELIMITERS.finditer(text)]
    assert not raw, f"{page.rel}: TeX delimiters in the visible text:\n" + "\n".join(raw[:10])


_STATUS: dict[str, int] = {}
_IDS: dict[str, set[str]] = {}


def _status(url: str) -> int:
    if url not in _STATUS:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                _STATUS[url] = r.status
        except urllib.error.HTTPError as e:
            _STATUS[url] = e.code
    return _STATUS[url]


def _ids_of(url: str) -> set[str]:
    if url not in _IDS:
        with urllib.request.urlopen(url, timeout=10) as r:
            html = r.read().decode("utf-8", errors="replace")
        _IDS[url] = set(re.findall(r'\s(?:id|name)="([^"]+)"', html))
    return _IDS[url]


def test_internal_links_resolve(page):
    origin = page.site.origin
    here = urllib.parse.urldefrag(page.data["url"])[0]
    problems = []
    for href in sorted(set(page.data["links"])):
        if not href.startswith(origin + "/"):
            continue
        target, frag = urllib.parse.urldefrag(href)
        target = target.split("?")[0]
        if target.endswith("/"):
            target += "index.html"
        code = _status(target)
        if code != 200:
            problems.append(f"{code} {href}")
            continue
        frag = urllib.parse.unquote(frag)
        if frag and target.endswith(".html"):
            ids = set(page.data["ids"]) if target == here else _ids_of(target)
            if frag not in ids:
                problems.append(f"missing anchor #{frag} in {href}")
    assert not problems, f"{page.rel}: broken internal links:\n" + "\n".join(problems)


def test_no_serious_accessibility_violations_in_content(page):
    own, theme = [], []
    for v in page.axe:
        for n in v["nodes"]:
            if n["impact"] not in SERIOUS:
                continue
            why = " ".join(n["summary"].split())[:220]
            line = f"{v['id']} ({n['impact']}): {v['help']} at {n['target']}: {n['html'][:120]} -- {why}"
            (own if n["inContent"] else theme).append(line)
            if not n["inContent"]:
                THEME_FINDINGS.setdefault(f"{v['id']} ({n['impact']})", set()).add(page.rel)
    if theme:
        print(f"\n{page.rel}: theme-level axe findings (outside {CONTENT}, not failing):\n  " + "\n  ".join(theme))
    assert not own, f"{page.rel}: serious/critical axe-core violations in the book's content:\n" + "\n".join(own)


# ----------------------------------------------------------------------------------------------------------------
# Chapter pages.


def test_chapter_screenshot_saved(page):
    chapter_only(page)
    assert page.screenshot, f"{page.rel}: no screenshot taken"
    for path in page.screenshot:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000, f"{path} is not a real screenshot"


def test_widgets_render_their_embedded_state(page):
    chapter_only(page)
    w = page.data["widgets"]
    if not w["views"] and not w["state"]:
        pytest.skip(f"{page.rel} embeds no widgets")
    assert w["state"] >= 1, f"{page.rel} shows {len(w['views'])} widget views but embeds no widget state"
    assert w["manager"], f"{page.rel} embeds widget state but does not load the widget manager"
    bad = [i for i, v in enumerate(w["views"]) if not (v["rendered"] and v["width"] > 0 and v["height"] > 0)]
    assert w["views"] and not bad, f"{page.rel}: widget views not rendered: {bad} of {w['views']}"


def test_solutions_hidden_by_default_and_open_on_click(page):
    chapter_only(page)
    from selenium.webdriver.common.by import By

    sols = page.driver.find_elements(By.CSS_SELECTOR, ".solution.dropdown")
    if not sols:
        pytest.skip(f"{page.rel} has no solution dropdowns")
    for k, sol in enumerate(sols):
        body = sol.find_elements(By.CSS_SELECTOR, ":scope > :not(.admonition-title)")
        assert body, f"{page.rel}: solution {k} has no content"
        assert not any(b.is_displayed() for b in body), f"{page.rel}: solution {k} is visible before any click"
        button = sol.find_element(By.CSS_SELECTOR, ".admonition-title .toggle-button")
        page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        button.click()
        t0 = time.monotonic()
        while not all(b.is_displayed() for b in body) and time.monotonic() - t0 < 5:
            time.sleep(0.05)
        assert all(b.is_displayed() for b in body), f"{page.rel}: solution {k} did not open on click"
        assert button.get_attribute("aria-expanded") == "true"


def test_launch_menu_holds_the_binder_link(page):
    chapter_only(page)
    from selenium.webdriver.common.by import By

    assert page.data["binder"], f"{page.rel}: the launch menu has no Binder link"
    # The link opens this chapter's notebook (or its student edition, e.g. book/student/<same name>.ipynb), and
    # that notebook is in the repository Binder clones.
    stem = Path(page.rel).stem
    for href in page.data["binder"]:
        urlpath = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query).get("urlpath", [""])[0]
        m = re.fullmatch(r"(?:lab|tree|notebooks?)/tree/(.+\.ipynb)|tree/(.+\.ipynb)", urlpath)
        assert m, f"{href}: the Binder link does not open a notebook (urlpath={urlpath!r})"
        notebook = m.group(1) or m.group(2)
        assert Path(notebook).stem == stem, f"{href} opens {notebook}, not the notebook of {page.rel}"
        if SOURCE is not None:
            assert (SOURCE / notebook).is_file(), f"the Binder link opens {notebook}, which is not in {SOURCE}"
    # As a reader: open the rocket menu and see the Binder entry.
    page.driver.execute_script("window.scrollTo(0, 0);")
    page.driver.find_element(By.CSS_SELECTOR, ".dropdown-launch-buttons button.dropdown-toggle").click()
    link = page.driver.find_element(By.CSS_SELECTOR, ".dropdown-launch-buttons a[href*='/v2/gh/']")
    t0 = time.monotonic()
    while not link.is_displayed() and time.monotonic() - t0 < 5:
        time.sleep(0.05)
    assert link.is_displayed(), f"{page.rel}: the Binder entry is not shown when the launch menu is opened"
    assert "Binder" in link.text
