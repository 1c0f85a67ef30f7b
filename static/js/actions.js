// Action edit form: show "Why it was dropped" only when the status is Dropped (it stays
// visible without JavaScript, and the server checks the rule either way).
(function () {
  var status = document.querySelector("form [name=status]");
  var group = document.getElementById("drop-reason-group");
  if (!status || !group) { return; }
  function sync() {
    var dropped = status.value === "dropped";
    var reason = group.querySelector("textarea");
    group.hidden = !dropped && !(reason && reason.value.trim());
  }
  status.addEventListener("change", sync);
  sync();
})();
