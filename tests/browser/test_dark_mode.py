"""Dark mode: with the theme switched to dark, every figure of every chapter stays a light, readable picture.

Each figure is photographed in the browser after switching the page to the dark theme: the page around it must be
dark, the figure itself mostly light, with dark ink (labels, lines) on it.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from browser_site import REPO

from superposition.student import chapters

CHAPTER_PAGES = [c.relative_to(REPO).with_suffix(".html").as_posix() for c in chapters(REPO)]


def _luminance(png: bytes) -> np.ndarray:
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float) / 255
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_figures_stay_legible_in_dark_mode(site, driver, page):
    driver.get(f"{site.origin}/{page}")
    driver.execute_script(
        "document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark';"
    )
    body = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    channels = [int(v) for v in body[body.index("(") + 1 : body.index(")")].split(",")[:3]]
    assert sum(channels) / 3 < 80, f"the dark theme did not apply (body background {body})"
    images = driver.find_elements("css selector", "div.cell_output img")
    if not images:
        pytest.skip(f"{page} has no figure yet")
    for i, img in enumerate(images):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", img)
        time.sleep(0.2)
        lum = _luminance(img.screenshot_as_png)
        light = (lum > 0.6).mean()
        ink = (lum < 0.35).mean()
        assert light > 0.5, f"{page}, figure {i + 1}: only {light:.0%} of it is light in dark mode"
        assert ink > 0.002, f"{page}, figure {i + 1}: no dark ink (labels, lines) left on it in dark mode"
