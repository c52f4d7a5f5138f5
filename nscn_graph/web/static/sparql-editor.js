// The query editor on /sparql: YASGUI (bundled, no CDN), pre-filled with the prefixes and the
// example queries, querying this endpoint only. The class and property autocompleters are off:
// they would call an outside service (LOV); the page loads nothing from another host.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sparql-editor-config").textContent);
  if (typeof Yasgui === "undefined") {
    return;
  }
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasgui.Yasqe.defaults.value = config.prologue + "\n" + config.examples[0].query;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
    persistenceId: "nscn-graph-sparql",
    yasr: { defaultPlugin: "table" }
  });
  window.nscnYasgui = yasgui;
  if (config.query) {
    // opened from a link to a query (GET /sparql?query=... by a browser): show it and run it
    var tab = yasgui.getTab();
    tab.setQuery(config.query);
    tab.query();
  }
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var example = config.examples[Number(button.dataset.example)];
      var tab = yasgui.getTab();
      tab.setQuery(config.prologue + "\n" + example.query);
      tab.query();
    });
  });
})();
