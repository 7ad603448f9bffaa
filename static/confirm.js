// <form data-confirm="Question?"> asks in a <dialog> before it is sent (never window.confirm).
// Optional: data-confirm-yes="Button text", data-confirm-no="Button text"; the confirm button is
// red (.danger) unless the form says data-confirm-safe. Escape or "Cancel" keeps the form unsent;
// focus moves into the dialog and back to the button that asked afterwards.
(function () {
  "use strict";
  var html = document.documentElement;
  var yesText = html.getAttribute("data-confirm-yes") || "Yes";
  var noText = html.getAttribute("data-confirm-no") || "Cancel";
  var approved = new WeakSet();

  function buildDialog() {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-question");
    var text = document.createElement("p");
    text.id = "confirm-question";
    var actions = document.createElement("div");
    actions.className = "actions";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.value = "yes";
    var no = document.createElement("button");
    no.type = "button";
    no.className = "secondary";
    no.value = "no";
    actions.appendChild(no);
    actions.appendChild(yes);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    yes.addEventListener("click", function () { dialog.close("yes"); });
    no.addEventListener("click", function () { dialog.close("no"); });
    return { dialog: dialog, text: text, yes: yes, no: no };
  }

  var parts = null;

  function ask(form, submitter) {
    parts = parts || buildDialog();
    parts.text.textContent = form.getAttribute("data-confirm");
    parts.yes.textContent = form.getAttribute("data-confirm-yes") || yesText;
    parts.no.textContent = form.getAttribute("data-confirm-no") || noText;
    parts.yes.classList.toggle("danger", !form.hasAttribute("data-confirm-safe"));
    parts.dialog.returnValue = "";
    parts.dialog.onclose = null;
    parts.dialog.addEventListener("close", function done() {
      parts.dialog.removeEventListener("close", done);
      if (parts.dialog.returnValue === "yes") {
        approved.add(form);
        if (form.requestSubmit) {
          form.requestSubmit(submitter || undefined);
        } else {
          form.submit();
        }
      } else if (submitter) {
        submitter.focus();
      }
    });
    parts.dialog.showModal();
    parts.no.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
      return;
    }
    if (approved.has(form)) {
      approved.delete(form);
      return;
    }
    event.preventDefault();
    ask(form, event.submitter || null);
  }, true);
})();
