/* casefilm catalogue: search (lunr, German stemmer; the index is built at build time and
   arrives as window.casefilmCatalogue from assets/search-index.js, never fetched) and
   filters (checkbox groups: any value within a group, every group) over the film cards.
   Hits show their sentence with the matched words marked and open the player at the
   matched word (index.html#t=SECONDS). Every text is set as text (textContent), never as
   HTML. No request leaves the site. */
(function () {
  "use strict";
  var C = window.casefilmCatalogue, L = window.lunr;
  var form = document.getElementById("search");
  if (!C || !L || !L.de || !form) return;  /* no search: the list shows every film */
  var S = C.strings;
  var input = document.getElementById("q");
  var countEl = document.getElementById("result-count");
  var list = document.getElementById("films");
  var cards = Array.prototype.slice.call(list.querySelectorAll(".film-card"));
  var GROUPS = ["sector", "chain", "goal", "feature"];
  var MAX_HITS = 5, SNIPPET = 240;
  var index = L.Index.load(C.index);
  /* the query side of the index's own pipeline: trim, German stop words, stem */
  var pipeline = new L.Pipeline();
  pipeline.add(L.de.trimmer, L.de.stopWordFilter, L.de.stemmer);
  form.hidden = false;

  function fmt(ms) {
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    s = s % 60;
    var ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + (m < 10 ? "0" : "") + m + ":" + ss : m + ":" + ss;
  }
  function seconds(ms) { return (ms / 1000).toFixed(3).replace(/\.?0+$/, ""); }
  function tpl(s, o) { return s.replace(/\{(\w+)\}/g, function (_, k) { return o[k]; }); }

  function terms(text) {
    return pipeline.run(L.tokenizer(text)).map(String).filter(function (t) { return t; });
  }
  /* every word required (AND); null when the query has no searchable word */
  function search(text) {
    var ts = terms(text);
    if (!ts.length) return null;
    return index.query(function (q) {
      ts.forEach(function (t) {
        q.term(t, { usePipeline: false, presence: L.Query.presence.REQUIRED });
      });
    });
  }
  function positions(result) {
    var out = [], md = result.matchData.metadata;
    Object.keys(md).forEach(function (term) {
      var f = md[term].text;
      if (f && f.position) f.position.forEach(function (p) { out.push(p); });
    });
    return out.sort(function (a, b) { return a[0] - b[0]; });
  }
  /* the moment of the first matched word of a transcript sentence, else the doc's own */
  function hitTime(doc, pos) {
    if (!doc.words || !pos.length) return doc.at;
    var t = doc.words[0][1];
    for (var i = 0; i < doc.words.length && doc.words[i][0] <= pos[0][0]; i++) t = doc.words[i][1];
    return t;
  }
  /* the text (cut around the first match when long) with matches in <mark>, as DOM nodes */
  function marked(text, pos) {
    var from = 0, to = text.length;
    if (text.length > SNIPPET) {
      from = Math.max(0, (pos.length ? pos[0][0] : 0) - SNIPPET / 3);
      to = Math.min(text.length, from + SNIPPET);
    }
    var frag = document.createDocumentFragment(), at = from;
    if (from > 0) frag.appendChild(document.createTextNode("… "));
    pos.forEach(function (p) {
      var a = p[0], b = p[0] + p[1];
      if (a < at || b > to) return;
      frag.appendChild(document.createTextNode(text.slice(at, a)));
      var m = document.createElement("mark");
      m.textContent = text.slice(a, b);
      frag.appendChild(m);
      at = b;
    });
    frag.appendChild(document.createTextNode(text.slice(at, to) + (to < text.length ? " …" : "")));
    return frag;
  }
  function checked(group) {
    return Array.prototype.slice.call(form.querySelectorAll("input[name='" + group + "']:checked"))
      .map(function (i) { return i.value; });
  }
  function passes(card, wanted) {
    return GROUPS.every(function (g) {
      if (!wanted[g].length) return true;
      var have = JSON.parse(card.getAttribute("data-" + g) || "[]");
      return wanted[g].some(function (v) { return have.indexOf(v) >= 0; });
    });
  }
  function renderHits(card, hits) {
    var box = card.querySelector(".hits");
    box.textContent = "";
    box.hidden = !hits;
    if (!hits) return;
    var film = C.films[card.getAttribute("data-film")];
    var h = document.createElement("h4");
    h.textContent = tpl(S.hits_heading, { title: film.title });
    box.appendChild(h);
    var ol = document.createElement("ol");
    hits.slice(0, MAX_HITS).forEach(function (hit) {
      var doc = hit.doc, pos = positions(hit.result), t = hitTime(doc, pos);
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = t === undefined || t === null ? film.page : film.player + "#t=" + seconds(t);
      if (t !== undefined && t !== null) a.setAttribute("data-t", String(t));
      a.className = "hit hit-" + doc.kind;
      var label = document.createElement("span");
      label.className = "hit-label";
      label.textContent = doc.label + (t !== undefined && t !== null ? " · " + fmt(t) : "");
      a.appendChild(label);
      var text = document.createElement("span");
      text.className = "hit-text";
      if (film.lang !== document.documentElement.lang) text.lang = film.lang;
      text.appendChild(marked(doc.text, pos));
      a.appendChild(text);
      li.appendChild(a);
      ol.appendChild(li);
    });
    box.appendChild(ol);
    if (hits.length > MAX_HITS) {
      var more = document.createElement("p");
      more.textContent = tpl(S.hits_more, { n: hits.length - MAX_HITS });
      box.appendChild(more);
    }
  }

  var lastMessage = countEl.textContent;  /* the page says it already: not again on load */
  function announce(msg) {
    if (msg === lastMessage) return;
    lastMessage = msg;
    countEl.textContent = msg;
  }
  function update() {
    var text = input.value.trim();
    var results = text ? search(text) : null;
    var byFilm = {}, best = {};
    (results || []).forEach(function (r) {
      var doc = C.docs[+r.ref];
      (byFilm[doc.film] = byFilm[doc.film] || []).push({ doc: doc, result: r });
      best[doc.film] = Math.max(best[doc.film] || 0, r.score);
    });
    var wanted = {};
    GROUPS.forEach(function (g) { wanted[g] = checked(g); });
    var shown = 0, hitCount = 0, filtered = GROUPS.some(function (g) { return wanted[g].length; });
    cards.forEach(function (card) {
      var hits = results ? byFilm[card.getAttribute("data-film")] || [] : null;
      var ok = passes(card, wanted) && (!results || hits.length > 0);
      card.hidden = !ok;
      renderHits(card, ok ? hits : null);
      if (ok) { shown++; hitCount += hits ? hits.length : 0; }
    });
    /* with a search, the films with the best hits first; else the catalogue's order */
    var order = cards.slice();
    if (results) order.sort(function (a, b) {
      return (best[b.getAttribute("data-film")] || 0) - (best[a.getAttribute("data-film")] || 0);
    });
    order.forEach(function (card) { list.appendChild(card); });
    var msg;
    if (!shown) msg = S.count_none;
    else if (results) msg = tpl(shown === 1 ? S.count_hits_one_film : S.count_hits, { hits: hitCount, n: shown });
    else if (filtered) msg = tpl(S.count_filtered, { n: shown, total: cards.length });
    else msg = cards.length === 1 ? S.count_all_one : tpl(S.count_all, { n: cards.length });
    announce(msg);
  }

  var timer = null;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 300); });
  form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); update(); });
  form.addEventListener("change", function (e) { if (e.target.type === "checkbox") update(); });
  form.addEventListener("reset", function () { setTimeout(update, 0); });
  window.addEventListener("pageshow", update);  /* back from a player: the form as it was */
  window.casefilmCatalogueSearch = { update: update, terms: terms };
})();
