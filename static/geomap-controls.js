/* geomap map controls: full screen, place search + filter panel, status line.
 * Everything is built with DOM nodes and textContent: no user text is ever
 * parsed as HTML. */
(function () {
  "use strict";

  var gm = window.geomap = window.geomap || {};
  gm.NARROW = 700;  // px: below this width the page uses its phone layout

  /* Create an element; attrs.text sets textContent, attrs.cls the class. */
  gm.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) { return; }
      if (key === "text") { node.textContent = value; } else if (key === "cls") { node.className = value; } else { node.setAttribute(key, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  };

  /* An absolute http(s) URL, or null: anything else (javascript:, data:, relative) gets no link. */
  gm.safeUrl = function (raw) {
    if (typeof raw !== "string" || !raw) { return null; }
    try {
      var url = new URL(raw);
      return (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
    } catch (e) {
      return null;
    }
  };

  /* Four corner brackets, drawn as SVG so no icon font is needed. */
  function expandIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    svg.appendChild(path);
    return svg;
  }

  gm.Fullscreen = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function (map) {
      var bar = gm.el("div", { cls: "leaflet-bar geomap-fullscreen" });
      var button = gm.el("a", { href: "#", role: "button", title: "Full screen", "aria-label": "Full screen" });
      button.appendChild(expandIcon());
      bar.appendChild(button);
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.on(button, "click", function (event) {
        L.DomEvent.preventDefault(event);
        var box = map.getContainer();
        if (document.fullscreenElement) { document.exitFullscreen(); } else if (box.requestFullscreen) { box.requestFullscreen(); }
      });
      document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
      return bar;
    }
  });

  gm.Status = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      this._box = gm.el("div", { cls: "geomap-status", role: "status", "aria-live": "polite" });
      this._text = gm.el("div", { cls: "geomap-status-text" });
      var legend = gm.el("div", { cls: "geomap-legend" });
      [["country", "country"], ["admin1", "region"], ["city", "city"], ["water", "sea, river"], ["other", "other"], ["group", "group of places"]].forEach(function (k) {
        legend.appendChild(gm.el("span", null, [gm.el("i", { cls: "geomap-dot geomap-kind-" + k[0] }), k[1]]));
      });
      this._box.appendChild(this._text);
      this._box.appendChild(legend);
      return this._box;
    },
    set: function (text, isError) {
      this._text.textContent = text;
      this._box.classList.toggle("geomap-error", !!isError);
    }
  });

  var FIELDS = [
    ["q", "Name", "text", "part of a place name"],
    ["country", "Country", "text", "ISO code, e.g. UA"],
    ["source", "Source", "text", "e.g. Reuters"],
    ["since", "From", "date", ""],
    ["until", "To", "date", ""],
    ["min_confidence", "Min. confidence", "number", "0\u20131, e.g. 0.5", { min: "0", max: "1", step: "any" }]
  ];

  /* Search box over the loaded places, the filter form, and export/API links. */
  gm.Panel = L.Control.extend({
    options: { position: "topright" },

    onAdd: function () {
      var o = this.options, self = this;
      var box = gm.el("div", { cls: "geomap-panel" });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);

      this._search = gm.el("input", { type: "search", cls: "geomap-search", placeholder: "Find a place on the map\u2026", "aria-label": "Find a place on the map", autocomplete: "off" });
      this._results = gm.el("ul", { cls: "geomap-results", role: "listbox" });
      box.appendChild(this._search);
      box.appendChild(this._results);
      L.DomEvent.on(this._search, "input", function () { self._showMatches(); });
      L.DomEvent.on(this._search, "keydown", function (event) {
        if (event.key === "Enter" && self._matches && self._matches.length) { self._pick(self._matches[0]); }
        if (event.key === "Escape") { self._clearSearch(); }
      });

      if (o.live) {
        box.appendChild(this._filterForm(o.filters || {}));
      } else {
        box.appendChild(gm.el("p", { cls: "geomap-note", text: o.note || "" }));
      }
      this._links = gm.el("p", { cls: "geomap-links" });
      box.appendChild(this._links);
      this.setLinks(o.filters || {});
      this._places = [];
      return box;
    },

    _filterForm: function (filters) {
      var o = this.options, self = this;
      var details = gm.el("details", { cls: "geomap-filters", open: Object.keys(filters).length > 0 });
      details.appendChild(gm.el("summary", { text: "Filter articles" }));
      var form = gm.el("form", { cls: "geomap-form" });
      FIELDS.forEach(function (f) {
        var attrs = { name: f[0], type: f[2], placeholder: f[3], id: "geomap-f-" + f[0] };
        Object.keys(f[4] || {}).forEach(function (k) { attrs[k] = f[4][k]; });
        var input = gm.el("input", attrs);
        input.value = filters[f[0]] || "";
        form.appendChild(gm.el("label", { "for": "geomap-f-" + f[0], text: f[1] }));
        form.appendChild(input);
      });
      var demonyms = gm.el("input", { type: "checkbox", name: "demonyms", id: "geomap-f-demonyms" });
      demonyms.checked = filters.demonyms === "true";
      form.appendChild(gm.el("label", { cls: "geomap-check", "for": "geomap-f-demonyms" }, [demonyms, " include demonyms (\u201cRussian\u201d \u2192 Russia)"]));
      var buttons = gm.el("div", { cls: "geomap-buttons" }, [
        gm.el("button", { type: "submit", text: "Apply" }),
        gm.el("button", { type: "reset", text: "Clear" })
      ]);
      form.appendChild(buttons);
      L.DomEvent.on(form, "submit", function (event) {
        L.DomEvent.preventDefault(event);
        o.onFilter(self._read(form));
      });
      L.DomEvent.on(form, "reset", function () {
        setTimeout(function () { o.onFilter({}); }, 0);
      });
      details.appendChild(form);
      return details;
    },

    _read: function (form) {
      var values = {};
      FIELDS.forEach(function (f) {
        var v = form.elements[f[0]].value.trim();
        if (v) { values[f[0]] = v; }
      });
      if (form.elements.demonyms.checked) { values.demonyms = "true"; }
      return values;
    },

    /* Show these filter values in the form (after the timeline or the URL changed them). */
    setValues: function (filters) {
      FIELDS.forEach(function (f) {
        var input = document.getElementById("geomap-f-" + f[0]);
        if (input) { input.value = filters[f[0]] || ""; }
      });
      var demonyms = document.getElementById("geomap-f-demonyms");
      if (demonyms) { demonyms.checked = filters.demonyms === "true"; }
    },

    /* Fold the panel to its search box (a popup opened on a phone), or unfold it. */
    fold: function (folded) {
      if (this._container) { this._container.classList.toggle("geomap-folded", !!folded); }
    },

    setLinks: function (filters) {
      var o = this.options, query = gm.query(filters), links = this._links;
      links.textContent = "";
      if (o.live) {
        var files = gm.el("details", { cls: "geomap-downloads", open: this._downloadsOpen }, [gm.el("summary", { text: "Download this view" })]);
        var self = this;
        files.addEventListener("toggle", function () { self._downloadsOpen = files.open; });
        var list = gm.el("ul");
        list.appendChild(gm.el("li", null, [gm.el("a", { href: o.exportUrl + query, text: "map (HTML file)" })]));
        (o.downloads || []).forEach(function (d) {
          list.appendChild(gm.el("li", null, [gm.el("a", { href: d.url + query, text: d.label, download: "" })]));
        });
        files.appendChild(list);
        links.appendChild(files);
        links.appendChild(gm.el("a", { href: o.docsUrl, text: "API" }));
      } else if (o.generated) {
        this._links.textContent = "Exported " + o.generated + " from geomap";
      }
    },

    /* entries: [{name, detail, mentions, marker}] */
    setPlaces: function (entries) {
      this._places = entries.slice().sort(function (a, b) { return b.mentions - a.mentions; });
      this._showMatches();
    },

    _showMatches: function () {
      var q = this._search.value.trim().toLowerCase(), self = this;
      this._results.textContent = "";
      this._matches = [];
      if (!q) { return; }
      var starts = [], contains = [];
      this._places.forEach(function (p) {
        var name = p.name.toLowerCase();
        if (name.indexOf(q) === 0) { starts.push(p); } else if (name.indexOf(q) > 0) { contains.push(p); }
      });
      this._matches = starts.concat(contains).slice(0, 8);
      if (!this._matches.length) {
        this._results.appendChild(gm.el("li", { cls: "geomap-none", text: "No place by that name on the map" }));
      }
      this._matches.forEach(function (p) {
        var item = gm.el("li", { role: "option", tabindex: "0" }, [gm.el("b", { text: p.name }), " " + p.detail]);
        // Stop the event here: the item leaves the DOM on pick, and a click Leaflet
        // can no longer trace to the panel would count as a map click and close the popup.
        L.DomEvent.on(item, "click", function (event) { L.DomEvent.stop(event); self._pick(p); });
        L.DomEvent.on(item, "keydown", function (event) { if (event.key === "Enter") { L.DomEvent.stop(event); self._pick(p); } });
        self._results.appendChild(item);
      });
    },

    _clearSearch: function () {
      this._search.value = "";
      this._showMatches();
    },

    _pick: function (entry) {
      this._clearSearch();
      this.options.onPick(entry);
    }
  });

  /* "?a=1&b=2" from a filter object (empty values dropped), or "". */
  gm.query = function (filters) {
    var params = new URLSearchParams();
    Object.keys(filters || {}).sort().forEach(function (k) { if (filters[k]) { params.set(k, filters[k]); } });
    var text = params.toString();
    return text ? "?" + text : "";
  };
}());
