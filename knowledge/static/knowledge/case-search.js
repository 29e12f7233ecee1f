// The case page's knowledge panel (issue 17): the search runs in place (a POST: the server
// records what was shown), first with the case's subject when the panel opens, then with what
// the operator types. The results come rendered from the server (its words, translated).
(function () {
  "use strict";

  function run(form, results) {
    results.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        if (!response.ok && response.status !== 400) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) { results.innerHTML = html; })
      .catch(function () {
        results.textContent = form.dataset.failed;
      })
      .finally(function () {
        results.removeAttribute("aria-busy");
        results.dataset.searched = "1";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const panel = document.getElementById("ch-knowledge");
    if (!panel) return;
    const form = panel.querySelector("form.ch-kb-form");
    const results = panel.querySelector(".ch-kb-results");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(form, results);
    });
    panel.addEventListener("toggle", function () {
      if (panel.open && !results.dataset.searched) run(form, results);
    });
  });
})();
