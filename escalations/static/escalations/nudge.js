// The nudge's one-click escalate: open the header's inline escalate panel with the rule's
// reason chosen (its target and guidance show, as when the reason is clicked). Without
// script, the link opens the full escalate page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const link = event.target.closest("#ch-nudge-escalate");
    if (!link) return;
    const panel = document.querySelector(
      'details.ch-panel[data-transition="' + link.dataset.transition + '"]'
    );
    if (!panel) return;
    event.preventDefault();
    panel.open = true;
    const radio = link.dataset.reason
      ? panel.querySelector('input[name=reason][value="' + link.dataset.reason + '"]')
      : null;
    if (radio) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    panel.scrollIntoView({ block: "nearest" });
    const first = panel.querySelector("textarea, input:not([type=hidden]):not([type=radio])");
    if (first) first.focus();
  });
})();
