"""Binder as readers get it: the student notebooks run in JupyterLab on Binder's stack, driven by headless Chromium.

mybinder.org builds the repository with repo2docker: a Python 3.11 Jupyter environment from its conda lock of
2025-11-13 (the versions in ``BINDER_STACK``), then ``pip install -r requirements.txt`` from the repository root.
This module rebuilds that in a fresh venv (``_build/binder-venv``), checks ``pip check``, starts that JupyterLab on
loopback over a copy of the reader's files, and for every student notebook:

- runs all cells with JupyterLab's own *Run All* command, as a reader does;
- requires that every code cell ran and that the only errors are the exercise stubs' ``NotImplementedError``;
- requires that every explorer rendered as a live widget with its figure, and that moving one of its sliders
  redraws that figure;
- shuts the kernel down before opening the next notebook (the book asks readers to do the same: Binder's 2 GiB
  hold about four chapter kernels).

Run it alone with ``make binder`` (README). It needs Debian's Chromium like the other browser tests, and the package
registry (PyPI) to build the venv.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from browser_site import REPO

#: repo2docker's Jupyter environment (Python 3.11, conda lock of 2025-11-13): what Binder installs before the
#: repository's requirements.txt.
BINDER_STACK = {
    "jupyterlab": "4.4.10",
    "notebook": "7.4.7",
    "ipywidgets": "8.1.8",
    "ipykernel": "7.1.0",
    "jupyter_server": "2.17.0",
    "jupyterlab-myst": "2.4.2",
}
VENV = REPO / "_build" / "binder-venv"
STUDENT = REPO / "book" / "student"
NOTEBOOKS = sorted(p.name for p in STUDENT.glob("*.ipynb"))
#: Seconds for one notebook's Run All (a chapter runs in about a minute on one core; JupyterLab adds little).
RUN_TIMEOUT = 420
#: Seconds for a redraw after a slider moved (the explorers recompute a small network).
REDRAW_TIMEOUT = 120

# JupyterLab settings a reader's Binder would not change but a test must: no autosave (the test never writes a
# notebook), no news pop-up over the notebook.
LAB_OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n"
                    f"{proc.stderr[-3000:]}", pytrace=False)
    return proc


@pytest.fixture(scope="module")
def binder_venv() -> Path:
    """A fresh venv with Binder's Jupyter stack, then the repository's requirements.txt, as repo2docker does."""
    if sys.version_info[:2] != (3, 11):
        pytest.skip(f"Binder runs Python 3.11 (runtime.txt); this is {sys.version.split()[0]}")
    shutil.rmtree(VENV, ignore_errors=True)
    _run([sys.executable, "-m", "venv", str(VENV)])
    py = VENV / "bin" / "python"
    _run([py, "-m", "pip", "install", "--quiet", *(f"{k}=={v}" for k, v in BINDER_STACK.items())])
    _run([py, "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], cwd=REPO)
    return VENV


def test_requirements_install_over_binders_stack_and_pip_check_is_clean(binder_venv):
    proc = subprocess.run([binder_venv / "bin" / "python", "-m", "pip", "check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = json.loads(_run([binder_venv / "bin" / "python", "-m", "pip", "list", "--format", "json"]).stdout)
    versions = {p["name"].lower().replace("_", "-"): p["version"] for p in installed}
    # The front end a reader sees is Binder's; the kernel side is what requirements.txt and constraints.txt pin.
    for name in ("jupyterlab", "notebook", "jupyter-server", "jupyterlab-myst"):
        assert versions[name] == BINDER_STACK[name.replace("-", "_") if name == "jupyter-server" else name], name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, venv: Path, root: Path, home: Path):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        settings = home / "lab-settings"
        # JupyterLab reads overrides.json from its application settings, inside the venv.
        app_settings = venv / "share" / "jupyter" / "lab" / "settings"
        app_settings.mkdir(parents=True, exist_ok=True)
        (app_settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES))
        env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "OPENBLAS_NUM_THREADS": "1",
               "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        env.pop("PYTHONPATH", None)
        env.pop("SUPERPOSITION_DATA_DIR", None)
        self.log = open(home / "lab.log", "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [venv / "bin" / "jupyter", "lab", "--no-browser", "--allow-root", f"--port={self.port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--LabApp.expose_app_in_browser=True"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while True:
            try:
                self.api("status")
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(home / 'lab.log').read_text()[-3000:]}",
                                pytrace=False)
                time.sleep(0.5)

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="module")
def lab(binder_venv, tmp_path_factory):
    """Binder's JupyterLab on loopback, serving a copy of what a reader's Binder holds: the student notebooks and
    the data they load (so the test never writes into the repository)."""
    root = tmp_path_factory.mktemp("binder-root")
    shutil.copy(REPO / "_toc.yml", root)
    shutil.copytree(REPO / "book" / "data", root / "book" / "data")
    shutil.copytree(STUDENT, root / "book" / "student")
    server = Lab(binder_venv, root, tmp_path_factory.mktemp("binder-home"))
    yield server
    server.close()


# Run All through JupyterLab's command, wait until the kernel is idle, then read every code cell from the notebook
# model and every explorer from the page.
RUN_ALL = """
const done = arguments[arguments.length - 1];
const sleep = ms => new Promise(r => setTimeout(r, ms));
(async () => {
  while (!window.jupyterapp) await sleep(200);
  const app = window.jupyterapp;
  await app.started; await app.restored;
  let panel;
  while (!((panel = app.shell.currentWidget) && panel.sessionContext && panel.title.label === arguments[0]))
    await sleep(200);
  await panel.context.ready; await panel.sessionContext.ready;
  while (!(panel.sessionContext.session && panel.sessionContext.session.kernel)) await sleep(200);
  const kernel = panel.sessionContext.session.kernel;
  while (kernel.status !== 'idle') await sleep(200);
  const t0 = Date.now();
  await app.commands.execute('notebook:run-all-cells');
  // Done when the kernel is idle, no cell is running and no cell has started for 10 s: the command's promise can
  // settle at a cell that raised, while the cells after it are still queued.
  const ran = () => panel.content.widgets.filter(w => w.model.type === 'code' &&
                                                 w.model.executionCount !== null).length;
  let last = -1, stable = 0;
  while (stable < 20) {
    await sleep(500);
    const busy = kernel.status !== 'idle' || panel.content.widgets.some(w => w.model.type === 'code' &&
                 w.model.executionState === 'running');
    const now = ran();
    stable = (busy || now !== last) ? 0 : stable + 1;
    last = now;
  }
  const cells = [];
  panel.content.widgets.forEach((w, i) => {
    if (w.model.type !== 'code') return;
    const j = w.model.toJSON();
    const node = w.node;
    cells.push({index: i, tags: j.metadata.tags || [], execution_count: j.execution_count,
                errors: (j.outputs || []).filter(o => o.output_type === 'error').map(o => [o.ename, o.evalue]),
                widget_output: (j.outputs || []).some(o => o.data &&
                                                         o.data['application/vnd.jupyter.widget-view+json']),
                interacts: node.querySelectorAll('.widget-interact').length,
                sliders: node.querySelectorAll('.widget-interact .noUi-handle').length,
                images: node.querySelectorAll('.widget-interact img').length});
  });
  done({seconds: (Date.now() - t0) / 1000, cells});
})().catch(e => done({error: String(e)}));
"""

FIGURE_SRC = """
const img = window.jupyterapp.shell.currentWidget.content.widgets[arguments[0]].node
  .querySelector('.widget-interact img');
