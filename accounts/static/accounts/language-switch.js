"use strict";
// The language menu in the admin's header sends its form when a language is chosen (an
// external script: the Content-Security-Policy allows no inline handlers).
document.addEventListener("DOMContentLoaded", function () {
  var menu = document.querySelector("#language-switch select");
  if (menu) {
    menu.addEventListener("change", function () {
      menu.form.submit();
    });
  }
});
