// The case page's header (issue 17): the SLA countdown and the hold clock tick every second,
// the phone number copies with one click, and the escalate panel shows only the chosen
// reason's target and guidance. Every word comes from the page (translated by Django).
(function () {
  "use strict";

  function clock(seconds, dayLabel) {
    seconds = Math.max(0, Math.floor(seconds));
    const days = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const two = (n) => String(n).padStart(2, "0");
    const time = (days || h ? h + ":" + two(m) : m) + ":" + two(s);
    return days ? days + dayLabel + " " + (h < 10 ? "0" : "") + time : time;
  }

  function tickDeadline(box) {
    const due = Date.parse(box.dataset.due);
    const start = Date.parse(box.dataset.start);
    const now = Date.now();
    const left = (due - now) / 1000;
    const out = box.querySelector(".ch-countdown");
    let state = "ch-on_track";
    if (left <= 0) {
      state = "ch-breached";
      out.textContent = box.dataset.late + " " + clock(-left, box.dataset.day);
    } else {
      // amber once a warning fired, or half of the time (wall clock) is gone
      const half = start && due > start && (now - start) >= (due - start) / 2;
      if (box.dataset.warned || half) state = "ch-at_risk";
      out.textContent = box.dataset.left + " " + clock(left, box.dataset.day);
    }
    box.classList.remove("ch-on_track", "ch-at_risk", "ch-breached");
    box.classList.add(state);
  }

  function tickHold(box) {
    const since = Date.parse(box.dataset.since);
    box.querySelector(".ch-holdtime").textContent = clock((Date.now() - since) / 1000, box.dataset.day);
  }

  function tick() {
    document.querySelectorAll("#ch-sla[data-due]").forEach(tickDeadline);
    document.querySelectorAll("#ch-hold[data-since]").forEach(tickHold);
  }

  function showRoute(form) {
    const checked = form.querySelector("input[name=reason]:checked");
    const routes = form.querySelector(".ch-routes");
    if (!routes) return;
    routes.querySelectorAll(".ch-route").forEach(function (route) {
      route.hidden = !checked || route.dataset.reason !== checked.value;
    });
    routes.classList.toggle("ch-routes-empty", !checked);
  }

  function copy(button) {
    const text = button.dataset.copy;
    const done = function () {
      const label = button.textContent;
      button.textContent = button.dataset.copied;
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
    } else {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    document.querySelectorAll("form.ch-escalate").forEach(function (form) {
      showRoute(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "reason") showRoute(form);
      });
    });
    document.querySelectorAll("button.ch-copy").forEach(function (button) {
      button.addEventListener("click", function () { copy(button); });
    });
    // a panel opened: its first empty field takes the focus
    document.querySelectorAll("details.ch-panel").forEach(function (panel) {
      panel.addEventListener("toggle", function () {
        if (!panel.open) return;
        const field = panel.querySelector("textarea:not([readonly]), input[type=radio]");
        if (field && !field.value) field.focus({ preventScroll: true });
      });
    });
  });
})();