return img ? img.getAttribute('src') : null;
"""

# Move the explorer's first slider one step with the keyboard (noUiSlider's own key handling, the way a reader
# nudges a slider), after scrolling it into view.
NUDGE_SLIDER = """
const handle = window.jupyterapp.shell.currentWidget.content.widgets[arguments[0]].node
  .querySelector('.widget-interact .noUi-handle');
handle.scrollIntoView({block: 'center'});
handle.focus();
for (const type of ['keydown', 'keyup'])
  handle.dispatchEvent(new KeyboardEvent(type, {key: 'ArrowRight', code: 'ArrowRight', keyCode: 39, which: 39,
                                                bubbles: true, cancelable: true}));
return handle.getAttribute('aria-valuenow');
"""


def _stub_error(cell, number) -> bool:
    return ("exercise-check" in cell["tags"] and len(cell["errors"]) == 1
            and cell["errors"][0][0] == "NotImplementedError" and f"Exercise {number}." in cell["errors"][0][1])


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_student_notebook_runs_in_binders_jupyterlab(lab, driver, name):
    number = int(name.split("_")[0])
    lab.shutdown_kernels()
    driver.set_script_timeout(RUN_TIMEOUT)
    driver.get(f"{lab.url}/lab/tree/book/student/{name}?reset&token={lab.token}")
    result = driver.execute_async_script(RUN_ALL, name)
    assert "error" not in result, f"driving JupyterLab failed: {result.get('error')}"
    cells = result["cells"]
    source = nbformat.read(STUDENT / name, as_version=4)
    assert len(cells) == sum(c.cell_type == "code" for c in source.cells)

    not_run = [c["index"] for c in cells if c["execution_count"] is None]
    assert not not_run, f"Run All left cells {not_run} unexecuted (an unexpected error stops it)"
    unexpected = [(c["index"], c["errors"]) for c in cells if c["errors"] and not _stub_error(c, number)]
    assert not unexpected, f"errors other than the exercise stubs: {unexpected}"
    stubs = [c for c in cells if "exercise-check" in c["tags"]]
    assert stubs and all(c["errors"] for c in stubs), "every check of the student edition surfaces its stub"

    explorers = [c for c in cells if c["widget_output"]]
    # An explorer: the widget cell after its static figure, tagged nbval-ignore-output (book/contributing.md).
    defined = [c for c in source.cells if c.cell_type == "code" and "nbval-ignore-output" in c.metadata.get("tags", [])
               and ("interactive(" in c.source or "_explorer(" in c.source)]
    assert len(explorers) == len(defined) >= 1, (
        f"{len(defined)} explorer cells in the notebook, {len(explorers)} showed a widget")
    for cell in explorers:
        assert cell["interacts"] == 1 and cell["sliders"] >= 1 and cell["images"] == 1, (
            f"cell {cell['index']}: the explorer did not render live with its figure: {cell}")
        before = driver.execute_script(FIGURE_SRC, cell["index"])
        driver.execute_script(NUDGE_SLIDER, cell["index"])
        deadline = time.time() + REDRAW_TIMEOUT
        while (after := driver.execute_script(FIGURE_SRC, cell["index"])) in (before, None):
            assert time.time() < deadline, f"cell {cell['index']}: moving a slider did not redraw the figure"
            time.sleep(0.5)
        assert after.startswith("data:image/png")
    lab.shutdown_kernels()

