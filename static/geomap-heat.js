/* geomap heat layer: a small canvas heat map for Leaflet.
 * Points are [lat, lon, weight]; their weights are summed per screen cell,
 * each cell is stamped as a blurred disc whose opacity follows the square
 * root of its share of the densest cell, and the summed alpha is coloured
 * through a palette. Redrawn after every move/zoom; hidden while zoom animates. */
(function () {
  "use strict";

  var GRADIENT = [[0.2, "#2b83ba"], [0.45, "#abdda4"], [0.65, "#ffffbf"], [0.8, "#fdae61"], [1.0, "#d7191c"]];

  function makeStamp(radius, blur) {
    var canvas = document.createElement("canvas");
    var r = radius + blur;
    canvas.width = canvas.height = r * 2;
    var ctx = canvas.getContext("2d");
    // Draw the disc off-canvas and let only its blurred shadow land on it.
    ctx.shadowOffsetX = ctx.shadowOffsetY = r * 2;
    ctx.shadowBlur = blur;
    ctx.shadowColor = "black";
    ctx.beginPath();
    ctx.arc(-r, -r, radius, 0, Math.PI * 2, true);
    ctx.closePath();
    ctx.fill();
    return canvas;
  }

  function makePalette() {
    var canvas = document.createElement("canvas");
    canvas.width = 1;
    canvas.height = 256;
    var ctx = canvas.getContext("2d");
    var gradient = ctx.createLinearGradient(0, 0, 0, 256);
    GRADIENT.forEach(function (stop) { gradient.addColorStop(stop[0], stop[1]); });
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, 1, 256);
    return ctx.getImageData(0, 0, 1, 256).data;
  }

  L.GeomapHeat = L.Layer.extend({
    options: { radius: 16, blur: 14, minOpacity: 0.08, maxOpacity: 0.85 },

    initialize: function (points, options) {
      L.setOptions(this, options);
      this._points = points || [];
    },

    setPoints: function (points) {
      this._points = points || [];
      if (this._map) { this._redraw(); }
      return this;
    },

    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "geomap-heat leaflet-zoom-hide");
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this._redraw, this);
      this._redraw();
    },

    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize viewreset", this._redraw, this);
    },

    _redraw: function () {
      var map = this._map, size = map.getSize(), canvas = this._canvas, opts = this.options;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = size.x;
      canvas.height = size.y;
      var ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, size.x, size.y);
      var points = this._points;
      if (!points.length) { return; }
      this._stamp = this._stamp || makeStamp(opts.radius, opts.blur);
      this._palette = this._palette || makePalette();
      // Sum the weights of the points in view per screen cell first, so a thousand
      // overlapping points read as dense rather than saturating the whole map.
      var r = opts.radius + opts.blur, view = map.getBounds().pad(0.25), cell = opts.radius / 2;
      var cells = {}, max = 0, i, key, c;
      for (i = 0; i < points.length; i++) {
        var p = points[i];
        if (!view.contains([p[0], p[1]])) { continue; }
        var xy = map.latLngToContainerPoint([p[0], p[1]]);
        key = Math.floor(xy.x / cell) + ":" + Math.floor(xy.y / cell);
        c = cells[key] || (cells[key] = { x: 0, y: 0, w: 0 });
        c.x += xy.x * p[2];
        c.y += xy.y * p[2];
        c.w += p[2];
        max = Math.max(max, c.w);
      }
      for (key in cells) {
        c = cells[key];
        if (!c.w) { continue; }
        ctx.globalAlpha = Math.min(1, Math.max(Math.sqrt(c.w / max), opts.minOpacity));
        ctx.drawImage(this._stamp, c.x / c.w - r, c.y / c.w - r);
      }
      var image = ctx.getImageData(0, 0, size.x, size.y), data = image.data, palette = this._palette;
      var ceiling = Math.round(opts.maxOpacity * 255);
      for (i = 3; i < data.length; i += 4) {
        var alpha = data[i];
        if (!alpha) { continue; }
        var k = alpha * 4;
        data[i - 3] = palette[k];
        data[i - 2] = palette[k + 1];
        data[i - 1] = palette[k + 2];
        data[i] = Math.min(ceiling, alpha + 40);
      }
      ctx.putImageData(image, 0, 0);
    }
  });

  L.geomapHeat = function (points, options) { return new L.GeomapHeat(points, options); };
}());
