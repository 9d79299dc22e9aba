/* Small fixes for the static ipywidgets explorers rendered by the vendored @jupyter-widgets/html-manager (embed.js).
 * Loaded before embed.js on pages that embed widget state (nb_ipywidgets_js in _config.yml). Found by the browser
 * tests (tests/browser):
 *  1. ipywidgets typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue); the book loads MathJax 3, so
 *     every label threw "Cannot read properties of undefined (reading 'Queue')". We add a tiny Hub.Queue that
 *     forwards to MathJax 3's typesetPromise.
 *  2. Accessibility (axe-core): the slider handles have no accessible name, and the figure an explorer shows in its
 *     Output widget has no alt text (matplotlib output carries none). We name each handle after its widget's
 *     description, and give each explorer figure an alt text that states the explorer's settings it was drawn for.
 */
(function () {
  "use strict";

  function addHub() {
    var M = window.MathJax;
    if (!M || M.Hub) { return; }
    M.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (!Array.isArray(job) || job[0] !== "Typeset") { return; }
          var el = job[2];
          var ready = (window.MathJax.startup && window.MathJax.startup.promise) || Promise.resolve();
          ready.then(function () {
            if (window.MathJax.typesetPromise) { return window.MathJax.typesetPromise(el ? [el] : undefined); }
          }).catch(function (e) { console.warn("widget label typesetting failed", e); });
        });
      }
    };
  }

  function text(el) { return el ? (el.textContent || "").replace(/\s+/g, " ").trim() : ""; }

  function controlValue(box) {
    var readout = box.querySelector(".widget-readout");
    if (readout && text(readout)) { return text(readout); }
    var select = box.querySelector("select");
    if (select && select.selectedIndex >= 0) { return text(select.options[select.selectedIndex]); }
    var check = box.querySelector("input[type=checkbox]");
    if (check) { return check.checked ? "on" : "off"; }
    var input = box.querySelector("input, textarea");
    if (input) { return input.value; }
    var active = box.querySelector(".mod-active, [aria-pressed=true]");
    return active ? text(active) : "";
  }

  function settings(root) {
    var parts = [];
    root.querySelectorAll(".widget-inline-hbox").forEach(function (box) {
      var label = text(box.querySelector(".widget-label"));
      var value = controlValue(box);
      if (label && value) { parts.push(label + " = " + value); }
    });
    return parts;
  }

  function fix(root) {
    root.querySelectorAll(".noUi-handle:not([aria-label])").forEach(function (handle) {
      var box = handle.closest(".widget-inline-hbox");
      var label = text(box && box.querySelector(".widget-label"));
      handle.setAttribute("aria-label", label || "slider");
    });
    root.querySelectorAll(".widget-output img:not([alt])").forEach(function (img) {
      var explorer = img.closest(".widget-interact") || img.closest(".widget-subarea") || root;
      var s = settings(explorer);
      img.setAttribute("alt", "Figure drawn by the interactive explorer" +
        (s.length ? " for " + s.join(", ") : " for its initial settings") +
        " (a static snapshot; the same plot is described in the figure before the explorer).");
    });
  }

  function start() {
    addHub();
    fix(document);
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        r.addedNodes.forEach(function (n) { if (n.nodeType === 1) { fix(n.closest(".widget-subarea") || n); } });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  addHub();
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
