/* geomap story feed: the articles in the current view and filters, newest first (most relevant first
 * for a text search): title, source, date, snippet (matched words marked), the places each names.
 * Choosing one calls onSelect(article), which highlights its places on the map.
 * new geomap.Feed(box, {url, articleUrl, onSelect}) ; .load(filters, bbox)
 * Built with DOM nodes and textContent only. */
(function () {
  "use strict";

  var gm = window.geomap = window.geomap || {};
  var SHOWN = 30;  // articles listed at most
  var PLACES_SHOWN = 6;  // place names listed per article
  var LEAD_CUT = 190;  // a lead this long was cut by the server (200 characters): it gets an ellipsis

  /* A snippet whose odd parts are matched words: text nodes, matched ones inside <mark>. */
  function snippet(parts) {
    var p = gm.el("p", { cls: "geomap-feed-snippet" });
    parts.forEach(function (part, i) {
      if (!part) { return; }
      p.appendChild(i % 2 ? gm.el("mark", { text: part }) : document.createTextNode(part));
    });
    return p;
  }

  gm.Feed = function (box, opts) {
    this.box = box;
    this.opts = opts;
    this.seq = 0;
    this.heading = gm.el("h2", { cls: "geomap-feed-title", text: "Stories" });
    this.count = gm.el("span", { cls: "geomap-feed-count", "aria-live": "polite" });
    this.list = gm.el("ol", { cls: "geomap-feed-list" });
    this.heading.appendChild(this.count);
    box.appendChild(this.heading);
    box.appendChild(this.list);
  };

  gm.Feed.prototype.load = function (filters, bbox) {
    var self = this, seq = ++this.seq;
    var query = L.extend({}, filters || {}, { limit: String(SHOWN) });
    if (bbox) { query.bbox = bbox; }
    fetch(this.opts.url + gm.query(query), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (seq !== self.seq) { return; }  // a newer view was asked for meanwhile
        if (!body.ok) { throw new Error(body.error || "stories failed"); }
        self._show(body);
      })
      .catch(function (err) {
        if (seq === self.seq) { self.count.textContent = " \u2014 could not load: " + err.message; }
      });
  };

  gm.Feed.prototype._show = function (body) {
    var self = this;
    this.list.textContent = "";
    this.count.textContent = " \u2014 " + body.total + (body.total === 1 ? " in view" : " in view") + (body.total > body.items.length ? ", newest " + body.items.length + " listed" : "");
    if (!body.items.length) {
      this.list.appendChild(gm.el("li", { cls: "geomap-none", text: "No articles in this view and filters." }));
    }
    body.items.forEach(function (a) {
      var meta = [a.source, a.published ? String(a.published).slice(0, 10) : "undated"].filter(Boolean).join(" \u00B7 ");
      var names = (a.named || []).slice(0, PLACES_SHOWN).map(function (p) { return p.name; });
      var more = (a.named || []).length - names.length;
      var pick = gm.el("button", { type: "button", cls: "geomap-feed-pick", text: a.title || "(untitled article)", "aria-label": "Show the places of: " + (a.title || "untitled article") });
      var item = gm.el("li", { cls: "geomap-feed-item", "data-article": String(a.id) }, [
        pick,
        gm.el("div", { cls: "geomap-meta", text: meta }),
        a.match ? snippet(a.match.parts) : (a.lead ? gm.el("p", { cls: "geomap-feed-snippet", text: a.lead.length >= LEAD_CUT ? a.lead + "\u2026" : a.lead }) : null),
        names.length ? gm.el("div", { cls: "geomap-feed-places", text: names.join(", ") + (more > 0 ? " +" + more : "") }) : null,
        gm.el("a", { href: self.opts.articleUrl + encodeURIComponent(String(a.id)), cls: "geomap-feed-read", text: "Read" })
      ]);
      pick.addEventListener("click", function () {
        Array.prototype.forEach.call(self.list.querySelectorAll(".geomap-selected"), function (n) { n.classList.remove("geomap-selected"); });
        item.classList.add("geomap-selected");
        self.opts.onSelect(a);
      });
      self.list.appendChild(item);
    });
  };
}());
