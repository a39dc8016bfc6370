/* Page actions: the system share sheet and print buttons. Without this file the
   share link opens an email with the page's address, the print buttons stay
   hidden and the browser's own print uses the print stylesheet. Clicks are caught
   on the document, so lists the search page reloads keep working. */
(function () {
  "use strict";
  document.documentElement.classList.add("can-print");
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    if (event.target.closest("[data-print]")) { window.print(); return; }
    var link = event.target.closest("[data-share]");
    if (!link || typeof navigator.share !== "function") return;
    var data = { title: link.dataset.title, url: link.dataset.url };
    if (navigator.canShare && !navigator.canShare(data)) return;
    event.preventDefault();
    navigator.share(data).catch(function (error) {
      // Closing the share sheet is a choice; any other failure gets the email.
      if (error && error.name !== "AbortError") location.href = link.href;
    });
  });
})();
