// The case list's "N new — show" bar: polls the list's new rows every few seconds with
// If-None-Match (unchanged versions answer 304 and cost the server no database query); shows
// the bar when rows matching the page's own filters were opened, escalated or put on hold since
// the page was drawn. Clicking it reloads the page (same filters and sort) at the same scroll
// position.
(function () {
  "use strict";
  var INTERVAL = 3000;
  var bar = document.getElementById("queue-new");
  if (!bar || !window.fetch) return;
  var button = document.getElementById("queue-new-show");
  var etag = bar.dataset.etag || null;
  var KEY = "queue-scroll:" + window.location.pathname + window.location.search;

  try {
    var saved = window.sessionStorage.getItem(KEY);
    if (saved !== null) {
      window.sessionStorage.removeItem(KEY);
      window.scrollTo(0, parseInt(saved, 10) || 0);
    }
  } catch (e) { /* no storage: the browser's own restoration applies */ }

  function show(data) {
    bar.hidden = !(data.new > 0);
    button.textContent = data.text;
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    var query = window.location.search.replace(/^\?/, "");
    return fetch(bar.dataset.pollUrl + "&q=" + encodeURIComponent(query), {
      headers: headers, credentials: "same-origin", cache: "no-store"
    })
      .then(function (response) {
        if (response.status !== 200) return null;
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) { if (data) show(data); })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  function schedule() {
    window.setTimeout(function () { poll().then(schedule); }, INTERVAL);
  }

  button.addEventListener("click", function () {
    try { window.sessionStorage.setItem(KEY, String(window.scrollY)); } catch (e) { /* ignore */ }
    window.location.reload();
  });

  schedule();
})();
