/* Progressive enhancement of the search page: autocomplete, instant filters, location.
   The page works fully without this file. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search-form]");
  if (!form) return;
  var input = form.querySelector("[data-autocomplete]");
  var list = document.getElementById("suggestions");
  var results = document.querySelector("[data-results]");
  var timer = null;
  var controller = null;

  function clearSuggestions() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
  }

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "false");
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var value = input.value.trim();
    if (value.length < 2) { clearSuggestions(); return; }
    timer = setTimeout(function () {
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(input.dataset.autocomplete + "&q=" + encodeURIComponent(value), { signal: controller.signal })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          list.textContent = "";
          data.suggestions.forEach(function (s, i) {
            var li = document.createElement("li");
            li.setAttribute("role", "option");
            li.id = "suggestion-" + i;
            var a = document.createElement("a");
            a.href = s.url;
            a.textContent = s.text;
            li.appendChild(a);
            list.appendChild(li);
          });
          list.hidden = data.suggestions.length === 0;
          input.setAttribute("aria-expanded", String(!list.hidden));
        })
        .catch(function () {});
    }, 200);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape") clearSuggestions();
    if (e.key === "ArrowDown" && !list.hidden) {
      e.preventDefault();
      var first = list.querySelector("a");
      if (first) first.focus();
    }
  });
  list.addEventListener("keydown", function (e) {
    var item = document.activeElement.closest("li");
    if (!item) return;
    if (e.key === "ArrowDown" && item.nextElementSibling) { e.preventDefault(); item.nextElementSibling.querySelector("a").focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); (item.previousElementSibling ? item.previousElementSibling.querySelector("a") : input).focus(); }
    if (e.key === "Escape") { clearSuggestions(); input.focus(); }
  });

  /* Instant filters: reload the results part of the page when a filter changes. */
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    for (var pair of Array.from(params.entries())) { if (!pair[1]) params.delete(pair[0]); }
    var url = location.pathname + "?" + params.toString();
    fetch(url, { headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-results]");
        var freshFilters = doc.querySelector(".filters .filter-grid");
        if (fresh) results.replaceWith(fresh), results = fresh;
        if (freshFilters) form.querySelector(".filter-grid").replaceWith(freshFilters);
        history.replaceState(null, "", url);
        bindLocate();
      });
  }
  form.addEventListener("change", function (e) {
    if (e.target.closest(".filters")) refresh();
  });

  /* "Use my location": only after the person clicks, never automatically. */
  function bindLocate() {
    var button = form.querySelector("[data-locate]");
    if (!button || !navigator.geolocation) return;
    button.hidden = false;
    button.onclick = function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("[data-lat]").value = position.coords.latitude.toFixed(4);
        form.querySelector("[data-lon]").value = position.coords.longitude.toFixed(4);
        form.querySelector("#sort").value = "distance";
        form.querySelector("#near").value = "";
        refresh();
      });
    };
  }
  bindLocate();
})();
