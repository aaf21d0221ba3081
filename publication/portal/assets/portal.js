/* edu-wh release portal: renders the data embedded in #release-data; no network, works from file://.
   All text goes through textContent (never innerHTML), so data cannot inject markup. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("release-data").textContent);
  var LANGS = ["kk", "ru", "en"];
  /* numbers and dates as written in Kazakhstan (1 234,5) for kk and ru; Chromium's ICU lacks kk number data */
  var LOCALES = { kk: "ru-RU", ru: "ru-RU", en: "en-GB" };
  var lang = initialLanguage();
  var measureState = { territory: null, year: null };

  function initialLanguage() {
    var fromUrl = new URLSearchParams(window.location.search).get("lang") || (window.location.hash.match(/lang=(\w+)/) || [])[1];
    if (LANGS.indexOf(fromUrl) >= 0) return fromUrl;
    try {
      var stored = window.localStorage.getItem("edu-wh-lang");
      if (LANGS.indexOf(stored) >= 0) return stored;
    } catch (e) { /* storage may be unavailable for file:// pages */ }
    return DATA.default_language;
  }

  function t(key, params) {
    var entry = DATA.i18n[key];
    var text = entry ? entry[lang] || entry.en : key;
    Object.keys(params || {}).forEach(function (k) { text = text.split("{" + k + "}").join(String(params[k])); });
    return text;
  }

  function L(obj) { return obj ? (obj[lang] || obj.en || "") : ""; }

  /* Plotly reads a little HTML in its texts (<b>, <a href>): data must show as typed */
  function plain(s) { return String(s === null || s === undefined ? "" : s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /* a sentence whose {placeholders} are identifiers (table, column names): shown as code */
  function withCode(key, params) {
    var p = el("p", { cls: "muted small" });
    t(key).split(/(\{\w+\})/).forEach(function (part) {
      var m = part.match(/^\{(\w+)\}$/);
      p.appendChild(m ? el("code", { text: String(params[m[1]]) }) : document.createTextNode(part));
    });
    return p;
  }

  function clear(id) { var n = document.getElementById(id); while (n.firstChild) n.removeChild(n.firstChild); return n; }

  function num(v, format) {
    if (v === null || v === undefined || v === "") return "—";
    if (typeof v !== "number") return String(v);
    var locale = LOCALES[lang];
    if (format === "ratio") return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(v);
    if (format === "percent") return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(v) + " %";
    return new Intl.NumberFormat(locale, { maximumFractionDigits: Number.isInteger(v) ? 0 : 2 }).format(v);
  }

  /* money as people write it: 394 млрд ₸ / 394 млрд теңге / 394 bn KZT (publication/numbers.py does the same) */
  var MONEY = { kzt: true, tenge: true };
  var SCALES = [[1e12, { kk: "трлн", ru: "трлн", en: "tn" }], [1e9, { kk: "млрд", ru: "млрд", en: "bn" }], [1e6, { kk: "млн", ru: "млн", en: "mn" }]];
  var CURRENCY = { kk: "теңге", ru: "₸", en: "KZT" };
  var NBSP = "\u00a0";
  function grouped(v, digits) {
    return new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: digits }).format(v).replace(/[\u202f ]/g, NBSP);
  }
  function money(v) {
    if (v === null || v === undefined || v === "") return "—";
    for (var i = 0; i < SCALES.length; i++) {
      if (Math.abs(v) >= SCALES[i][0]) {
        var scaled = v / SCALES[i][0], a = Math.abs(scaled);
        return grouped(scaled, a >= 100 ? 0 : a >= 10 ? 1 : 2) + NBSP + SCALES[i][1][lang] + NBSP + CURRENCY[lang];
      }
    }
    return grouped(v, Number.isInteger(v) ? 0 : 2) + NBSP + CURRENCY[lang];
  }
  function exactMoney(v) { return (v === null || v === undefined) ? "—" : grouped(v, Number.isInteger(v) ? 0 : 2) + NBSP + CURRENCY[lang]; }
  function isMoney(unit) { return !!MONEY[unit]; }
  /* a coded value with its label in the reader's language: «строится» for under_construction */
  function codeLabel(table, column, value) {
    var byCol = (DATA.codes || {})[table] || {};
    var entry = (byCol[column] || {})[String(value)];
    return entry ? (entry[lang] || entry.en) : null;
  }

  function size(bytes) {
    if (bytes === undefined || bytes === null) return "";
    if (bytes < 1024 * 1024) return num(Math.max(1, Math.round(bytes / 1024))) + " " + t("kb");
    return num(Math.round(bytes / 1024 / 102.4) / 10) + " " + t("mb");
  }

  function date(iso) {  /* the same in every language (not every browser knows Kazakh month names) */
    if (!iso) return "—";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  /* --- header ------------------------------------------------------------------------------- */
  function renderHeader() {
    document.documentElement.lang = lang;
    document.title = t("title") + " · r" + DATA.release.id;
    document.getElementById("title").textContent = t("title");
    document.getElementById("subtitle").textContent = t("subtitle");
    var r = DATA.release;
    var line = clear("release-line");
    line.appendChild(el("span", { cls: "pill", text: t("release") + " " + r.id }));
    line.appendChild(el("span", { text: " " + t("published_at") + ": " + date(r.published_at) }));
    if (r.is_synthetic) line.appendChild(el("span", { cls: "badge synthetic", text: t("synthetic") }));
    var langs = clear("langs");
    LANGS.forEach(function (code) {
      var b = el("button", { type: "button", "data-lang": code, "aria-pressed": String(code === lang), text: DATA.languages[code] });
      if (code === lang) b.className = "active";
      b.addEventListener("click", function () { setLanguage(code); });
      langs.appendChild(b);
    });
    var nav = clear("section-nav");
    ["headlines", "measures", "charts", "tables", "quality", "claims", "provenance", "changes"].forEach(function (id) {
      nav.appendChild(el("a", { href: "#" + id, text: t("nav_" + id) }));
    });
    var banner = document.getElementById("synthetic-banner");
    if (banner) banner.textContent = t("synthetic_banner");
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (n) { n.textContent = t(n.getAttribute("data-i18n")); });
  }

  /* --- headline figures ---------------------------------------------------------------------- */
  function renderHeadlines() {
    var box = clear("headline-cards");
    if (!DATA.headlines.length) { box.appendChild(el("p", { cls: "muted", text: t("no_headlines") })); return; }
    DATA.headlines.forEach(function (h) {
      var shown = h["display_" + lang] || num(h.value), exact = h["exact_" + lang] || num(h.value);
      var context = [h.period_shown || h.period, h["territory_" + lang], h["basis_" + lang]].filter(Boolean).join(" · ");
      box.appendChild(el("div", { cls: "card headline", "data-key": h.key },
        el("div", { cls: "card-value", title: t("exact_value") + ": " + exact, text: shown }),
        el("div", { cls: "card-label", text: h["label_" + lang] }),
        shown !== exact ? el("div", { cls: "card-exact muted small", text: exact }) : null,
        el("div", { cls: "card-context muted small", text: context }),
        h["note_" + lang] ? el("div", { cls: "card-note small", text: h["note_" + lang] }) : null,
        el("div", { cls: "card-source muted" }, t("source") + ": " + (h["source_" + lang] || h.source || "—"),
          h.reference ? el("code", { cls: "reference", text: " " + h.reference }) : null),
        h.is_synthetic ? el("span", { cls: "badge synthetic", text: t("figure_synthetic") }) : null));
    });
  }

  /* --- measures by territory and year -------------------------------------------------------- */
  function yearsFor(code) {
    var years = {};
    DATA.measures.tables.forEach(function (tb) { Object.keys(tb.values[code] || {}).forEach(function (y) { years[y] = true; }); });
    return Object.keys(years).sort();
  }

  function renderMeasures() {
    var box = clear("measures-body");
    var m = DATA.measures;
    if (!m.tables.length) { box.appendChild(el("p", { cls: "muted", text: t("no_measures") })); return; }
    if (!measureState.territory) measureState.territory = m.territories[0].code;
    var years = yearsFor(measureState.territory);
    if (years.indexOf(measureState.year) < 0) measureState.year = years[years.length - 1];

    var tsel = el("select", { id: "measure-territory" });
    m.territories.forEach(function (tr) {
      var o = el("option", { value: tr.code, text: L(tr.name) });
      if (tr.code === measureState.territory) o.selected = true;
      tsel.appendChild(o);
    });
    tsel.addEventListener("change", function () { measureState.territory = tsel.value; renderMeasures(); });
    var ysel = el("select", { id: "measure-year" });
    years.forEach(function (y) { var o = el("option", { value: y, text: y }); if (y === measureState.year) o.selected = true; ysel.appendChild(o); });
    ysel.addEventListener("change", function () { measureState.year = ysel.value; renderMeasures(); });
    box.appendChild(el("div", { cls: "controls" },
      el("label", {}, t("territory") + " ", tsel), el("label", {}, t("year") + " ", ysel)));

    var cards = el("div", { cls: "cards" });
    var any = false;
    m.tables.forEach(function (tb) {
      var cell = (tb.values[measureState.territory] || {})[measureState.year];
      if (!cell) return;
      var synthetic = ((tb.synthetic[measureState.territory] || {})[measureState.year]) === true;
      tb.measures.forEach(function (ms) {
        if (!(ms.column in cell)) return;
        any = true;
        var unit = L(ms.unit), v = cell[ms.column];
        var shown = isMoney(ms.unit_code) ? money(v) : num(v, ms.format) + (unit && ms.format === "number" ? " " + unit : "");
        var exact = isMoney(ms.unit_code) ? exactMoney(v) : shown;
        cards.appendChild(el("div", { cls: "card measure", "data-table": tb.table, "data-column": ms.column },
          el("div", { cls: "card-value", title: t("exact_value") + ": " + exact, text: shown }),
          shown !== exact ? el("div", { cls: "card-exact muted small", text: exact }) : null,
          el("div", { cls: "card-label", text: L(ms.label) }),
          el("div", { cls: "card-source muted", text: L(tb.label) }),
          synthetic ? el("span", { cls: "badge synthetic", text: t("synthetic") }) : null));
      });
    });
    if (!any) cards.appendChild(el("p", { cls: "muted", text: t("no_measures") }));
    box.appendChild(cards);
    box.appendChild(el("p", { cls: "muted small", text: t("measures_note") }));
  }

  /* --- charts -------------------------------------------------------------------------------- */
  function chartTitle(c) { return (c.titles && c.titles[lang]) || (DATA.i18n[c.title_key] ? t(c.title_key) : c.key); }

  function renderCharts() {
    var box = clear("charts-body");
    DATA.charts.forEach(function (c) {
      var card = el("div", { cls: "chart-card", id: "chart-card-" + c.key, "data-available": String(c.available) },
        el("h3", { text: chartTitle(c) }));
      box.appendChild(card);
      if (!c.available) {
        card.classList.add("unavailable");
        var key = c.reason === "columns_missing" ? "chart_columns_missing" : c.reason === "no_rows" ? "chart_no_rows" : "not_in_release_detail";
        if (c.reason === "not_in_release") card.appendChild(el("p", { cls: "not-in-release", text: t("not_in_release") }));
        card.appendChild(withCode(key, { table: c.table, columns: c.columns || "" }));
        return;
      }
      if (c.traces.length > 5) card.classList.add("wide");
      if (c.subtitle && L(c.subtitle)) card.appendChild(el("p", { cls: "chart-subtitle muted", text: L(c.subtitle) }));
      if (c.synthetic) card.appendChild(el("span", { cls: "badge synthetic", text: t("synthetic") }));
      var div = el("div", { cls: "chart", id: "chart-" + c.key });
      card.appendChild(div);
      (c.notes || []).forEach(function (n) { card.appendChild(el("p", { cls: "chart-note small", text: L(n) })); });
      if (c.has_hidden) card.appendChild(el("p", { cls: "muted small", text: t("chart_hint") }));
      drawChart(c, div);
    });
  }

  function wrap(text, most) {  /* a break's label in lines of at most `most` characters (narrow screens) */
    var lines = [""];
    text.split(" ").forEach(function (word) {
      var last = lines[lines.length - 1];
      if (last && (last + " " + word).length > most) lines.push(word); else lines[lines.length - 1] = last ? last + " " + word : word;
    });
    return lines.join("<br>");
  }

  function drawChart(c, div) {
    if (typeof Plotly === "undefined") { div.textContent = "Plotly did not load"; return; }
    var moneyAxis = isMoney(c.y_unit), scale = 1, scaleWord = "";
    if (moneyAxis) {  /* axis in млрд ₸ / bn KZT; the exact amount on hover */
      var top = 0;
      c.traces.forEach(function (tr) { tr.y.forEach(function (v) { if (v !== null && Math.abs(v) > top) top = Math.abs(v); }); });
      for (var i = 0; i < SCALES.length; i++) if (top >= SCALES[i][0]) { scale = SCALES[i][0]; scaleWord = SCALES[i][1][lang] + " "; break; }
    }
    var width = div.clientWidth || 600;
    var most = Math.max(12, Math.floor(width / 9));  /* a legend entry never wider than the chart */
    function short(s) { s = String(s); return s.length > most ? s.slice(0, most - 1) + "…" : s; }
    var traces = c.traces.map(function (tr) {
      var x = (tr.x_by_lang ? tr.x_by_lang[lang] : tr.x).map(plain);
      var y = tr.y.map(function (v) { return v === null ? null : v / scale; });
      var exact = tr.y.map(function (v) { return moneyAxis ? exactMoney(v) : num(v, c.y_format); });
      var hover = { customdata: exact, hovertemplate: "%{x}: %{customdata}<extra>%{fullData.name}</extra>" };
      if (tr.type === "target") {
        return Object.assign({ type: "scatter", mode: "markers", name: plain(t(tr.name_key)), x: x, y: y,
          marker: { symbol: "line-ew-open", size: 28, line: { width: 3, color: "#c0392b" } } }, hover);
      }
      if (tr.type === "bar") return Object.assign({ type: "bar", name: plain(short(L(tr.name))), x: x, y: y }, hover);
      return Object.assign({ type: "scatter", mode: "lines+markers", name: plain(short(L(tr.name))), x: x, y: y, visible: tr.visible, connectgaps: false }, hover);
    });
    var narrow = width < 500;
    var shapes = [], annotations = [], categories = [];
    traces.forEach(function (tr) { tr.x.forEach(function (x) { if (categories.indexOf(x) < 0) categories.push(x); }); });
    (c.breaks || []).forEach(function (b) {  /* a change of borders: a dashed line and what changed */
      /* by the category's position: a year such as "2022" given as such would be read as position 2022 */
      var at = categories.indexOf(plain(b.x));
      if (at < 0) return;
      shapes.push({ type: "line", xref: "x", yref: "paper", x0: at, x1: at, y0: 0, y1: 1, line: { dash: "dash", width: 2, color: "#b42318" } });
      annotations.push({ xref: "x", yref: "paper", x: at, y: 1, yanchor: "bottom", showarrow: false, text: wrap(plain(L(b.label)), Math.floor(width / (narrow ? 18 : 14))),
        font: { size: 11, color: "#b42318" }, xanchor: at + 0.5 >= categories.length / 2 ? "right" : "left", align: "left" });
    });
    var noteLines = annotations.reduce(function (n, a) { return Math.max(n, a.text.split("<br>").length); }, 0);
    var yTitle = plain(L(c.y_title)).replace(/\s*\([^)]*\)$/, "") + (moneyAxis ? " (" + scaleWord + CURRENCY[lang] + ")" : "");
    var layout = {
      margin: { t: 16 + 15 * noteLines, r: 10, b: 10, l: 10 },
      height: (c.traces.length > 5 ? 520 : 420) + (narrow ? 80 : 0),
      separators: lang === "en" ? ".," : ", ",
      /* the legend sits at the foot of the chart, under the axis labels: never over the bars, lines or names */
      legend: { orientation: "h", x: 0, xanchor: "left", yref: "container", y: 0, yanchor: "bottom", font: { size: 11 } },
      barmode: c.traces.some(function (tr) { return tr.type === "bar"; }) && c.traces.filter(function (tr) { return tr.type === "bar"; }).length > 1 ? "stack" : "group",
      xaxis: { title: { text: c.x_title ? plain(L(c.x_title)) : "" }, type: "category", automargin: true, tickangle: narrow ? -60 : "auto",
        range: categories.length ? [-0.5, categories.length - 0.5] : undefined },
      yaxis: { title: { text: yTitle }, tickformat: c.y_format === "ratio" ? ".0%" : ",~r", rangemode: "tozero", automargin: true },
      shapes: shapes, annotations: annotations,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"
    };
    if (!c.x_title && traces.some(function (tr) { return tr.type === "bar"; })) ranking(traces, layout, categories, narrow);
    Plotly.react(div, traces, layout, { displaylogo: false, responsive: true });
  }

  /* A ranking of territories: horizontal bars, the largest on top, every name written beside its bar
     (a vertical ranking at 320 px drops every other name, and a bar without a name misleads). */
  function ranking(traces, layout, categories, narrow) {
    traces.forEach(function (tr) {
      var names = tr.x.map(function (n) { return narrow ? n.replace(" (", "<br>(") : n; });
      tr.x = tr.y; tr.y = names;
      tr.hovertemplate = "%{y}: %{customdata}<extra>%{fullData.name}</extra>";
      if (tr.type === "bar") tr.orientation = "h";
      else tr.marker.symbol = "line-ns-open";
    });
    var values = layout.yaxis;
    layout.yaxis = { type: "category", automargin: true, autorange: "reversed", dtick: 1, tickfont: { size: 11 } };
    layout.xaxis = { title: { text: narrow ? wrap(values.title.text, 14) : values.title.text }, tickformat: values.tickformat,
      rangemode: "tozero", automargin: true };
    layout.height = Math.max(300, categories.length * (narrow ? 34 : 24) + 140);
    layout.margin.r = 40;  /* room for the last value label of the axis */
  }

  /* --- tables and downloads ------------------------------------------------------------------ */
  function link(path, text, extra) {
    return el("a", { href: path, download: "", cls: "download", "data-download": path }, text + (extra ? " · " + extra : ""));
  }

  function renderTables() {
    var box = clear("tables-body");
    var list = el("ul", { cls: "downloads" });
    DATA.downloads.forEach(function (d) { list.appendChild(el("li", {}, link(d.path, t(d.label_key), (d.format || "") + (d.bytes ? " · " + size(d.bytes) : "")))); });
    box.appendChild(el("h3", { text: t("all_files") }));
    box.appendChild(list);
    DATA.tables.forEach(function (tb) {
      var files = el("div", { cls: "files" });
      ["csv_excel", "csv", "xlsx", "parquet"].forEach(function (fmt) {
        var f = tb.files[fmt];
        if (!f) return;
        files.appendChild(link(f.path, t("format_" + fmt), (f.sheet ? t("sheet") + " " + f.sheet + " · " : "") + size(f.bytes)));
      });
      var head = el("tr", {});
      var units = el("tr", { cls: "code" });
      tb.columns.forEach(function (c) { head.appendChild(el("th", { text: L(c.label) })); units.appendChild(el("th", {}, el("code", { text: c.name }))); });
      var body = el("tbody", {});
      tb.preview.forEach(function (row) {
        var tr = el("tr", {});
        row.forEach(function (v, i) {
          var label = v === null ? null : codeLabel(tb.name, tb.columns[i].name, v);
          tr.appendChild(el("td", { text: label ? label + " (" + v + ")" : typeof v === "number" ? num(v) : (v === null ? "" : String(v)) }));
        });
        body.appendChild(tr);
      });
      var details = el("details", {}, el("summary", { text: t("preview") }),
        el("div", { cls: "scroll" }, el("table", { cls: "data" }, el("thead", {}, head, units), body)));
      box.appendChild(el("div", { cls: "table-card", id: "table-" + tb.name },
        el("h3", {}, L(tb.label), " ", el("code", { text: tb.name })),
        el("p", { text: typeof tb.description === "string" ? tb.description : L(tb.description) }),
        el("p", { cls: "muted" }, num(tb.rows) + " " + t("rows") + " · " + t("grain") + ": " + (tb.grain_labels[lang] || []).join(" × "),
          tb.synthetic_rows ? el("span", { cls: "badge synthetic", text: num(tb.synthetic_rows) + " " + t("synthetic_rows") }) : null),
        files, details));
    });
  }

  /* --- quality report ------------------------------------------------------------------------ */
  function renderQuality() {
    var box = clear("quality-body");
    var q = DATA.quality;
    if (!q.total) { box.appendChild(el("p", { cls: "muted", text: t("quality_none") })); return; }
    box.appendChild(el("p", { cls: q.critical ? "bad" : "good", text: (q.critical ? "" : t("quality_passed") + " ") +
      t("quality_summary", { passed: q.passed, total: q.total, critical: q.critical, warnings: q.warnings }) }));
    var table = el("table", { cls: "data", id: "quality-table" });
    table.appendChild(el("thead", {}, el("tr", {}, el("th", { text: t("dataset") }), el("th", { text: t("protects") }),
      el("th", { text: t("check") }), el("th", { text: t("severity") }), el("th", { text: t("result") }))));
    var body = el("tbody", {});
    q.results.forEach(function (r) {
      body.appendChild(el("tr", { cls: r.success ? "" : (r.severity === "critical" ? "row-bad" : "row-warn") },
        el("td", {}, el("code", { text: r.table })), el("td", { text: typeof r.protects === "string" ? r.protects : L(r.protects) }), el("td", {}, el("code", { text: r.expectation })),
        el("td", { text: t(r.severity) }), el("td", { text: r.success ? "✓ " + t("passed") : "✗ " + t("failed") })));
    });
    table.appendChild(body);
    box.appendChild(el("div", { cls: "scroll" }, table));
  }

  /* --- provenance ---------------------------------------------------------------------------- */
  function renderProvenance() {
    var box = clear("provenance-body");
    if (!DATA.claims_present) box.appendChild(el("p", { cls: "muted", text: t("claims_not_in_release") }));
    DATA.headlines.forEach(function (h) {
      var card = el("div", { cls: "table-card provenance", "data-key": h.key },
        el("h3", { text: h["label_" + lang] }),
        el("p", {}, el("strong", { text: t("value") + ": " }), (h["exact_" + lang] || num(h.value))),
        el("p", {}, el("strong", { text: t("source") + ": " }), el("span", { text: h["source_" + lang] || h.source || "—" }),
          h.reference ? el("code", { text: " " + h.reference }) : null));
      if (DATA.claims_present) {
        card.appendChild(el("h4", { text: t("claims") }));
        if (!h.claims || !h.claims.length) card.appendChild(el("p", { cls: "muted", text: t("claims_none") }));
        else {
          var ul = el("ul", { cls: "claims" });
          h.claims.forEach(function (c) {
            ul.appendChild(el("li", { cls: "claim " + c.verdict },
              el("span", { cls: "badge " + c.verdict, text: t("claim_" + c.verdict) }), " ",
              t("claimed") + ": " + (isMoney(c.unit) ? exactMoney(c.claimed) : num(c.claimed) + (c.unit ? " " + (codeLabel("claims", "unit", c.unit) || c.unit) : "")),
              c.text ? el("q", { text: c.text }) : null,
              el("span", { cls: "muted small", text: " — " + [c.source, c.date, c.language].filter(Boolean).join(", ") })));
          });
          card.appendChild(ul);
        }
      }
      box.appendChild(card);
    });
  }

  /* --- claims vs official figures: published.claims as the warehouse decided (never recomputed) --- */
  function figureCell(f, extra) {
    var td = el("td", { cls: "figure" });
    if (extra) td.appendChild(el("div", { cls: "muted small", text: extra }));
    td.appendChild(el("div", { cls: "figure-shown", title: t("exact_value") + ": " + f.exact, text: f.shown }));
    if (f.exact !== f.shown) td.appendChild(el("div", { cls: "figure-exact muted small", text: f.exact }));
    return td;
  }

  function claimDate(c) {
    if (!c.published_date) return "—";
    var cut = { year: 4, month: 7 }[c.published_date_precision] || 10;
    return c.published_date.slice(0, cut);
  }

  function renderClaims() {
    var box = clear("claims-body");
    var view = DATA.claims_view || { present: false, rows: [] };
    if (!view.present) { box.appendChild(el("p", { cls: "muted", text: t("claims_not_in_release") })); return; }
    box.appendChild(el("p", { cls: "muted small", text: t("claims_view_intro") }));
    var table = el("table", { cls: "data claims-table", id: "claims-table" });
    var head = el("tr", {});
    ["col_quote", "col_article", "col_date", "col_where_when", "claimed", "col_official", "basis", "col_verdict", "col_difference"]
      .forEach(function (k) { head.appendChild(el("th", { text: t(k) })); });
    table.appendChild(el("thead", {}, head));
    var body = el("tbody", {});
    view.rows.forEach(function (c) {
      var x = c[lang];
      var article = el("td", {},
        c.url ? el("a", { href: c.url, rel: "noopener noreferrer", target: "_blank", text: c.title || c.document })
              : el("div", { text: c.title || "" }),
        c.publisher ? el("div", { cls: "muted small", text: c.publisher }) : null,
        el("code", { cls: "small", text: c.document || "" }));
      var official = figureCell(x.official, null);
      official.appendChild(el("div", { cls: "muted small", text: [x.official_source, c.official_period ? t("official_period") + " " + c.official_period : null, c.official_as_of_date].filter(Boolean).join(" · ") }));
      if (c.official_is_synthetic) official.appendChild(el("span", { cls: "badge synthetic", text: t("synthetic") }));
      if (c.official_reference) official.appendChild(el("code", { cls: "reference small", text: c.official_reference }));
      var basis = el("td", { text: x.comparison_basis || "—" });
      if (x.claimed_basis || x.official_basis) basis.appendChild(el("div", { cls: "muted small", text: t("basis_claimed_official", { claimed: x.claimed_basis || "—", official: x.official_basis || "—" }) }));
      var difference = figureCell(x.difference, null);
      if (x.difference_percent) difference.appendChild(el("div", { cls: "small", text: x.difference_percent }));
      body.appendChild(el("tr", { "data-claim-id": c.claim_id, "data-status": c.status },
        el("td", {}, el("q", { text: c.quote || "" }), el("div", {}, el("code", { cls: "small", text: c.claim_id }))),
        article,
        el("td", { text: claimDate(c) }),
        el("td", { text: [L(c.territory), c.period].filter(Boolean).join(" · ") }),
        figureCell(x.claimed, x.qualifier),
        official,
        basis,
        el("td", {}, el("span", { cls: "badge verdict " + c.status, "data-status": c.status, text: x.verdict })),
        difference));
    });
    table.appendChild(body);
    box.appendChild(el("div", { cls: "scroll" }, table));
  }

  /* --- changes ------------------------------------------------------------------------------- */
  function renderChanges() {
    var box = clear("changes-body");
    var ch = DATA.changes;
    if (ch.previous_release_id === null || ch.previous_release_id === undefined) box.appendChild(el("p", { text: t("changes_first") }));
    else if (!ch.previous_kept) { box.appendChild(el("p", { cls: "muted", text: t("changes_not_kept", { prev: ch.previous_release_id }) })); return; }
    else box.appendChild(el("p", { text: t("changes_since", { prev: ch.previous_release_id }) }));
    var table = el("table", { cls: "data", id: "changes-table" });
    table.appendChild(el("thead", {}, el("tr", {}, el("th", { text: t("dataset") }), el("th", { text: t("status") }),
      el("th", { text: t("rows_before") }), el("th", { text: t("rows_after") }), el("th", { text: t("added") }),
      el("th", { text: t("changed") }), el("th", { text: t("removed") }))));
    var body = el("tbody", {});
    (ch.tables || []).forEach(function (r) {
      body.appendChild(el("tr", { "data-table": r.table }, el("td", {}, el("code", { text: r.table })), el("td", { text: t(r.status) }),
        el("td", { text: num(r.rows_before) }), el("td", { text: num(r.rows_after) }), el("td", { text: num(r.added) }),
        el("td", { text: num(r.changed) }), el("td", { text: num(r.removed) })));
    });
    table.appendChild(body);
    box.appendChild(el("div", { cls: "scroll" }, table));
    var moved = (ch.headlines || []).filter(function (h) { return h.status !== "unchanged"; });
    if (moved.length && ch.previous_release_id !== null) {
      box.appendChild(el("h3", { text: t("headline_changes") }));
      var ul = el("ul", {});
      moved.forEach(function (h) {
        var b = isMoney(h.unit) ? money(h.before) : num(h.before), a = isMoney(h.unit) ? money(h.after) : num(h.after);
        ul.appendChild(el("li", {}, h["label_" + lang] + ": " + b + " → " + a));
      });
      box.appendChild(ul);
    }
  }

  /* --- footer -------------------------------------------------------------------------------- */
  function renderFooter() {
    var box = clear("footer");
    var r = DATA.release;
    box.appendChild(el("p", { text: t("footer") }));
    box.appendChild(el("p", { cls: "muted small" }, t("git_commit") + ": ", el("code", { text: r.git_commit || "—" }),
      " · " + t("content_hash") + ": ", el("code", { text: (r.content_hash || "").slice(0, 16) }),
      " · " + t("exported_at") + ": " + date(r.exported_at)));
    var inputs = el("p", { cls: "muted small" }, t("input_batches") + ": ");
    r.input_batches.forEach(function (b, i) {
      inputs.appendChild(el("code", { text: b.source_file }));
      inputs.appendChild(document.createTextNode((b.is_synthetic ? " (" + t("synthetic") + ")" : "") + (i < r.input_batches.length - 1 ? ", " : "")));
    });
    box.appendChild(inputs);
  }

  function render() {
    renderHeader(); renderHeadlines(); renderMeasures(); renderCharts(); renderTables();
    renderQuality(); renderClaims(); renderProvenance(); renderChanges(); renderFooter();
    /* the page is whole in this language: readers (and the browser tests) can wait for this mark */
    document.documentElement.setAttribute("data-rendered", lang);
  }

  function setLanguage(code) {
    lang = code;
    try { window.localStorage.setItem("edu-wh-lang", code); } catch (e) { /* ignore */ }
    render();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
