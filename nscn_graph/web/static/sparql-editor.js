// The query editor on /sparql: YASGUI (bundled, no CDN), pre-filled with the prefixes and the
// example queries, querying this endpoint only. The class and property autocompleters are off:
// they would call an outside service (LOV); the page loads nothing from another host.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sparql-editor-config").textContent);
  if (typeof Yasgui === "undefined") {
    return;
  }
  var Yasqe = Yasgui.Yasqe;

  // The endpoint predeclares the project's prefixes: the editor's SPARQL mode starts every
  // query knowing them, so "nscn:" without a PREFIX line is not marked as undeclared. (YASQE
  // keeps the prefixes a query declares in its mode state, which starts empty.)
  var predeclared = config.prefixes || {};
  var sparqlMode = Yasqe.modes.sparql11;
  Yasqe.defineMode("sparql11", function (options, spec) {
    var mode = sparqlMode(options, spec);
    var startState = mode.startState;
    mode.startState = function () {
      var state = startState.apply(this, arguments);
      state.prefixes = Object.assign({}, predeclared, state.prefixes);
      return state;
    };
    return mode;
  });

  // A failed query: the endpoint answers RFC 9457 problem JSON (title, detail, and for a syntax
  // error line and column). Show the message and the position, and mark the line in the editor.
  function problemOf(error) {
    try {
      var body = JSON.parse(error.text || "");
      return body && typeof body.detail === "string" ? body : null;
    } catch (ignored) {
      return null;
    }
  }
  var marked = null;
  function markLine(line) {
    var yasqe = yasgui.getTab() && yasgui.getTab().getYasqe();
    if (!yasqe) {
      return;
    }
    function clear() {
      if (marked !== null) {
        yasqe.removeLineClass(marked, "background", "query-error-line");
        marked = null;
      }
      yasqe.off("change", clear);
    }
    clear();
    marked = yasqe.addLineClass(line - 1, "background", "query-error-line");
    yasqe.on("change", clear);
  }
  function renderProblem(error) {
    var problem = problemOf(error);
    if (problem === null) {
      return undefined;
    }
    var box = document.createElement("div");
    box.className = "query-error";
    box.setAttribute("role", "alert");
    var title = document.createElement("p");
    title.className = "query-error-title";
    title.textContent = (problem.title || "Error") + (problem.status ? " (" + problem.status + ")" : "");
    box.appendChild(title);
    var detail = document.createElement("p");
    detail.className = "query-error-detail";
    detail.textContent = problem.detail;
    box.appendChild(detail);
    if (typeof problem.line === "number") {
      var where = document.createElement("p");
      where.className = "query-error-position";
      where.textContent = "Line " + problem.line +
        (typeof problem.column === "number" ? ", column " + problem.column : "");
      box.appendChild(where);
      markLine(problem.line);
    }
    return box;
  }
  Yasgui.Yasr.defaults.errorRenderers = [renderProblem].concat(
    Yasgui.Yasr.defaults.errorRenderers || []
  );

  Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasqe.defaults.value = config.prologue + "\n" + config.examples[0].query;
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
