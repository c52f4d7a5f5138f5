// The query editor on /sparql: YASGUI (bundled, no CDN), pre-filled with the prefixes and the
// example queries, querying this endpoint only. YASQE's own class and property autocompleters
// are off (they would call an outside service, LOV): ours ask this server instead, for the
// graph's classes and properties (/sparql/terms) and its things (/search/suggest), and insert
// prefixed names. Beside the table, two result views: a map of the rows with coordinates or
// WKT points on the server's own outlines (/sparql/map), and a bar chart of a number column.
// The page loads nothing from another host.
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

  // --- autocompletion from this server ----------------------------------------------------
  var labels = {};  // IRI -> label, to show beside each completion
  function prefixesOf(yasqe) {
    return Object.assign({}, predeclared, yasqe.getPrefixesFromQuery());
  }
  function prefixed(yasqe, iri) {
    var prefixes = prefixesOf(yasqe);
    var best = null;
    Object.keys(prefixes).forEach(function (prefix) {
      var ns = prefixes[prefix];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length &&
          /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(iri.substring(ns.length)) &&
          (best === null || ns.length > prefixes[best].length)) {
        best = prefix;
      }
    });
    return best === null ? "<" + iri + ">" : best + ":" + iri.substring(prefixes[best].length);
  }
  function showLabels(yasqe, hints) {
    hints.forEach(function (hint) {
      var iri = hint.iri || "";
      if (labels[iri]) {
        hint.displayText = hint.text + "  \u2014 " + labels[iri];
      }
    });
    return hints;
  }
  function asked(url, read) {
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { return body === null ? [] : read(body); })
      .catch(function () { return []; });
  }
  function terms(role) {
    return function (yasqe, token) {
      var text = token && token.autocompletionString !== undefined ? token.autocompletionString : "";
      return asked("/sparql/terms?role=" + role + "&q=" + encodeURIComponent(text), function (body) {
        return body.results.map(function (term) {
          labels[term.iri] = term.label;
          return term.iri;
        });
      });
    };
  }
  // a completion inserts the prefixed name of the IRI (or the IRI in brackets)
  function completion(yasqe, token, iri) {
    return prefixed(yasqe, iri);
  }
  var kindPrefixes = Object.keys(predeclared).filter(function (prefix) {
    return /\/id\/[a-z0-9-]+\/$/.test(predeclared[prefix]);
  });
  function thingToken(yasqe) {
    var token = yasqe.getCompleteToken();
    var match = /^([a-z][a-z0-9-]*):([^\s]*)$/.exec(token.string || "");
    return match && kindPrefixes.indexOf(match[1]) >= 0 ? match : null;
  }
  Yasqe.forkAutocompleter("class", {
    name: "nscn-classes", get: terms("class"), autoShow: true,
    postProcessSuggestion: completion
  }, false);
  Yasqe.forkAutocompleter("property", {
    name: "nscn-properties", get: terms("property"), autoShow: true,
    postProcessSuggestion: completion
  }, false);
  Yasqe.forkAutocompleter("property", {
    name: "nscn-things",
    autoShow: true,
    isValidCompletionPosition: function (yasqe) { return thingToken(yasqe) !== null; },
    get: function (yasqe) {
      var match = thingToken(yasqe);
      var words = match ? match[2].replace(/[-_]+/g, " ").trim() : "";
      if (!words) {
        return [];
      }
      return asked("/search/suggest?type=" + match[1] + "&q=" + encodeURIComponent(words),
        function (body) {
          body[3].forEach(function (iri, i) { labels[iri] = body[1][i]; });
          return body[3];
        });
    },
    postProcessSuggestion: completion
  }, false);
  // YASQE's hints carry only their text: keep each one's IRI beside it, to show its label
  var fork = Yasqe.Autocompleters;
  ["nscn-classes", "nscn-properties", "nscn-things"].forEach(function (name) {
    var get = fork[name].get;
    fork[name].get = function (yasqe, token) {
      return Promise.resolve(get(yasqe, token)).then(function (iris) {
        fork[name].lastIris = iris;
        return iris;
      });
    };
    fork[name].postprocessHints = function (yasqe, hints) {
      (fork[name].lastIris || []).forEach(function (iri, i) {
        if (hints[i]) {
          hints[i].iri = iri;
        }
      });
      return showLabels(yasqe, hints);
    };
  });

  // --- result views: a map and a chart ------------------------------------------------------
  var WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
  var NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
  var SVG_NS = "http://www.w3.org/2000/svg";
  function bindingsOf(yasr) {
    var results = yasr.results;
    if (!results || !results.getBindings || !results.getVariables) {
      return null;
    }
    try {
      var rows = results.getBindings();
      return rows && rows.length ? { vars: results.getVariables(), rows: rows } : null;
    } catch (ignored) {
      return null;
    }
  }
  function isNumber(cell) {
    return !!cell && cell.type !== "uri" && cell.type !== "bnode" && NUMBER.test(cell.value);
  }
  function wktPoint(text) {
    var point = /POINT\s*Z?\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)/i.exec(text);
    if (point) {
      return [Number(point[1]), Number(point[2])];
    }
    var pairs = text.replace(/^\s*<[^>]*>/, "").match(/[-+0-9.eE]+\s+[-+0-9.eE]+/g) || [];
    if (!pairs.length) {
      return null;
    }
    var sum = pairs.reduce(function (acc, pair) {
      var xy = pair.trim().split(/\s+/);
      return [acc[0] + Number(xy[0]), acc[1] + Number(xy[1])];
    }, [0, 0]);
    return [sum[0] / pairs.length, sum[1] / pairs.length];
  }
  // (lon, lat, label) of each row: a WKT column, else a latitude and a longitude column
  function places(data) {
    var wkt = data.vars.filter(function (v) {
      return data.rows.some(function (row) { return row[v] && row[v].datatype === WKT; });
    })[0];
    var lat = data.vars.filter(function (v) { return /^(lat|latitude)$/i.test(v); })[0];
    var lon = data.vars.filter(function (v) { return /^(long|lon|lng|longitude)$/i.test(v); })[0];
    if (!wkt && !(lat && lon)) {
      return [];
    }
    var name = data.vars.filter(function (v) {
      return v !== wkt && v !== lat && v !== lon &&
        data.rows.some(function (row) { return row[v] && row[v].type !== "uri" && !isNumber(row[v]); });
    })[0];
    var link = data.vars.filter(function (v) {
      return data.rows.some(function (row) { return row[v] && row[v].type === "uri"; });
    })[0];
    var found = [];
    data.rows.forEach(function (row) {
      var xy = null;
      if (wkt && row[wkt]) {
        xy = wktPoint(row[wkt].value);
      } else if (lat && lon && isNumber(row[lat]) && isNumber(row[lon])) {
        xy = [Number(row[lon].value), Number(row[lat].value)];
      }
      if (xy && isFinite(xy[0]) && isFinite(xy[1])) {
        found.push({
          lon: xy[0], lat: xy[1],
          label: name && row[name] ? row[name].value : (link && row[link] ? row[link].value : ""),
          href: link && row[link] ? row[link].value : null
        });
      }
    });
    return found;
  }
  function lambert(projection, lon, lat) {
    var rad = Math.PI / 180;
    var lam0 = projection.centre[0] * rad, phi0 = projection.centre[1] * rad;
    var lam = lon * rad, phi = lat * rad;
    var cosC = Math.sin(phi0) * Math.sin(phi) + Math.cos(phi0) * Math.cos(phi) * Math.cos(lam - lam0);
    var k = cosC > -1 ? Math.sqrt(2 / (1 + cosC)) : 0;
    var x = k * Math.cos(phi) * Math.sin(lam - lam0);
    var y = k * (Math.cos(phi0) * Math.sin(phi) - Math.sin(phi0) * Math.cos(phi) * Math.cos(lam - lam0));
    return [(x - projection.x0) * projection.scale, (projection.y0 - y) * projection.scale];
  }
  var outlines = null;
  function outlineMap() {
    if (outlines === null) {
      outlines = fetch("/sparql/map").then(function (response) {
        if (!response.ok) {
          throw new Error("the map outlines did not load");
        }
        return response.json();
      });
    }
    return outlines;
  }
  function localHref(iri) {
    var base = predeclared.nscn ? predeclared.nscn.replace(/ontology#$/, "") : null;
    return base && iri.indexOf(base) === 0 ? "/" + iri.substring(base.length) : iri;
  }
  function MapView(yasr) {
    this.yasr = yasr;
    this.priority = 3;
    this.label = "Map";
  }
  MapView.prototype.canHandleResults = function () {
    var data = bindingsOf(this.yasr);
    return data !== null && places(data).length > 0;
  };
  MapView.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "\u25C9";
    return icon;
  };
  MapView.prototype.draw = function () {
    var yasr = this.yasr;
    var found = places(bindingsOf(yasr) || { vars: [], rows: [] });
    var holder = document.createElement("figure");
    holder.className = "nscn-result-map";
    yasr.resultsEl.appendChild(holder);
    return outlineMap().then(function (map) {
      holder.innerHTML = map.svg;
      var svg = holder.querySelector("svg");
      var p = map.projection;
      var outside = 0;
      found.forEach(function (place) {
        var xy = lambert(p, place.lon, place.lat);
        if (xy[0] < 0 || xy[1] < 0 || xy[0] > p.width || xy[1] > p.height) {
          outside += 1;
          return;
        }
        var dot = document.createElementNS(SVG_NS, "circle");
        dot.setAttribute("class", "marker");
        dot.setAttribute("cx", xy[0].toFixed(1));
        dot.setAttribute("cy", xy[1].toFixed(1));
        dot.setAttribute("r", "5");
        var title = document.createElementNS(SVG_NS, "title");
        title.textContent = place.label;
        dot.appendChild(title);
        var mark = dot;
        if (place.href) {
          mark = document.createElementNS(SVG_NS, "a");
          mark.setAttribute("href", localHref(place.href));
          mark.setAttribute("class", "place");
          mark.appendChild(dot);
        }
        svg.appendChild(mark);
      });
      var caption = document.createElement("figcaption");
      caption.textContent = (found.length - outside) + " of " + found.length +
        " places on the map" + (outside ? " (" + outside + " outside it)" : "") +
        ". Outlines: Natural Earth (public domain).";
      holder.appendChild(caption);
    }).catch(function (error) {
      holder.textContent = String(error.message || error);
    });
  };

  // a bar per row: the first column of numbers, labelled by the first other column
  function chartColumns(data) {
    var numbers = data.vars.filter(function (v) {
      return data.rows.every(function (row) { return isNumber(row[v]); });
    });
    if (!numbers.length) {
      return null;
    }
    var label = data.vars.filter(function (v) { return numbers.indexOf(v) < 0; })[0] || null;
    return { value: numbers[0], label: label };
  }
  function ChartView(yasr) {
    this.yasr = yasr;
    this.priority = 2;
    this.label = "Chart";
  }
  ChartView.prototype.canHandleResults = function () {
    var data = bindingsOf(this.yasr);
    return data !== null && chartColumns(data) !== null;
  };
  ChartView.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "\u2587";
    return icon;
  };
  ChartView.prototype.draw = function () {
    var data = bindingsOf(this.yasr);
    var columns = chartColumns(data);
    var rows = data.rows.slice(0, 100);
    var values = rows.map(function (row) { return Number(row[columns.value].value); });
    var high = Math.max.apply(null, values.concat([0]));
    var low = Math.min.apply(null, values.concat([0]));
    var barHeight = 18, gap = 4, labelWidth = 220, width = 720;
    var plot = width - labelWidth - 60;
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "nscn-result-chart");
    svg.setAttribute("role", "img");
    svg.setAttribute("viewBox", "0 0 " + width + " " + (rows.length * (barHeight + gap) + 24));
    svg.setAttribute("aria-label", "Bar chart of " + columns.value +
      (columns.label ? " by " + columns.label : ""));
    var scale = high === low ? 0 : plot / (high - low);
    var zero = labelWidth + (0 - low) * scale;
    rows.forEach(function (row, i) {
      var y = i * (barHeight + gap);
      var value = values[i];
      var name = document.createElementNS(SVG_NS, "text");
      name.setAttribute("x", labelWidth - 6);
      name.setAttribute("y", y + barHeight - 5);
      name.setAttribute("text-anchor", "end");
      name.textContent = columns.label && row[columns.label] ? row[columns.label].value : String(i + 1);
      var bar = document.createElementNS(SVG_NS, "rect");
      bar.setAttribute("class", "bar");
      bar.setAttribute("x", Math.min(zero, zero + value * scale).toFixed(1));
      bar.setAttribute("y", y);
      bar.setAttribute("width", Math.abs(value * scale).toFixed(1));
      bar.setAttribute("height", barHeight);
      var title = document.createElementNS(SVG_NS, "title");
      title.textContent = name.textContent + ": " + row[columns.value].value;
      bar.appendChild(title);
      var number = document.createElementNS(SVG_NS, "text");
      number.setAttribute("x", (Math.max(zero, zero + value * scale) + 4).toFixed(1));
      number.setAttribute("y", y + barHeight - 5);
      number.textContent = row[columns.value].value;
      svg.appendChild(name);
      svg.appendChild(bar);
      svg.appendChild(number);
    });
    var holder = document.createElement("figure");
    holder.className = "nscn-result-chart";
    holder.appendChild(svg);
    if (data.rows.length > rows.length) {
      var note = document.createElement("figcaption");
      note.textContent = "The first " + rows.length + " of " + data.rows.length + " rows.";
      holder.appendChild(note);
    }
    this.yasr.resultsEl.appendChild(holder);
  };
  Yasgui.Yasr.registerPlugin("map", MapView);
  Yasgui.Yasr.registerPlugin("chart", ChartView);

  Yasqe.defaults.autocompleters = ["prefixes", "variables", "nscn-classes", "nscn-properties", "nscn-things"];
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
