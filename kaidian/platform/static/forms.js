/* Behaviour every admin and console form shares (served as a static file: the Content-Security-Policy
   allows no inline script).
   - A file input with data-max-bytes refuses a file over the limit before anything is uploaded, and
     says the limit in the form's [data-file-error] (data-too-large holds the message; {name} is the file).
   - A form (or a submit button) with data-confirm asks first, in the page's <dialog id="kd-confirm">;
     confirming adds confirmed=1 to the form, which the server checks for actions that need it (a
     page without JavaScript gets the server's own confirmation page instead). */
(function () {
  "use strict";

  function fileError(input) {
    var scope = input.form || input.parentNode;
    return scope ? scope.querySelector("[data-file-error]") : null;
  }

  function tooLarge(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10), names = [];
    if (!max || !input.files) { return []; }
    Array.prototype.forEach.call(input.files, function (file) {
      if (file.size > max) { names.push(file.name); }
    });
    return names;
  }

  function checkSize(input) {
    var names = tooLarge(input), box = fileError(input);
    if (!names.length) {
      if (box) { box.hidden = true; box.textContent = ""; }
      input.setCustomValidity("");
      return true;
    }
    var message = names.map(function (name) {
      return (input.getAttribute("data-too-large") || "{name}").replace("{name}", name);
    }).join(" ");
    input.value = "";
    if (box) { box.textContent = message; box.hidden = false; }
    return false;
  }

  function confirmDialog() {
    return document.getElementById("kd-confirm");
  }

  function ask(form, submitter, message, button) {
    var dialog = confirmDialog();
    if (!dialog || typeof dialog.showModal !== "function") {
      return window.confirm(message) && proceed(form, submitter);
    }
    dialog.querySelector("[data-confirm-message]").textContent = message;
    var ok = dialog.querySelector("[data-confirm-ok]");
    ok.textContent = button || ok.getAttribute("data-default");
    dialog.returnValue = "";
    dialog.onclose = function () {
      dialog.onclose = null;
      if (dialog.returnValue === "ok") { proceed(form, submitter); }
    };
    dialog.showModal();
    return false;
  }

  function proceed(form, submitter) {
    var flag = form.querySelector("input[name=confirmed]");
    if (!flag) {
      flag = document.createElement("input");
      flag.type = "hidden"; flag.name = "confirmed";
      form.appendChild(flag);
    }
    flag.value = "1";
    if (submitter && form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
    return true;
  }

  function onSubmit(event) {
    var form = event.target, submitter = event.submitter || null;
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      if (!checkSize(inputs[i])) { event.preventDefault(); return; }
    }
    var source = submitter && submitter.hasAttribute("data-confirm") ? submitter
      : form.hasAttribute("data-confirm") ? form : null;
    var flag = form.querySelector("input[name=confirmed]");
    if (!source || (flag && flag.value === "1")) { return; }
    event.preventDefault();
    var dialog = confirmDialog();
    var message = source.getAttribute("data-confirm") || (dialog && dialog.getAttribute("data-default")) || "?";
    ask(form, submitter, message, source.getAttribute("data-confirm-button"));
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=file][data-max-bytes]")) { checkSize(event.target); }
  });
  document.addEventListener("submit", onSubmit);
})();
