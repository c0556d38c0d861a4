/* geomap timeline: a histogram of articles per day, week or month (from /api/timeline) under the map,
 * a brush to pick a time window (drag across the bars; Escape or "All time" clears it) and a play
 * control that steps the window through the data, the map following.
 * new geomap.Timeline(box, {url, onWindow(since, until), onError}) ; .load(filters) ; .setWindow(since, until)
 * Dates are "YYYY-MM-DD" strings (UTC days) throughout. Built with DOM nodes and SVG only. */
(function () {
  "use strict";

  var gm = window.geomap = window.geomap || {};
  var SVG = "http://www.w3.org/2000/svg";
  var DAY = 86400000;
  var STEP_MS = 1200;  // how long play shows each window
  var HEIGHT = 64;

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function toTime(day) { return Date.parse(day + "T00:00:00Z"); }
  function toDay(time) { return new Date(time).toISOString().slice(0, 10); }

  /* The first day after the bucket starting at `day`. */
  function bucketEnd(day, interval) {
    var d = new Date(toTime(day));
    if (interval === "month") { d.setUTCMonth(d.getUTCMonth() + 1); } else { d.setUTCDate(d.getUTCDate() + (interval === "week" ? 7 : 1)); }
    return d.getTime();
  }

  gm.Timeline = function (box, opts) {
    this.box = box;
    this.opts = opts;
    this.interval = "week";
    this.data = null;
    this.window = null;  // [sinceDay, untilDay] or null
    this.timer = null;
    this._build();
  };

  gm.Timeline.prototype._build = function () {
    var self = this;
    this.box.textContent = "";
    var head = gm.el("div", { cls: "geomap-timeline-head" });
    this.play = gm.el("button", { type: "button", cls: "geomap-play", "data-testid": "timeline-play", "aria-label": "Play through time", text: "\u25B6 Play" });
    this.select = gm.el("select", { "aria-label": "Bars per", cls: "geomap-interval" });
    ["day", "week", "month"].forEach(function (i) {
      var o = gm.el("option", { value: i, text: "per " + i });
      if (i === self.interval) { o.selected = true; }
      self.select.appendChild(o);
    });
    this.clear = gm.el("button", { type: "button", cls: "geomap-all-time", text: "All time" });
    this.label = gm.el("span", { cls: "geomap-timeline-label", "aria-live": "polite" });
    head.appendChild(this.play);
    head.appendChild(this.select);
    head.appendChild(this.clear);
    head.appendChild(this.label);
    this.chart = svg("svg", { "class": "geomap-histogram", height: String(HEIGHT), role: "img", "aria-label": "Articles over time; drag to pick a time window" });
    this.box.appendChild(head);
    this.box.appendChild(this.chart);
    this.play.addEventListener("click", function () { self.toggle(); });
    this.select.addEventListener("change", function () { self.interval = self.select.value; self.load(self.filters); });
    this.clear.addEventListener("click", function () { self.stop(); self._choose(null); });
    this._brushing(this.chart);
  };

  /* Load the histogram for these filters (the time window itself is left out: the bars show all time). */
  gm.Timeline.prototype.load = function (filters) {
    var self = this, query = L.extend({}, filters || {}, { interval: this.interval });
    this.filters = filters;
    delete query.since;
    delete query.until;
    fetch(this.opts.url + gm.query(query), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (!body.ok) { throw new Error(body.error || "timeline failed"); }
        self.data = body;
        self._draw();
      })
      .catch(function (err) { self.label.textContent = "Timeline unavailable: " + err.message; });
  };

  gm.Timeline.prototype.setWindow = function (since, until) {
    this.window = since || until ? [since || null, until || null] : null;
    this._draw();
  };

  gm.Timeline.prototype._range = function () {
    var b = this.data.buckets;
    return [toTime(b[0].start), bucketEnd(b[b.length - 1].start, this.data.interval)];
  };

  gm.Timeline.prototype._draw = function () {
    var chart = this.chart;
    while (chart.firstChild) { chart.removeChild(chart.firstChild); }
    if (!this.data) { return; }
    var buckets = this.data.buckets, width = Math.max(100, this.chart.clientWidth || this.box.clientWidth || 600);
    chart.setAttribute("width", String(width));
    chart.setAttribute("viewBox", "0 0 " + width + " " + HEIGHT);
    this.width = width;
    var words = [];
    if (!buckets.length) {
      this.label.textContent = "No dated articles match." + (this.data.undated ? " " + this.data.undated + " undated." : "");
      return;
    }
    var range = this._range(), span = range[1] - range[0], max = 1;
    buckets.forEach(function (b) { max = Math.max(max, b.articles); });
    this.x = function (t) { return (t - range[0]) / span * width; };
    this.t = function (x) { return range[0] + x / width * span; };
    var self = this, total = 0;
    buckets.forEach(function (b) {
      var x0 = self.x(toTime(b.start)), x1 = self.x(bucketEnd(b.start, self.data.interval));
      var h = Math.max(1, Math.round((HEIGHT - 14) * b.articles / max));
      var bar = svg("rect", { x: x0.toFixed(1), y: String(HEIGHT - 12 - h), width: Math.max(1, x1 - x0 - 1).toFixed(1), height: String(h), "class": "geomap-bar" });
      var tip = svg("title");
      tip.textContent = b.start + ": " + b.articles + " articles, " + b.mentions + " mentions";
      bar.appendChild(tip);
      chart.appendChild(bar);
      total += b.articles;
    });
    [buckets[0].start, toDay(range[1] - DAY)].forEach(function (day, i) {
      var t = svg("text", { x: i ? String(width - 2) : "2", y: String(HEIGHT - 1), "class": "geomap-axis", "text-anchor": i ? "end" : "start" });
      t.textContent = day;
      chart.appendChild(t);
    });
    if (this.window) {
      var lo = this.window[0] ? this.x(toTime(this.window[0])) : 0;
      var hi = this.window[1] ? this.x(toTime(this.window[1]) + DAY) : width;
      chart.appendChild(svg("rect", { x: lo.toFixed(1), y: "0", width: Math.max(2, hi - lo).toFixed(1), height: String(HEIGHT - 12), "class": "geomap-brush" }));
      words.push("Window " + (this.window[0] || "\u2026") + " \u2013 " + (this.window[1] || "\u2026") + ".");
      if (this.data.undated) { words.push(this.data.undated + " undated " + (this.data.undated === 1 ? "article is" : "articles are") + " hidden by the dates."); }
    } else {
      words.push(total + " dated articles" + (this.data.undated ? ", " + this.data.undated + " undated" : "") + ". Drag across the bars to pick a window.");
    }
    this.label.textContent = words.join(" ");
  };

  /* Drag across the chart to choose a window; a click without a drag clears it. */
  gm.Timeline.prototype._brushing = function (chart) {
    var self = this, start = null, band = null;
    function at(event) {
      var r = chart.getBoundingClientRect();
      return Math.min(Math.max(0, event.clientX - r.left), r.width);
    }
    chart.addEventListener("pointerdown", function (event) {
      if (!self.data || !self.data.buckets.length) { return; }
      self.stop();
      start = at(event);
      chart.setPointerCapture(event.pointerId);
      band = svg("rect", { x: String(start), y: "0", width: "1", height: String(HEIGHT - 12), "class": "geomap-brush" });
      chart.appendChild(band);
    });
    chart.addEventListener("pointermove", function (event) {
      if (start === null) { return; }
      var x = at(event);
      band.setAttribute("x", String(Math.min(x, start)));
      band.setAttribute("width", String(Math.max(1, Math.abs(x - start))));
    });
    chart.addEventListener("pointerup", function (event) {
      if (start === null) { return; }
      var x = at(event), lo = Math.min(x, start), hi = Math.max(x, start);
      start = null;
      if (hi - lo < 3) { self._choose(null); return; }
      self._choose([toDay(self.t(lo)), toDay(self.t(hi))]);
    });
  };

  gm.Timeline.prototype._choose = function (win) {
    this.window = win;
    this._draw();
    this.opts.onWindow(win ? win[0] : null, win ? win[1] : null);
  };

  /* Play: step a window (the chosen one's length, else one bar) from the first bar to the last. */
  gm.Timeline.prototype.toggle = function () {
    if (this.timer) { this.stop(); return; }
    if (!this.data || !this.data.buckets.length) { return; }
    var self = this, range = this._range(), interval = this.data.interval;
    var length = this.window && this.window[0] && this.window[1] ? toTime(this.window[1]) - toTime(this.window[0]) : bucketEnd(this.data.buckets[0].start, interval) - toTime(this.data.buckets[0].start) - DAY;
    var from = range[0];
    if (this.window && this.window[0] && toTime(this.window[0]) < range[1] - length) { from = bucketEnd(this.window[0], interval); }
    this.play.textContent = "\u25A0 Stop";
    this.play.setAttribute("aria-label", "Stop playing");
    this.play.setAttribute("aria-pressed", "true");
    function step() {
      if (from >= range[1]) { self.stop(); return; }
      self._choose([toDay(from), toDay(from + length)]);
      from = bucketEnd(toDay(from), interval);
    }
    step();
    this.timer = setInterval(step, STEP_MS);
  };

  gm.Timeline.prototype.stop = function () {
    if (!this.timer) { return; }
    clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = "\u25B6 Play";
    this.play.setAttribute("aria-label", "Play through time");
    this.play.setAttribute("aria-pressed", "false");
  };
}());
