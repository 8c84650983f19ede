/* trialguard report: renders the embedded findings on demand. No framework, no network, DOM text only. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("tg-data").textContent);
  var F = D.f, N = F.length, SEV = D.sev;
  var SV = 0, RU = 1, TR = 2, SR = 3, FI = 4, LO = 5, MS = 6, OB = 7, EX = 8, EV = 9, FP = 10, ST = 11;
  var $ = function (id) { return document.getElementById(id); };
  var DEFAULT_SIZE = 50;
  var S = freshState();
  var view = [], searchText = null, lastKey = "";

  function freshState() {
    return { sev: SEV.slice(), rule: "", trial: "", source: "", status: "", q: "", sort: "", dir: "asc",
             page: 1, size: DEFAULT_SIZE, open: "", view: "" };
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  function nctUrl(id) {
    var m = /^(?:ctgov:)?(NCT\d{8})$/.exec(id || "");
    return m ? "https://clinicaltrials.gov/study/" + m[1] : "";
  }

  function nctLink(id) {
    var u = nctUrl(id);
    return u ? el("a", { href: u, rel: "noopener noreferrer", target: "_blank", text: "clinicaltrials.gov record ↗" }) : null;
  }

  /* ---------- URL hash <-> state ---------- */
  function toHash() {
    var p = [], d = freshState();
    if (S.sev.join(",") !== d.sev.join(",")) p.push("sev=" + (S.sev.join(",") || "none"));
    ["rule", "trial", "source", "status", "q", "sort", "open", "view"].forEach(function (k) {
      if (S[k]) p.push(k + "=" + encodeURIComponent(S[k]));
    });
    if (S.sort && S.dir !== "asc") p.push("dir=" + S.dir);
    if (S.page !== 1) p.push("page=" + S.page);
    if (S.size !== DEFAULT_SIZE) p.push("size=" + S.size);
    return p.join("&");
  }

  function writeHash() {
    var h = toHash();
    var target = h ? "#" + h : location.pathname + location.search;
    if (("#" + h) === location.hash || (!h && !location.hash)) return;
    try { history.replaceState(null, "", target); }
    catch (e) { if (h) location.hash = h; }
  }

  function fromHash() {
    var h = location.hash.replace(/^#/, "");
    if (h.indexOf("=") < 0) return false;
    var s = freshState();
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("="); if (i < 0) return;
      var k = kv.slice(0, i), v;
      try { v = decodeURIComponent(kv.slice(i + 1)); } catch (e) { return; }
      if (k === "sev") s.sev = v === "none" ? [] : v.split(",").filter(function (x) { return SEV.indexOf(x) >= 0; });
      else if (k === "page" || k === "size") { var n = parseInt(v, 10); if (n > 0) s[k] = Math.min(n, 1000000); }
      else if (k === "dir") s.dir = v === "desc" ? "desc" : "asc";
      else if (Object.prototype.hasOwnProperty.call(s, k) && typeof s[k] === "string") s[k] = v;
    });
    S = s;
    return true;
  }

  /* ---------- filtering and sorting ---------- */
  function rowText(i) {
    if (!searchText) {
      searchText = new Array(N);
      for (var j = 0; j < N; j++) {
        var r = F[j], rule = D.rules[r[RU]];
        searchText[j] = [rule[0], rule[1], D.trials[r[TR]], D.sources[r[SR]], D.files[r[FI]], r[LO], r[MS], r[OB],
                         r[EX]].join("\u0001").toLowerCase();
      }
    }
    return searchText[i];
  }

  function allowed(list, needle) {
    needle = needle.trim().toLowerCase();
    return list.map(function (x) { return !needle || x.toLowerCase().indexOf(needle) >= 0; });
  }

  var SORTS = {
    sev: function (a, b) { return F[a][SV] - F[b][SV]; },
    rule: function (a, b) { return F[a][RU] - F[b][RU]; },
    trial: function (a, b) { return F[a][TR] - F[b][TR]; },
    source: function (a, b) { return F[a][SR] - F[b][SR]; },
    loc: function (a, b) { var x = D.files[F[a][FI]] + "\u0000" + F[a][LO], y = D.files[F[b][FI]] + "\u0000" + F[b][LO];
                           return x < y ? -1 : x > y ? 1 : 0; },
    message: function (a, b) { var x = F[a][MS], y = F[b][MS]; return x < y ? -1 : x > y ? 1 : 0; }
  };

  function compute() {
    var key = JSON.stringify([S.sev, S.rule, S.trial, S.source, S.status, S.q, S.sort, S.dir]);
    if (key === lastKey) return;
    lastKey = key;
    var sevOk = SEV.map(function (s) { return S.sev.indexOf(s) >= 0; });
    var ruleIdx = -1;
    if (S.rule) { ruleIdx = -2; D.rules.forEach(function (r, i) { if (r[0] === S.rule) ruleIdx = i; }); }
    var tOk = allowed(D.trials, S.trial), sOk = allowed(D.sources, S.source);
    var words = S.q.toLowerCase().split(/\s+/).filter(Boolean);
    var out = [];
    for (var i = 0; i < N; i++) {
      var r = F[i];
      if (!sevOk[r[SV]] || (ruleIdx !== -1 && r[RU] !== ruleIdx) || !tOk[r[TR]] || !sOk[r[SR]]) continue;
      if (S.status && r[ST] !== S.status) continue;
      if (words.length) {
        var t = rowText(i), ok = true;
        for (var w = 0; w < words.length; w++) if (t.indexOf(words[w]) < 0) { ok = false; break; }
        if (!ok) continue;
      }
      out.push(i);
    }
    var cmp = SORTS[S.sort];
    if (cmp) {
      var sign = S.dir === "desc" ? -1 : 1;
      out.sort(function (a, b) { return sign * cmp(a, b) || a - b; });
    }
    view = out;
  }

  /* ---------- evidence ---------- */
  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function marked(text, subs) {
    var parts = subs.filter(function (s) { return typeof s === "string" && s && text.indexOf(s) >= 0; });
    if (!parts.length) return [text];
    parts.sort(function (a, b) { return b.length - a.length; });
    var re = new RegExp("(" + parts.map(escapeRe).join("|") + ")", "g"), out = [], last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push(el("mark", { text: m[0] }));
      last = m.index + m[0].length;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  function numbersIn(s) { return (String(s || "").match(/\d+(?:[.,]\d+)?\s?%?/g) || []).map(function (x) { return x.trim(); }); }

  function kvTable(caption, head, rows) {
    return el("table", { cls: "compact" }, [
      el("caption", { text: caption }),
      el("thead", null, [el("tr", null, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", null, rows.map(function (r) {
        return el("tr", null, r.map(function (c, j) {
          var v = typeof c === "string" ? c : JSON.stringify(c);
          return el(j === 0 ? "th" : "td", j === 0 ? { scope: "row" } : null, [j === 0 ? el("code", { text: v }) : v]);
        }));
      }))
    ]);
  }

  function val(v) { return v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v); }

  function evidencePanel(i) {
    var r = F[i], ev = r[EV] || {}, rule = D.rules[r[RU]], trial = D.trials[r[TR]], kids = [];
    var hl = Array.isArray(ev.highlight) ? ev.highlight : numbersIn(r[OB]).concat(numbersIn(r[EX]));
    if (typeof ev.quote === "string" && ev.quote) {
      kids.push(el("div", null, [el("h4", { text: "Source quote" }), el("blockquote", null, marked(ev.quote, hl))]));
    }
    if (ev.fields && typeof ev.fields === "object") {
      kids.push(kvTable("Registry values side by side", ["Field (pointer)", "Value"],
        Object.keys(ev.fields).sort().map(function (k) { return [k, val(ev.fields[k])]; })));
    }
    if (ev.other && typeof ev.other === "object") {
      var o = ev.other, rows = [];
      ["source_id", "file", "loc", "date"].forEach(function (k) { if (o[k]) rows.push(el("div", null, [el("dt", { text: k }), el("dd", null, [val(o[k])])])); });
      var link = nctLink(o.source_id);
      kids.push(el("div", null, [el("h4", { text: "The other side" }), el("dl", { cls: "facts" }, rows),
        typeof o.quote === "string" && o.quote ? el("blockquote", null, marked(o.quote, Array.isArray(o.highlight) ? o.highlight : [])) : null,
        link]));
    }
    if (Array.isArray(ev.facets) && ev.facets.length) {
      kids.push(kvTable("Scope, facet by facet", ["Facet", "Claim", "Event", "Relation"], ev.facets.map(function (f) {
        return [val(f.facet), val(f.claim), val(f.event), val(f.relation)];
      })));
    }
    if (ev.dates && typeof ev.dates === "object") {
      kids.push(kvTable("Dates", ["Name", "Date"], Object.keys(ev.dates).sort().map(function (k) { return [k, val(ev.dates[k])]; })));
    }
    var known = { quote: 1, highlight: 1, fields: 1, other: 1, facets: 1, dates: 1 };
    var rest = Object.keys(ev).filter(function (k) { return !known[k]; }).sort();
    if (rest.length) {
      kids.push(kvTable("More evidence", ["Key", "Value"], rest.map(function (k) { return [k, val(ev[k])]; })));
    }
    if (!kids.length) kids.push(el("p", { text: "No further evidence recorded: the message, observed and expected values say it all." }));
    var meta = el("p", { cls: "meta" }, [
      el("strong", { text: rule[0] + " " + rule[1] }), " · ",
      el("a", { href: "#rule-" + rule[0], text: "rule rationale" }), " · fingerprint ", el("code", { text: r[FP] }),
      " · ", el("code", { cls: "path", text: D.files[r[FI]] }), " ", el("code", { text: r[LO] })
    ]);
    var actions = el("p", null, []);
    if (trial) {
      actions.appendChild(el("button", { type: "button", "data-act": "trial", "data-trial": trial, text: "Open trial " + trial }));
      actions.appendChild(document.createTextNode(" "));
      var l = nctLink(trial); if (l) actions.appendChild(l);
    }
    return el("div", { cls: "ev" }, [meta].concat(kids, [actions]));
  }

  /* ---------- findings table ---------- */
  function sevPill(s) { return el("span", { cls: "sev-pill sev-" + s, text: s }); }

  function findingRow(i) {
    var r = F[i], s = SEV[r[SV]], rule = D.rules[r[RU]], trial = D.trials[r[TR]], open = S.open === r[FP];
    var btn = el("button", { type: "button", "data-act": "toggle", "data-fp": r[FP], "aria-expanded": open ? "true" : "false",
                             "aria-controls": "ev-" + r[FP], "aria-label": "Evidence for " + rule[0] + " " + trial + " " + r[LO],
                             text: open ? "▾" : "▸" });
    var trialCell = trial ? el("button", { type: "button", cls: "linkish", "data-act": "trial", "data-trial": trial, text: trial }) : "";
    var cells = [
      el("td", { cls: "x" }, [btn]),
      el("td", null, [sevPill(s), r[ST] === "new" ? el("span", { cls: "badge status-new", text: "new" }) : null]),
      el("td", { title: rule[1] }, [el("code", { text: rule[0] })]),
      el("td", null, [trialCell]),
      el("td", null, [D.sources[r[SR]]]),
      el("td", { cls: "loc" }, [el("code", { text: r[LO] })]),
      el("td", { cls: "msg" }, [r[MS]]),
      el("td", { cls: "ov" }, [el("span", { cls: "obs", text: r[OB] }), r[EX] ? el("span", { cls: "exp", text: " → " + r[EX] }) : null])
    ];
    var tr = el("tr", { cls: "sev-" + s, "data-i": String(i) }, cells);
    return tr;
  }

  function render() {
    compute();
    var pages = Math.max(1, Math.ceil(view.length / S.size));
    if (S.page > pages) S.page = pages;
    var start = (S.page - 1) * S.size, end = Math.min(view.length, start + S.size);
    var body = $("findings-body"), frag = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var i = view[k];
      frag.appendChild(findingRow(i));
      if (S.open === F[i][FP]) {
        frag.appendChild(el("tr", { cls: "evidence-row", id: "ev-" + F[i][FP] }, [el("td", { colspan: "8" }, [evidencePanel(i)])]));
      }
    }
    body.textContent = "";
    body.appendChild(frag);
    var shown = view.length ? (start + 1) + "–" + end + " of " + view.length : "0";
    $("f-count").textContent = "Showing " + shown + " finding" + (view.length === 1 ? "" : "s") +
      (view.length !== N ? " (filtered from " + N + ")" : "");
    $("p-info").textContent = "page " + S.page + " of " + pages;
    $("p-first").disabled = $("p-prev").disabled = S.page <= 1;
    $("p-next").disabled = $("p-last").disabled = S.page >= pages;
    document.querySelectorAll("#findings-table th").forEach(function (th) {
      var b = th.querySelector("button[data-sort]");
      if (!b) return;
      if (b.getAttribute("data-sort") === S.sort) th.setAttribute("aria-sort", S.dir === "desc" ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    syncControls();
    writeHash();
  }

  function syncControls() {
    document.querySelectorAll("#filters input[name=sev]").forEach(function (c) { c.checked = S.sev.indexOf(c.value) >= 0; });
    $("f-rule").value = S.rule;
    if ($("f-rule").value !== S.rule) $("f-rule").value = "";
    if ($("f-trial").value !== S.trial) $("f-trial").value = S.trial;
    if ($("f-source").value !== S.source) $("f-source").value = S.source;
    if ($("f-q").value !== S.q) $("f-q").value = S.q;
    if ($("f-status")) $("f-status").value = S.status;
    $("p-size").value = String(S.size);
    if ($("p-size").value !== String(S.size)) $("p-size").value = String(DEFAULT_SIZE);
  }

  function update(changes, keepPage) {
    for (var k in changes) S[k] = changes[k];
    if (!keepPage) S.page = 1;
    render();
  }

  var timer = null;
  function later(fn) { clearTimeout(timer); timer = setTimeout(fn, N > 20000 ? 250 : 120); }

  function wireFilters() {
    var form = $("filters");
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("change", function (e) {
      var t = e.target;
      if (t.name === "sev") {
        update({ sev: SEV.filter(function (s) { var c = form.querySelector("input[name=sev][value=" + s + "]"); return c && c.checked; }) });
      } else if (t.name === "rule") update({ rule: t.value, open: "" });
      else if (t.name === "status") update({ status: t.value });
    });
    ["trial", "source", "q"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      input.addEventListener("input", function () {
        later(function () { var c = {}; c[name] = input.value; update(c); });
      });
    });
    $("f-reset").addEventListener("click", function () { S = freshState(); lastKey = ""; render(); });
    $("p-first").addEventListener("click", function () { update({ page: 1 }, true); });
    $("p-prev").addEventListener("click", function () { update({ page: S.page - 1 }, true); });
    $("p-next").addEventListener("click", function () { update({ page: S.page + 1 }, true); });
    $("p-last").addEventListener("click", function () { update({ page: Math.ceil(view.length / S.size) }, true); });
    $("p-size").addEventListener("change", function (e) { update({ size: parseInt(e.target.value, 10) || DEFAULT_SIZE }); });
    document.querySelectorAll("#findings-table button[data-sort]").forEach(function (b) {
      b.addEventListener("click", function () {
        var k = b.getAttribute("data-sort");
        update({ sort: k, dir: S.sort === k && S.dir === "asc" ? "desc" : "asc" });
      });
    });
    fill("trial-ids", D.trials.filter(Boolean));
    fill("source-ids", D.sources.filter(Boolean));
  }

  function fill(id, values) {
    var list = $(id), frag = document.createDocumentFragment();
    values.slice(0, 2000).forEach(function (v) { frag.appendChild(el("option", { value: v })); });
    list.appendChild(frag);
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button[data-act]") : null;
    if (!b) return;
    var act = b.getAttribute("data-act");
    if (act === "toggle") {
      var fp = b.getAttribute("data-fp");
      update({ open: S.open === fp ? "" : fp }, true);
      var again = document.querySelector("#findings-body button[data-fp=\"" + CSS.escape(fp) + "\"]");
      if (again) again.focus();
    } else if (act === "trial") {
      openTrial(b.getAttribute("data-trial"));
    } else if (act === "filter-trial") {
      closeTrial();
      update({ trial: b.getAttribute("data-trial"), open: "" });
      $("findings").scrollIntoView();
    }
  });

  /* ---------- rule summary ---------- */
  function wireRuleSummary() {
    var table = $("rule-summary");
    if (!table) return;
    table.addEventListener("click", function (e) {
      var f = e.target.closest("button.rule-filter");
      if (f) {
        update({ rule: f.getAttribute("data-rule"), open: "" });
        $("findings").scrollIntoView();
        $("f-rule").focus();
        return;
      }
      var h = e.target.closest("th button[data-key]");
      if (!h) return;
      var key = h.getAttribute("data-key"), num = h.hasAttribute("data-num"), th = h.parentNode;
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      if (num && !th.hasAttribute("aria-sort") && key !== "sev") dir = "descending";
      table.querySelectorAll("thead th").forEach(function (x) { x.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows), sign = dir === "ascending" ? 1 : -1;
      rows.sort(function (a, b) {
        var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
        if (num) { x = +x; y = +y; }
        var c = x < y ? -1 : x > y ? 1 : 0;
        if (!c) { x = a.getAttribute("data-code"); y = b.getAttribute("data-code"); c = x < y ? -1 : x > y ? 1 : 0; return c; }
        return sign * c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  }

  /* ---------- trials ---------- */
  /* The trial view's data comes column by column (report_model.trial_view): a column is an array of values,
     or {dict, codes} for repeated text, code -1 meaning missing. */
  var TV = D.trialView, tvPos = null, tvRows = {};
  function cell(col, i) {
    if (i < 0) return null;
    if (Array.isArray(col)) return col[i];
    var c = col.codes[i];
    return c < 0 ? null : col.dict[c];
  }
  function trialPos(t) {
    if (!tvPos) { tvPos = Object.create(null); TV.ids.forEach(function (id, i) { tvPos[id] = i; }); }
    var i = tvPos[t];
    return i === undefined ? -1 : i;
  }
  function partRows(name, i) {
    var part = TV[name];
    if (!tvRows[name]) {
      var by = tvRows[name] = Object.create(null);
      part.trial.forEach(function (t, r) { (by[t] || (by[t] = [])).push(r); });
    }
    return (tvRows[name][i] || []).map(function (r) { return part.cols.map(function (c) { return cell(c[1], r); }); });
  }

  var trialIds = null, trialCounts = null;
  function trialIndex() {
    if (trialIds) return;
    var byId = {};
    D.trials.forEach(function (t, i) { if (t) byId[t] = SEV.map(function () { return 0; }); });
    for (var i = 0; i < N; i++) { var t = D.trials[F[i][TR]]; if (t) byId[t][F[i][SV]]++; }
    TV.ids.forEach(function (t) { if (!byId[t]) byId[t] = SEV.map(function () { return 0; }); });
    trialIds = Object.keys(byId).sort();
    trialCounts = byId;
  }

  function renderTrials() {
    trialIndex();
    var q = ($("t-q").value || "").trim().toLowerCase(), body = $("trials-body"), frag = document.createDocumentFragment();
    var title = function (t) { return cell(TV.facts.title, trialPos(t)) || ""; };
    var hits = trialIds.filter(function (t) {
      return !q || t.toLowerCase().indexOf(q) >= 0 || String(title(t)).toLowerCase().indexOf(q) >= 0;
    });
    hits.slice(0, 200).forEach(function (t) {
      frag.appendChild(el("tr", null, [
        el("th", { scope: "row" }, [el("button", { type: "button", cls: "linkish", "data-act": "trial", "data-trial": t, text: t })]),
        el("td", { text: title(t) })
      ].concat(trialCounts[t].map(function (n) { return el("td", { cls: "num", text: String(n) }); }))));
    });
    body.textContent = "";
    body.appendChild(frag);
    $("t-count").textContent = hits.length > 200 ? "Showing 200 of " + hits.length + " trials; refine the search." :
      hits.length + " trial" + (hits.length === 1 ? "" : "s");
  }

  function section(title, node) { return node ? el("section", null, [el("h3", { text: title }), node]) : null; }

  function simpleTable(head, rows) {
    if (!rows || !rows.length) return null;
    return el("div", { cls: "table-wrap" }, [el("table", { cls: "compact" }, [
      el("thead", null, [el("tr", null, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", null, rows.map(function (r) { return el("tr", null, r.map(function (c) { return el("td", { text: val(c) }); })); }))
    ])]);
  }

  function openTrial(t) {
    var dlg = $("trial-view"), at = trialPos(t), body = $("tv-body"), title = cell(TV.facts.title, at);
    $("tv-title").textContent = t + (title ? " — " + title : "");
    var facts = [], fact = function (label, v) {
      if (v !== null && v !== undefined && v !== "") facts.push(el("div", null, [el("dt", { text: label }), el("dd", { text: val(v) })]));
    };
    ["status", "phase", "study_type", "enrollment", "enrollment_type", "source_id", "file"].forEach(function (k) { fact(k.replace("_", " "), cell(TV.facts[k], at)); });
    TV.dates.forEach(function (d) { fact(d[0].replace(/_/g, " "), cell(d[1], at)); });
    var mine = [];
    for (var i = 0; i < N; i++) if (D.trials[F[i][TR]] === t) mine.push(i);
    var list = el("div", null, mine.slice(0, 500).map(function (i) {
      var r = F[i], rule = D.rules[r[RU]];
      return el("details", { cls: "tv-finding" }, [
        el("summary", null, [sevPill(SEV[r[SV]]), el("code", { text: rule[0] }), " ", r[MS], " ", el("code", { text: r[LO] })]),
        evidencePanel(i)]);
    }));
    var kids = [
      el("dl", { cls: "facts" }, facts),
      el("p", null, [nctLink(t), " ", el("button", { type: "button", "data-act": "filter-trial", "data-trial": t, text: "Show its findings in the table" })]),
      section("Findings (" + mine.length + ")", mine.length ? list : el("p", { text: "No findings." })),
      section("Sources", simpleTable(["source", "kind", "title", "publisher", "published", "file"], partRows("sources", at))),
      section("Groups", simpleTable(["source", "block", "group", "title", "n (text)", "n", "parent"], partRows("groups", at))),
      section("Dated events", simpleTable(["source", "event", "date", "from", "to", "quote"], partRows("events", at))),
      section("Claims", simpleTable(["source", "kind", "modality", "targets", "indication", "claim date", "quote"], partRows("claims", at)))
    ];
    body.textContent = "";
    kids.forEach(function (k) { if (k) body.appendChild(k); });
    if (!dlg.open) { if (dlg.showModal) dlg.showModal(); else dlg.setAttribute("open", ""); }
    if (S.view !== t) { S.view = t; writeHash(); }
    $("tv-close").focus();
  }

  function closeTrial() {
    var dlg = $("trial-view");
    if (dlg.open) dlg.close();
  }

  function wireTrials() {
    $("t-q").addEventListener("input", function () { later(renderTrials); });
    $("tv-close").addEventListener("click", closeTrial);
    $("trial-view").addEventListener("close", function () { if (S.view) { S.view = ""; writeHash(); } });
  }

  function applyHash(initial) {
    if (!fromHash()) return;
    lastKey = "";
    render();
    if (S.view) openTrial(S.view);
    else if (initial) $("findings").scrollIntoView();
    if (S.open) { var b = document.querySelector("#findings-body button[data-fp=\"" + CSS.escape(S.open) + "\"]"); if (b) b.focus(); }
  }

  wireFilters();
  wireRuleSummary();
  wireTrials();
  renderTrials();
  if (location.hash.indexOf("=") >= 0) applyHash(true); else render();
  window.addEventListener("hashchange", function () { applyHash(false); });
})();
