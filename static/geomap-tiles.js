/* geomap base layers: the offline basemap (served by geomap, or inline in an export) up to its
 * last zoom, online tiles above it when they are reachable, and a notice when they are not.
 * options.tiles: {offline: {url, maxNativeZoom, attribution} | null,
 *                 embedded: {block, maxNativeZoom, attribution} | null (the tiles, {"z/x/y": dataURI},
 *                   are in the JSON data block with id `block`),
 *                 online: {url, attribution} | null} */
(function () {
  "use strict";

  var gm = window.geomap = window.geomap || {};
  var MAX_ZOOM = 18;
  var BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

  /* Tiles from an object of data: URIs (the export); a missing tile is blank, never a request. */
  var EmbeddedTiles = L.TileLayer.extend({
    initialize: function (tiles, options) {
      this._tiles64 = tiles || {};
      L.TileLayer.prototype.initialize.call(this, "", options);
    },
    getTileUrl: function (coords) {
      var z = this._getZoomForUrl(), n = 1 << z;
      var x = ((coords.x % n) + n) % n;  // the world repeats sideways
      return this._tiles64[z + "/" + x + "/" + coords.y] || BLANK;
    }
  });

  /* A one-line notice at the bottom right, shown when online tiles fail. */
  var Notice = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      this._box = gm.el("div", { cls: "geomap-tile-notice", role: "status", "data-testid": "tile-notice" });
      this._box.hidden = true;
      return this._box;
    },
    set: function (text) {
      this._box.textContent = text || "";
      this._box.hidden = !text;
    }
  });

  /* Add the base layers to the map; returns the layer the layer switcher calls "Map". */
  gm.baseLayers = function (map, cfg) {
    cfg = cfg || {};
    var group = L.layerGroup(), offline = null, nativeTop = -1;
    if (cfg.embedded) {
      offline = new EmbeddedTiles(gm.options(cfg.embedded.block), { maxNativeZoom: cfg.embedded.maxNativeZoom, maxZoom: MAX_ZOOM, attribution: cfg.embedded.attribution });
      nativeTop = cfg.embedded.maxNativeZoom;
    } else if (cfg.offline) {
      offline = L.tileLayer(cfg.offline.url, { maxNativeZoom: cfg.offline.maxNativeZoom, maxZoom: MAX_ZOOM, attribution: cfg.offline.attribution });
      nativeTop = cfg.offline.maxNativeZoom;
    }
    if (offline) { group.addLayer(offline); }
    if (cfg.online && cfg.online.url) {
      // Above the offline basemap's last zoom only: below it the basemap is complete and local.
      var online = L.tileLayer(cfg.online.url, { minZoom: nativeTop + 1, maxZoom: MAX_ZOOM, attribution: cfg.online.attribution });
      var notice = new Notice().addTo(map), failed = 0;
      online.on("tileerror", function () {
        failed += 1;
        notice.set(offline
          ? "Online map tiles could not be loaded: showing the offline basemap, detailed up to zoom " + nativeTop + "."
          : "Online map tiles could not be loaded.");
      });
      online.on("tileload", function () { if (failed) { failed = 0; notice.set(""); } });
      group.addLayer(online);
    }
    group.addTo(map);
    return group;
  };
}());
