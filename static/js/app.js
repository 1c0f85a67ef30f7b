// Small progressive enhancements; every page works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A table wider than its card scrolls inside the card (.table-responsive). Keyboard users
// must be able to reach and scroll it too (WCAG 2.1.1), so while it actually scrolls it is a
// focusable, named region; when the screen is wide enough it is a plain box again.
(function () {
  var label = document.body.getAttribute("data-scroll-label") || "Table (scrolls sideways)";
  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var card = box.closest(".card");
    var heading = card && card.querySelector("h2, h3, .card-title");
    return heading ? heading.textContent.trim() : "";
  }
  function mark() {
    var boxes = document.querySelectorAll(".table-responsive, .cx-table-scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("data-scrolls")) {
        var name = nameOf(box);
        box.setAttribute("data-scrolls", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name ? name + " – " + label : label);
      } else if (!scrolls && box.hasAttribute("data-scrolls")) {
        box.removeAttribute("data-scrolls");
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  }
  mark();
  if (window.ResizeObserver) { new ResizeObserver(mark).observe(document.documentElement); }
  else { window.addEventListener("resize", mark); }
})();

// An issued version's PDF is laid out in the background. While it is, the version page asks a
// small status address every second and reloads itself once, when the PDF is ready or has failed,
// instead of reloading (and the server rendering) the whole report every 3 s. Without scripts the
// page's <noscript> refresh does the old thing.
(function () {
  var pending = document.querySelector("[data-pdf-status]");
  if (!pending || !window.fetch) { return; }
  var url = pending.getAttribute("data-pdf-status");
  function ask() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // A server error: ask again, more slowly. Any other answer that is not the status (an
        // expired session's login page, a version that is gone): reload, and the server shows
        // the right page instead of this one asking for ever.
        if (response.status >= 500) { setTimeout(ask, 5000); return; }
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!response.ok || !json) { window.location.reload(); return; }
        return response.json().then(function (state) {
          if (state.pdf === "pending") { setTimeout(ask, 1000); } else { window.location.reload(); }
        });
      })
      // A lost connection: ask again, more slowly.
      .catch(function () { setTimeout(ask, 5000); });
  }
  setTimeout(ask, 1000);
})();
