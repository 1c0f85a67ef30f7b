// Autosave for the answer sheet. Without this file the page still works: its buttons save
// the whole dimension. With it, every change is posted on its own (with the answer's
// version, so a stale save gets a 409 instead of overwriting), and the status says "Saved".
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form || !window.fetch) { return; }
  var saveUrl = form.getAttribute("data-save-url");
  var loginUrl = form.getAttribute("data-login-url");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var tokenInput = form.querySelector('input[name="csrf_token"]');
  var token = (meta && meta.getAttribute("content")) || (tokenInput && tokenInput.value) || "";
  // Every text comes from the page (translated on the server), with English as the fallback.
  var M = {};
  try { M = JSON.parse(form.getAttribute("data-messages") || "{}"); } catch (e) { M = {}; }
  function t(key, fallback, arg) {
    var text = M[key] || fallback;
    return arg === undefined ? text : text.replace("%s", arg);
  }
  var pending = {};   // practice id -> true while a change is not yet stored
  var timers = {};
  var inflight = {};  // practice id -> true while a save is on the wire
  var again = {};     // practice id -> true when it changed again meanwhile

  function block(pid) { return form.querySelector('[data-practice="' + pid + '"]'); }

  function currentChoice(el) {
    var checked = el.querySelector('input[type="radio"]:checked');
    return checked ? checked.value : "";
  }

  function setStatus(el, text, cls) {
    var status = el.querySelector("[data-status]");
    status.innerHTML = "";
    var span = document.createElement("span");
    span.className = cls || "text-muted";
    span.textContent = text;
    status.appendChild(span);
  }

  function showConflict(el, message, actions) {
    var box = el.querySelector("[data-conflict]");
    box.innerHTML = "";
    var p = document.createElement("div");
    p.textContent = message;
    box.appendChild(p);
    (actions || []).forEach(function (action) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-sm " + (action.primary ? "btn-warning" : "btn-outline-secondary") + " me-2 mt-2";
      b.textContent = action.label;
      b.addEventListener("click", action.run);
      box.appendChild(b);
    });
    box.classList.remove("d-none");
  }

  function hideConflict(el) {
    var box = el.querySelector("[data-conflict]");
    box.classList.add("d-none");
    box.innerHTML = "";
  }

  function choiceLabel(choice) {
    if (!choice) { return t("none", "no answer"); }
    if (choice === "na") { return t("na", "Not applicable"); }
    if (choice === "dont_know") { return t("dont_know", "Don't know"); }
    return t("level", "Level %s", choice);
  }

  function applyCurrent(el, current) {
    var pid = el.getAttribute("data-practice");
    var radio = el.querySelector('input[name="choice-' + pid + '"][value="' + (current.choice || "") + '"]');
    if (radio) { radio.checked = true; }
    var note = el.querySelector('textarea[name="note-' + pid + '"]');
    if (note) { note.value = current.note || ""; }
    el.querySelector("[data-version]").value = current.version || 0;
  }

  function updateProgress(data) {
    var answered = document.querySelector("[data-answered]");
    if (answered) { answered.textContent = data.answered; }
    var bar = document.querySelector("[data-progress-bar]");
    if (bar && data.total) { bar.style.width = Math.round(100 * data.answered / data.total) + "%"; }
    var wrap = document.querySelector("[data-progress]");
    if (wrap) { wrap.setAttribute("aria-valuenow", data.answered); }
    var badge = document.querySelector('[data-dim-count="' + data.dimension + '"]');
    if (badge) {
      var n = badge.getAttribute("data-dim-total");
      var count = badge.lastChild;  // the visually hidden "answered:" stays in front
      count.textContent = data.dimension_answered + "/" + n;
      badge.className = "badge " + (String(data.dimension_answered) === n ? "text-bg-success" : "text-bg-light");
    }
    updateNextOpen();
  }

  // "Next unanswered" follows the answers on this page; when they are all done it keeps the
  // server's link to the next dimension with open practices (or hides when there is none).
  var nextOpen = document.querySelector("[data-next-open]");
  var nextElsewhere = nextOpen && nextOpen.getAttribute("href").charAt(0) !== "#" ? nextOpen.getAttribute("href") : null;
  var nextElsewhereText = nextOpen ? nextOpen.textContent : "";
  function updateNextOpen() {
    if (!nextOpen) { return; }
    var blocks = form.querySelectorAll("[data-practice]");
    for (var i = 0; i < blocks.length; i++) {
      if (!currentChoice(blocks[i])) {
        var pid = blocks[i].getAttribute("data-practice");
        nextOpen.setAttribute("href", "#p-" + pid);
        nextOpen.textContent = nextOpen.getAttribute("data-here-label").replace("%s", pid);
        nextOpen.classList.remove("d-none");
        return;
      }
    }
    if (nextElsewhere) {
      nextOpen.setAttribute("href", nextElsewhere);
      nextOpen.textContent = nextElsewhereText;
    } else {
      nextOpen.classList.add("d-none");
    }
  }

  // Keyboard: inside one practice the arrow keys only move the focus between the choices
  // (a native radio group would also choose, and so save, every level passed on the way);
  // Space or Enter chooses the focused one. Autosave runs on the change that choosing fires.
  form.addEventListener("keydown", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches('input[type="radio"]')) { return; }
    var group = Array.prototype.slice.call(form.querySelectorAll('input[type="radio"][name="' + radio.name + '"]'));
    var index = group.indexOf(radio);
    var key = event.key;
    var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[key];
    if (step) {
      event.preventDefault();
      group[(index + step + group.length) % group.length].focus();
    } else if (key === "Home" || key === "End") {
      event.preventDefault();
      group[key === "Home" ? 0 : group.length - 1].focus();
    } else if (key === "Enter" || key === " ") {
      event.preventDefault();  // Enter would submit the whole form
      if (!radio.checked) {
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  function save(pid) {
    // One save per practice at a time: the next one must carry the version the previous
    // one produced, or this tab would conflict with itself.
    if (inflight[pid]) { again[pid] = true; return; }
    inflight[pid] = true;
    return send(pid).then(function () {
      inflight[pid] = false;
      if (again[pid]) { again[pid] = false; save(pid); }
    });
  }

  function send(pid) {
    var el = block(pid);
    var note = el.querySelector('textarea[name="note-' + pid + '"]');
    var payload = {
      practice_id: pid,
      choice: currentChoice(el),
      note: note ? note.value : "",
      version: parseInt(el.querySelector("[data-version]").value || "0", 10)
    };
    pending[pid] = true;
    setStatus(el, t("saving", "Saving…"));
    return fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(payload)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.type === "opaqueredirect" || response.status === 401 || type.indexOf("application/json") === -1) {
        // The login wall redirects and an expired session fails the CSRF check with an HTML
        // page: either way the session is gone. The choice stays in the form.
        setStatus(el, t("not_saved", "Not saved"), "text-danger fw-semibold");
        // A personal answer link has no login page: its holder opens the link from the mail again.
        var actions = loginUrl ? [{ label: t("login", "Log in again (new tab)"), primary: true, run: function () { window.open(loginUrl, "_blank"); } }] : [];
        actions.push({ label: t("retry", "Try again"), run: function () { save(pid); } });
        showConflict(el, loginUrl ? t("expired", "Your session has expired, so this answer was not saved. Your choice is still on this page: log in again in another tab, then come back and press “Save this page”.")
                                  : t("expired_link", "Your session has expired, so this answer was not saved. Open the link from your invitation mail again in another tab, then come back and press “Save this page”."), actions);
        return;
      }
      return response.json().then(function (data) {
        if (response.ok) {
          delete pending[pid];
          hideConflict(el);
          el.querySelector("[data-version]").value = data.current.version;
          var now = new Date();
          setStatus(el, t("saved_at", "Saved %s", now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })), "text-success");
          updateProgress(data);
        } else if (response.status === 409 && data.error === "conflict") {
          var mine = payload;
          var current = data.current;
          setStatus(el, t("conflict_status", "Not saved: conflict"), "text-danger fw-semibold");
          showConflict(el, data.message + " " + t("saved_answer", "Saved answer: %s.", choiceLabel(current.choice)) + " " + t("your_choice", "Your choice: %s.", choiceLabel(mine.choice)), [
            { label: t("keep", "Keep my choice"), primary: true, run: function () {
                el.querySelector("[data-version]").value = current.version; save(pid); } },
            { label: t("use_saved", "Use the saved answer"), run: function () {
                applyCurrent(el, current); delete pending[pid]; hideConflict(el);
                setStatus(el, t("saved", "Saved"), "text-success"); } }
          ]);
        } else {
          setStatus(el, t("not_saved", "Not saved"), "text-danger fw-semibold");
          showConflict(el, data.message || t("failed", "The answer could not be saved."), []);
        }
      });
    }).catch(function () {
      setStatus(el, t("offline_status", "Not saved (offline?)"), "text-danger fw-semibold");
      showConflict(el, t("offline", "The connection failed, so this answer was not saved yet. It stays on the page; change it again or press “Save this page”."), [
        { label: t("retry", "Try again"), primary: true, run: function () { save(pid); } }
      ]);
    });
  }

  form.addEventListener("change", function (event) {
    var el = event.target.closest("[data-practice]");
    if (!el) { return; }
    var pid = el.getAttribute("data-practice");
    clearTimeout(timers[pid]);
    save(pid);
  });

  form.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") { return; }
    var el = event.target.closest("[data-practice]");
    var pid = el.getAttribute("data-practice");
    pending[pid] = true;
    setStatus(el, t("typing", "Typing…"));
    clearTimeout(timers[pid]);
    timers[pid] = setTimeout(function () { save(pid); }, 900);
  });

  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(pending).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  form.addEventListener("submit", function () { pending = {}; });
})();
