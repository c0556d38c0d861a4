/* geomap map layer: loads places as GeoJSON, clusters them, builds popups.
 * geomap.init(map, geomap.options(id)) is called by the page Folium renders;
 * the options come from a JSON data block (never from a template).
 * options: live (bool), dataUrl, placeUrl, exportUrl, docsUrl, filters,
 * data (inline FeatureCollection in the export), generated, note, tiles (see geomap-tiles.js),
 * attribution. */
(function () {
  "use strict";

  var gm = window.geomap = window.geomap || {};
  var PAGE = 10;  // mentions fetched per popup page

  function fmt(n) {
    return n >= 10000 ? Math.round(n / 1000) + "k" : n >= 1000 ? (n / 1000).toFixed(1) + "k" : String(n);
  }

  function kindClass(kind) {
    var known = { country: 1, admin1: 1, admin2: 1, city: 1, water: 1, region: 1, continent: 1, landmark: 1 };
    return "geomap-kind-" + (known[kind] ? kind : "other");
  }

  var KIND_LABEL = {
    continent: "continent", country: "country", admin1: "region", admin2: "district", city: "city",
    water: "sea / water", region: "region", landmark: "landmark", other: "place"
  };

  function placeIcon(p) {
    var n = p.mentions || 1;
    var d = Math.round(Math.min(46, 20 + 6 * Math.log(n) / Math.LN2));
    return L.divIcon({
      html: gm.el("span", { text: fmt(n) }),
      className: "geomap-marker " + kindClass(p.kind),
      iconSize: [d, d]
    });
  }

  function clusterIcon(cluster) {
    var total = 0;
    cluster.getAllChildMarkers().forEach(function (m) { total += m.feature.properties.mentions || 1; });
    var size = total < 10 ? "small" : total < 100 ? "medium" : "large";
    var d = size === "small" ? 36 : size === "medium" ? 42 : 50;
    return L.divIcon({
      html: gm.el("div", null, [gm.el("span", { text: fmt(total) })]),
      className: "marker-cluster marker-cluster-" + size,
      iconSize: L.point(d, d)
    });
  }

  /* The snippet as text nodes, every occurrence of the name in <mark>. */
  function highlighted(snippet, name) {
    var box = gm.el("p", { cls: "geomap-snippet" });
    snippet = snippet || "";
    var lower = snippet.toLowerCase(), key = (name || "").toLowerCase(), from = 0, at;
    while (key && (at = lower.indexOf(key, from)) >= 0) {
      box.appendChild(document.createTextNode(snippet.slice(from, at)));
      box.appendChild(gm.el("mark", { text: snippet.slice(at, at + key.length) }));
      from = at + key.length;
    }
    box.appendChild(document.createTextNode(snippet.slice(from)));
    return box;
  }

  /* Append mentions to the list, one item per article (mentions arrive newest first);
     a sentence naming the place twice is shown once. */
  function appendMentions(list, mentions) {
    mentions.forEach(function (m) {
      var a = m.article || {};
      var last = list.lastChild;
      if (last && last.getAttribute("data-article") === String(a.id)) {
        var shown = last.querySelectorAll(".geomap-snippet");
        var seen = Array.prototype.some.call(shown, function (s) { return s.textContent === (m.snippet || ""); });
        if (!seen && shown.length < 3) { last.appendChild(highlighted(m.snippet, m.text)); }
        return;
      }
      var href = gm.safeUrl(a.url);
      var title = a.title || "(untitled article)";
      var heading = href
        ? gm.el("a", { href: href, target: "_blank", rel: "noopener noreferrer nofollow", text: title })
        : gm.el("span", { text: title });
      var meta = [a.source, a.published ? String(a.published).slice(0, 10) : null].filter(Boolean).join(" \u00B7 ");
      list.appendChild(gm.el("li", { "data-article": String(a.id) }, [
        gm.el("div", { cls: "geomap-article" }, [heading]),
        meta ? gm.el("div", { cls: "geomap-meta", text: meta }) : null,
        highlighted(m.snippet, m.text)
      ]));
    });
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) { throw new Error(body.error || resp.statusText); }
        return body;
      });
    });
  }

  /* The page's options: the JSON text of the data block with this id. */
  gm.options = function (id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  };

  gm.init = function (map, opts) {
    var state = { filters: opts.filters || {}, fitted: false };
    var tiles = gm.baseLayers(map, opts.tiles);
    if (opts.attribution) { map.attributionControl.addAttribution(opts.attribution); }
    // Clustering stops at city scale: fewer zoom levels to index keeps 10,000 places fast to load.
    map.setMinZoom(2);
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 32,
      disableClusteringAtZoom: 11, spiderfyOnMaxZoom: false, iconCreateFunction: clusterIcon
    });
    var heat = L.geomapHeat([]);
    cluster.addTo(map);

    function popupFor(marker) {
      var p = marker.feature.properties;
      var where = [KIND_LABEL[p.kind] || p.kind, p.admin1_name, p.country_code].filter(Boolean).join(", ");
      var list = gm.el("ul", { cls: "geomap-mentions" });
      var count = gm.el("div", { cls: "geomap-count", text: p.mentions + (p.mentions === 1 ? " mention" : " mentions") + " in " + p.articles + (p.articles === 1 ? " article" : " articles") });
      var more = gm.el("div", { cls: "geomap-more" });
      var box = gm.el("div", { cls: "geomap-popup" }, [
        gm.el("div", { cls: "geomap-place" }, [
          gm.el("b", { text: p.name }), " ",
          p.native_name && p.native_name !== p.name ? gm.el("span", { cls: "geomap-native", text: "(" + p.native_name + ") " }) : null,
          gm.el("span", { cls: "geomap-kind", text: where })
        ]),
        count, list, more
      ]);
      var shown = 0;

      function showMore(total) {
        more.textContent = "";
        var left = total - shown;
        if (left <= 0) { return; }
        if (!opts.live) {
          left = total - list.children.length;  // the export counts articles
          if (left > 0) { more.textContent = "\u2026 and " + left + " more " + (left === 1 ? "article" : "articles") + " (not included in this export)"; }
          return;
        }
        var button = gm.el("button", { type: "button", text: "More (" + left + ")" });
        L.DomEvent.on(button, "click", function (event) { L.DomEvent.stop(event); load(); });
        more.appendChild(button);
      }

      function load() {
        more.textContent = "Loading\u2026";
        var filters = L.extend({}, state.filters, { limit: String(PAGE), offset: String(shown) });
        getJSON(opts.placeUrl + encodeURIComponent(p.id) + gm.query(filters)).then(function (body) {
          var first = shown === 0;
          appendMentions(list, body.mentions.items);
          shown += body.mentions.items.length;
          showMore(body.mentions.total);
          // The first page sizes the popup (and pans it into view); later pages scroll inside it.
          if (first) { marker.getPopup().update(); }
        }).catch(function (err) {
          more.textContent = "Could not load the articles: " + err.message;
        });
      }

      if (p.preview) {
        appendMentions(list, p.preview.items);
        shown = p.preview.items.length;
        showMore(p.preview.articles);
      } else {
        load();
      }
      return box;
    }

    var status = new gm.Status().addTo(map);
    var markersById = {};
    var app = null;  // the live page's header, story feed, timeline and permalinks (geomap-app.js)

    /* New filters: the map reloads, the links follow; `quiet` when the URL is already right (back/forward). */
    function applyFilters(filters, quiet) {
      state.filters = filters;
      state.fitted = false;
      panel.setLinks(filters);
      panel.setValues(filters);
      load();
      if (app) { app.filtersChanged(filters, quiet); }
    }

    var panel = new gm.Panel({
      live: opts.live, filters: state.filters, exportUrl: opts.exportUrl, docsUrl: opts.docsUrl,
      downloads: opts.downloads, generated: opts.generated, note: opts.note,
      onFilter: function (filters) {
        // the text search lives in the header: keep it when the form applies its own fields
        if (state.filters.text && !filters.text) { filters.text = state.filters.text; }
        applyFilters(filters);
      },
      onPick: function (entry) { openPlace(entry.marker); }
    }).addTo(map);
    L.control.layers({ "Map": tiles }, { "Places": cluster, "Heat map": heat }, { position: "topright", collapsed: true }).addTo(map);
    new gm.Fullscreen().addTo(map);

    /* Zoom until the marker shows (out of its cluster), then open its popup (or call `then`). */
    function openPlace(marker, then) {
      if (!map.hasLayer(cluster)) { cluster.addTo(map); }
      cluster.zoomToShowLayer(marker, then || function () { marker.openPopup(); });
    }

    function show(collection) {
      cluster.clearLayers();
      markersById = {};
      var markers = [], points = [], entries = [], mentions = 0;
      collection.features.forEach(function (f) {
        var p = f.properties, ll = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
        var marker = L.marker(ll, { icon: placeIcon(p), title: p.name, alt: p.name, riseOnHover: true });
        marker.feature = f;
        markersById[f.id] = marker;
        var content = null;
        var narrow = window.innerWidth < gm.NARROW;
        marker.bindPopup(function () { content = content || popupFor(marker); return content; }, {
          maxWidth: narrow ? 300 : 380, minWidth: narrow ? 220 : 260,
          // wide screens: keep clear of the panel on the right (about 270 px) and the status line below
          autoPanPaddingTopLeft: narrow ? [10, 60] : [50, 20], autoPanPaddingBottomRight: narrow ? [10, 40] : [280, 70]
        });
        markers.push(marker);
        points.push([ll.lat, ll.lng, Math.log(1 + (p.mentions || 1))]);
        entries.push({ name: p.name, detail: [p.admin1_name, p.country_code].filter(Boolean).join(", "), mentions: p.mentions || 0, marker: marker });
        mentions += p.mentions || 0;
      });
      if (!state.fitted && markers.length && !(app && app.viewGiven())) {
        // Fit first, so the clusters are computed once, at the zoom the user sees.
        map.fitBounds(L.latLngBounds(markers.map(function (m) { return m.getLatLng(); })).pad(0.1), { maxZoom: 7, animate: false });
        state.fitted = true;
      }
      cluster.addLayers(markers);
      heat.setPoints(points);
      panel.setPlaces(entries);
      var filtered = Object.keys(state.filters).length > 0;
      if (!markers.length) {
        status.set(filtered ? "No places match these filters." : "No places yet: add articles with \u201cgeomap ingest\u201d or POST /api/articles.");
      } else {
        var text = fmt(markers.length) + (markers.length === 1 ? " place, " : " places, ") + fmt(mentions) + " mentions \u2014 numbers on markers count mentions";
        if (collection.truncated) { text += " (showing the " + fmt(markers.length) + " most mentioned of " + fmt(collection.total) + ")"; }
        status.set(text);
      }
      state.fitted = true;
      if (app) { app.placesShown(); }
      document.documentElement.setAttribute("data-geomap-ready", String(markers.length));
    }

    function load() {
      status.set("Loading places\u2026");
      getJSON(opts.dataUrl + gm.query(state.filters)).then(show).catch(function (err) {
        status.set("Could not load the places: " + err.message, true);
      });
    }

    if (opts.live && gm.App) {
      app = new gm.App(map, opts, {
        filters: function () { return state.filters; },
        applyFilters: applyFilters,
        marker: function (id) { return markersById[id] || null; },
        openPlace: openPlace,
        foldPanel: function (folded) { panel.fold(folded); }
      });
    }
    if (opts.data) { show(opts.data); } else { load(); }
    return { cluster: cluster, heat: heat };
  };
}());
