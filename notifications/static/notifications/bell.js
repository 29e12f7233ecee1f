// The bell: polls the user's notifications every few seconds with If-None-Match (an unchanged
// version answers 304 and costs the server no database query), updates the count and the list,
// and raises a desktop notification and a short sound for the kinds the user chose (by default
// the loud ones: an escalation, a customer on hold, an answer returned; ``desktop`` per item)
// unless the user turned desktop alerts off.
(function () {
  "use strict";
  var INTERVAL = 3000;
  var bell = document.getElementById("bell");
  if (!bell || !window.fetch) return;
  var button = document.getElementById("bell-button");
  var count = document.getElementById("bell-count");
  var menu = document.getElementById("bell-menu");
  var list = document.getElementById("bell-list");
  var desktop = document.getElementById("bell-desktop");
  var etag = null;
  var newest = null; // the highest id seen: newer loud ones alert (none at the first answer)
  var desktopOn = true;

  function csrf() {
    var input = document.querySelector("#bell-read-all input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function beep(loudness) {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      var ctx = new Ctx();
      var notes = loudness >= 2 ? [880, 660, 880] : [880];
      notes.forEach(function (freq, i) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.value = 0.15;
        osc.connect(gain);
        gain.connect(ctx.destination);
        osc.start(ctx.currentTime + i * 0.18);
        osc.stop(ctx.currentTime + i * 0.18 + 0.14);
      });
    } catch (e) { /* no audio: the bell still shows it */ }
  }

  function alertDesktop(item) {
    if (!desktopOn) return;
    beep(item.loudness);
    if (!("Notification" in window) || window.Notification.permission !== "granted") return;
    try {
      var n = new window.Notification(bell.dataset.appTitle, { body: item.title, tag: "bell-" + item.id });
      n.onclick = function () { window.focus(); window.location.href = item.url; };
    } catch (e) { /* some browsers allow notifications only from a service worker */ }
  }

  function render(data) {
    count.textContent = String(data.unread);
    count.hidden = data.unread === 0;
    desktopOn = data.desktop;
    desktop.checked = data.desktop;
    list.textContent = "";
    if (!data.items.length) {
      var empty = document.createElement("li");
      empty.className = "bell-empty";
      empty.textContent = bell.dataset.empty;
      list.appendChild(empty);
    }
    var fresh = [];
    data.items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = (item.read ? "bell-read" : "bell-unread") + (item.loudness > 0 ? " bell-loud" : "");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      var time = document.createElement("time");
      time.textContent = item.at;
      a.appendChild(time);
      li.appendChild(a);
      list.appendChild(li);
      if (newest !== null && item.id > newest && !item.read && item.desktop) fresh.push(item);
    });
    var ids = data.items.map(function (item) { return item.id; });
    var top = ids.length ? Math.max.apply(null, ids) : 0;
    newest = newest === null ? top : Math.max(newest, top);
    if (fresh.length) {
      count.classList.remove("bell-loud");
      void count.offsetWidth; // restart the pulse
      count.classList.add("bell-loud");
      fresh.forEach(alertDesktop);
    }
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    return fetch(bell.dataset.pollUrl, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status !== 200) return null;
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) { if (data) render(data); })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  function schedule() {
    window.setTimeout(function () { poll().then(schedule); }, INTERVAL);
  }

  function askOnce() {
    if (!("Notification" in window) || !desktopOn) return;
    if (window.Notification.permission !== "default") return;
    if (window.localStorage && window.localStorage.getItem("bell-asked")) return;
    if (window.localStorage) window.localStorage.setItem("bell-asked", "1");
    window.Notification.requestPermission();
  }

  button.addEventListener("click", function (event) {
    event.stopPropagation();
    menu.hidden = !menu.hidden;
    button.setAttribute("aria-expanded", String(!menu.hidden));
    askOnce();
  });
  document.addEventListener("click", function (event) {
    if (!menu.hidden && !menu.contains(event.target)) {
      menu.hidden = true;
      button.setAttribute("aria-expanded", "false");
    }
  });
  desktop.addEventListener("change", function () {
    desktopOn = desktop.checked;
    var body = new URLSearchParams({ desktop_alerts: desktop.checked ? "on" : "off" });
    fetch(bell.dataset.settingsUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }
    });
    if (desktop.checked) askOnce();
  });
  document.getElementById("bell-read-all").addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(this.action, {
      method: "POST", body: new FormData(this), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(poll);
  });

  poll().then(schedule);
})();
