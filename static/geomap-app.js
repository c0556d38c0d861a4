/* geomap live page: header with the full-text search, story feed beside the map, timeline under it,
 * and the URL as a permalink (filters, time window, centre/zoom "at", open "place"), back/forward
 * included. new geomap.App(map, opts, host) is called by geomap.init on the live page; host gives
 * filters(), applyFilters(filters, quiet), marker(id), openPlace(marker), foldPanel(folded).
 * opts: timelineUrl, articlesUrl, articlePageUrl. Built with DOM nodes and textContent only. */
(function () {
  "use strict";

  var gm = window.geomap = window.geomap || {};
  var VIEW_KEYS = ["at", "place"];  // URL parameters that are not filters
  var MOVE_DELAY = 350;  // ms after the map stops before the feed reloads

  /* {filters, at: [lat, lon, zoom] | null, place: id | null} from a query string. */
  function parseLocation(search) {
    var params = new URLSearchParams(search), filters = {}, at = null;
    params.forEach(function (value, key) { if (VIEW_KEYS.indexOf(key) < 0 && value) { filters[key] = value; } });
    var parts = (params.get("at") || "").split(",").map(Number);
    if (parts.length === 3 && parts.every(isFinite) && Math.abs(parts[0]) <= 90) {
      at = [parts[0], ((parts[1] + 540) % 360) - 180, Math.max(2, Math.min(18, Math.round(parts[2])))];
    }
    return { filters: filters, at: at, place: params.get("place") || null };
  }

  /* "west,south,east,north" of the view, or null when it shows the whole world's width. */
  function viewBox(map) {
    var b = map.getBounds();
    if (b.getEast() - b.getWest() >= 360) { return null; }
    function lon(x) { return ((x + 540) % 360) - 180; }
    function lat(y) { return Math.max(-90, Math.min(90, y)); }
    return [lon(b.getWest()), lat(b.getSouth()), lon(b.getEast()), lat(b.getNorth())].map(function (v) { return v.toFixed(4); }).join(",");
  }

  gm.App = function (map, opts, host) {
    var self = this;
    this.map = map;
    this.opts = opts;
    this.host = host;
    var start = parseLocation(window.location.search);
    this.at = start.at;
    this.place = start.place;
    this.pendingPlace = start.place;
    this.restoring = !!start.place;  // while the URL's place opens, the URL is already right
    this._layout();
    if (this.at) { map.setView([this.at[0], this.at[1]], this.at[2], { animate: false }); }
    this.highlights = L.layerGroup().addTo(map);
    this.feed = new gm.Feed(this.feedBox, {
      url: opts.articlesUrl, articleUrl: opts.articlePageUrl,
      onSelect: function (article) { self._highlight(article); }
    });
    this.timeline = new gm.Timeline(this.timelineBox, {
      url: opts.timelineUrl,
      onWindow: function (since, until) {
        var filters = L.extend({}, host.filters());
        delete filters.since;
        delete filters.until;
        if (since) { filters.since = since; }
        if (until) { filters.until = until; }
        host.applyFilters(filters);
      }
    });
    var filters = host.filters();
    this.search.value = filters.text || "";
    this.timeline.load(filters);
    this.timeline.setWindow(filters.since, filters.until);
    var timer = null;
    map.on("moveend", function () {
      if (!self.restoring) { self.at = null; self._url(false); }
      clearTimeout(timer);
      timer = setTimeout(function () { self.feed.load(host.filters(), viewBox(map)); }, MOVE_DELAY);
    });
    map.on("popupopen", function (e) {
      var source = e.popup._source;
      if (source && source.feature) { self.place = source.feature.id; if (!self.restoring) { self._url(true); } }
      if (window.innerWidth < gm.NARROW) { host.foldPanel(true); }
    });
    map.on("popupclose", function () {
      // Another popup may be opening in its place (its popupopen comes next): decide once that has run.
      setTimeout(function () {
        if (map._popup && map.hasLayer(map._popup)) { return; }
        self.place = null;
        if (!self.restoring) { self._url(false); }
        host.foldPanel(false);
      }, 0);
    });
    window.addEventListener("popstate", function () { self._restore(); });
  };

  /* Header (skip link, text search), feed column and timeline row around the map; controls first in
     the tab order, the markers after them. */
  gm.App.prototype._layout = function () {
    var self = this, container = this.map.getContainer(), body = document.body;
    body.classList.add("geomap-app");
    var skip = gm.el("a", { href: "#geomap-text", cls: "geomap-skip", text: "Skip to the search" });
    this.search = gm.el("input", {
      type: "search", id: "geomap-text", name: "text", cls: "geomap-text-search", "data-testid": "text-search",
      placeholder: "Search article text\u2026", "aria-label": "Search the text of the articles", autocomplete: "off"
    });
    var form = gm.el("form", { cls: "geomap-text-form", role: "search" }, [this.search, gm.el("button", { type: "submit", text: "Search" })]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var filters = L.extend({}, self.host.filters()), text = self.search.value.trim();
      delete filters.text;
      if (text) { filters.text = text; }
      self.host.applyFilters(filters);
    });
    var header = gm.el("header", { cls: "geomap-header" }, [skip, gm.el("span", { cls: "geomap-brand", text: "geomap" }), form]);
    this.feedToggle = gm.el("button", { type: "button", cls: "geomap-feed-toggle", "aria-expanded": "false", text: "Stories" });
    this.feedToggle.addEventListener("click", function () {
      var open = !body.classList.contains("geomap-feed-open");
      body.classList.toggle("geomap-feed-open", open);
      self.feedToggle.setAttribute("aria-expanded", String(open));
    });
    header.appendChild(this.feedToggle);
    this.feedBox = gm.el("aside", { cls: "geomap-feed", "data-testid": "story-feed", "aria-label": "Stories in view" });
    this.timelineBox = gm.el("section", { cls: "geomap-timeline", "data-testid": "timeline", "aria-label": "Timeline" });
    body.insertBefore(header, body.firstChild);
    container.parentNode.insertBefore(this.feedBox, container.nextSibling);
    this.feedBox.parentNode.insertBefore(this.timelineBox, this.feedBox.nextSibling);
    container.setAttribute("aria-label", "Map of the places the articles name");
    // Leaflet puts its controls after the map panes: move them first, so Tab reaches them before the markers.
    container.insertBefore(this.map._controlContainer, container.firstChild);
    this.map.invalidateSize({ animate: false });
  };

  gm.App.prototype.viewGiven = function () { return !!this.at; };

  gm.App.prototype.filtersChanged = function (filters, quiet) {
    this.search.value = filters.text || "";
    this.timeline.load(filters);
    this.timeline.setWindow(filters.since, filters.until);
    this.feed.load(filters, viewBox(this.map));
    this.highlights.clearLayers();
    if (!quiet) { this._url(true); }
  };

  /* After the places (re)loaded: open the place the URL names, once. */
  gm.App.prototype.placesShown = function () {
    if (this.feedLoaded !== true) { this.feedLoaded = true; this.feed.load(this.host.filters(), viewBox(this.map)); }
    var marker = this.pendingPlace ? this.host.marker(this.pendingPlace) : null;
    this.pendingPlace = null;
    if (!marker) { this.restoring = false; return; }
    var self = this;
    var done = function () { marker.openPopup(); self.place = marker.feature.id; self.restoring = false; };
    this.host.openPlace(marker, done);  // a marker already shown opens where it is; a clustered one zooms in first
  };

  /* Ring the places an article names and bring them into view. */
  gm.App.prototype._highlight = function (article) {
    var self = this, points = [];
    this.highlights.clearLayers();
    (article.named || []).forEach(function (p) {
      var ll = L.latLng(p.lat, p.lon);
      points.push(ll);
      L.circleMarker(ll, { radius: 18, className: "geomap-highlight", weight: 4, fill: false, interactive: false }).addTo(self.highlights);
    });
    if (points.length) { this.map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 6 }); }
  };

  /* Write the state into the URL: a new history entry (push) or the current one. */
  gm.App.prototype._url = function (push) {
    var query = L.extend({}, this.host.filters()), c = this.map.getCenter();
    query.at = [c.lat.toFixed(4), c.lng.toFixed(4), String(this.map.getZoom())].join(",");
    if (this.place) { query.place = this.place; }
    var url = window.location.pathname + gm.query(query);
    if (url === window.location.pathname + window.location.search) { return; }
    window.history[push ? "pushState" : "replaceState"](null, "", url);
  };

  /* Back/forward: the filters, the view and the open place of that history entry. */
  gm.App.prototype._restore = function () {
    var state = parseLocation(window.location.search);
    this.restoring = true;
    this.map.closePopup();
    this.at = state.at;
    this.pendingPlace = state.place;
    if (state.at) { this.map.setView([state.at[0], state.at[1]], state.at[2], { animate: false }); }
    this.place = state.place;
    if (gm.query(state.filters) !== gm.query(this.host.filters())) {
      this.host.applyFilters(state.filters, true);
    } else {
      this.placesShown();
    }
  };
}());
