// The paper-edit page: mark a passage in a source transcript, add it to the edit, reorder,
// trim to word boundaries, see the running duration, save edit.yaml (pipeline/review/paper_edit.py).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const S = JSON.parse($("strings").textContent);
  const fmt = (s, o) => s.replace(/\{(\w+)\}/g, (_, k) => (k in o ? o[k] : ""));
  const clock = (ms) => {
    const t = Math.max(0, Math.round(ms / 100)) / 10, m = Math.floor(t / 60), s = (t - m * 60).toFixed(1);
    return `${m}:${s.padStart(4, "0")}`;
  };
  const tc = (ms) => {
    const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60;
    const p = (n, w = 2) => String(n).padStart(w, "0");
    return `${p(h)}:${p(m)}:${p(s)}.${p(ms % 1000, 3)}`;
  };
  const state = { digest: "none", items: [], words: {}, source: null, anchor: null, focus: null, sel: null, dirty: false };

  async function api(path, body) {
    const opts = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const r = await fetch(path, opts);
    let data = {};
    try { data = await r.json(); } catch (e) { data = { error: r.statusText }; }
    return { ok: r.ok, status: r.status, data };
  }
  function alert(msg) { const a = $("alert"); a.textContent = msg || ""; a.hidden = !msg; }
  function status(msg) { $("state").textContent = msg; }

  async function words(src) {
    if (!(src in state.words)) {
      const { ok, data } = await api("api/edit/source/" + encodeURIComponent(src));
      state.words[src] = ok ? data.words : null;
    }
    return state.words[src];
  }

  // --- the source transcript -------------------------------------------------------
  async function showSource(src) {
    state.source = src; state.anchor = state.focus = state.sel = null;
    const v = $("video"); v.src = "api/edit/media/" + encodeURIComponent(src);
    const ws = await words(src);
    const box = $("words"); box.textContent = "";
    $("no-transcript").hidden = !!ws;
    (ws || []).forEach((w, k) => {
      const el = document.createElement("span");
      el.className = "word"; el.id = "w" + k; el.setAttribute("role", "option");
      el.setAttribute("aria-selected", "false"); el.textContent = w.text; el.dataset.k = k;
      el.addEventListener("click", (e) => { mark(k, e.shiftKey); v.currentTime = w.start / 1000; });
      box.append(el, document.createTextNode(" "));
    });
    renderSelection();
  }
  function mark(k, extend) {
    if (!extend || state.anchor === null) state.anchor = k;
    state.focus = k;
    state.sel = [Math.min(state.anchor, k), Math.max(state.anchor, k)];
    renderSelection();
  }
  function renderSelection() {
    const ws = state.words[state.source] || [];
    document.querySelectorAll(".word").forEach((el) => {
      const k = +el.dataset.k, on = !!state.sel && k >= state.sel[0] && k <= state.sel[1];
      el.setAttribute("aria-selected", on ? "true" : "false");
      el.classList.toggle("cursor", k === state.focus);
    });
    if (state.focus !== null) $("words").setAttribute("aria-activedescendant", "w" + state.focus);
    if (state.sel) {
      const a = ws[state.sel[0]], b = ws[state.sel[1]];
      $("selection").textContent = fmt(S.selection, { n: state.sel[1] - state.sel[0] + 1, dur: clock(b.end - a.start) });
    } else $("selection").textContent = S.selection_none;
    $("add-select").disabled = !state.sel;
  }
  $("words").addEventListener("keydown", (e) => {
    const ws = state.words[state.source] || [];
    if (!ws.length) return;
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const k = Math.max(0, Math.min(ws.length - 1, (state.focus ?? -1) + (e.key === "ArrowRight" ? 1 : -1)));
      mark(k, e.shiftKey); e.preventDefault();
    } else if (e.key === "Enter" && state.sel) { addSelect(); e.preventDefault(); }
  });

  // --- the edit list ---------------------------------------------------------------
  function addSelect() {
    const ws = state.words[state.source], [i, j] = state.sel;
    state.items.push({ kind: "select", source: state.source, start: ws[i].start, end: ws[j].end,
                       text: ws.slice(i, j + 1).map((w) => w.text).join(" ") });
    changed();
  }
  function addCard() {
    const text = $("card-text").value.trim();
    if (!text) { $("card-text").focus(); return; }
    state.items.push({ kind: "card", card: [text], duration: 3000 });
    $("card-text").value = ""; changed();
  }
  // the select's word span in its source's words: [first, last] indices
  function span(item, ws) {
    const inside = ws.map((w, k) => [w, k]).filter(([w]) => (w.start + w.end) / 2 >= item.start && (w.start + w.end) / 2 <= item.end);
    return inside.length ? [inside[0][1], inside[inside.length - 1][1]] : null;
  }
  async function trim(n, edge, step) {
    const item = state.items[n], ws = await words(item.source), sp = ws && span(item, ws);
    if (!sp) return;
    let [a, b] = sp;
    if (edge === "start") a = Math.max(0, Math.min(b, a + step)); else b = Math.min(ws.length - 1, Math.max(a, b + step));
    Object.assign(item, { start: ws[a].start, end: ws[b].end, text: ws.slice(a, b + 1).map((w) => w.text).join(" ") });
    changed();
  }
  function move(n, d) {
    const m = n + d;
    if (m < 0 || m >= state.items.length) return;
    [state.items[n], state.items[m]] = [state.items[m], state.items[n]];
    changed(m);
  }
  function changed(focusIndex) { state.dirty = true; status(S.unsaved); render(focusIndex); }
  const dur = (it) => (it.kind === "card" ? it.duration : it.end - it.start);
  function render(focusIndex) {
    const ol = $("items"); ol.textContent = "";
    let at = 0;
    state.items.forEach((it, n) => {
      const li = document.createElement("li");
      li.className = it.kind;
      const head = document.createElement("div");
      head.textContent = it.kind === "card" ? `${S.card}: ${it.card[0]}` : `${it.source}: „${it.text}“`;
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = `${fmt(S.at, { at: clock(at) })} · ${clock(dur(it))}` + (it.kind === "select" ? ` · ${tc(it.start)}–${tc(it.end)}` : "");
      const tools = document.createElement("div");
      tools.className = "tools";
      const btn = (label, fn, cls) => {
        const b = document.createElement("button"); b.type = "button"; b.textContent = label;
        if (cls) b.className = cls; b.addEventListener("click", fn); tools.append(b); return b;
      };
      btn(S.move_up, () => move(n, -1), "up").disabled = n === 0;
      btn(S.move_down, () => move(n, 1), "down").disabled = n === state.items.length - 1;
      if (it.kind === "select") {
        btn(S.start_earlier, () => trim(n, "start", -1), "start-earlier");
        btn(S.start_later, () => trim(n, "start", 1), "start-later");
        btn(S.end_earlier, () => trim(n, "end", -1), "end-earlier");
        btn(S.end_later, () => trim(n, "end", 1), "end-later");
      }
      btn(S.remove, () => { state.items.splice(n, 1); changed(); }, "remove");
      li.append(head, meta, tools);
      ol.append(li);
      at += dur(it);
    });
    $("total").textContent = fmt(S.running_total, { dur: clock(at) });
    $("total").dataset.ms = at;
    $("empty").hidden = state.items.length > 0;
    if (focusIndex !== undefined && ol.children[focusIndex]) ol.children[focusIndex].querySelector("button.up, button.down")?.focus();
  }
  const toYaml = (it) => (it.kind === "card" ? { card: it.card, duration: it.duration / 1000 }
    : { source: it.source, start: it.start / 1000, end: it.end / 1000, text: it.text });

  async function load() {
    const { ok, data } = await api("api/edit");
    if (!ok) { alert(fmt(S.error, { message: data.error })); return; }
    state.digest = data.digest;
    state.items = (data.items || []).map((it) => (it.kind === "card"
      ? { kind: "card", card: it.card, duration: it.duration } : { kind: "select", source: it.source, start: it.start, end: it.end, text: it.text || it.words || "" }));
    alert(data.error ? fmt(S.error, { message: data.error }) : "");
    state.dirty = false; status(S.saved); render();
  }
  async function save() {
    const { ok, status: code, data } = await api("api/edit/save", { digest: state.digest, selects: state.items.map(toYaml) });
    if (ok) { state.digest = data.digest; state.dirty = false; alert(""); status(S.saved); $("total").dataset.saved = "1"; return; }
    alert(code === 409 ? S.stale : fmt(S.error, { message: data.error }));
  }

  $("source").addEventListener("change", (e) => showSource(e.target.value));
  $("add-select").addEventListener("click", addSelect);
  $("add-card").addEventListener("click", addCard);
  $("save").addEventListener("click", save);
  window.addEventListener("beforeunload", (e) => { if (state.dirty) { e.preventDefault(); e.returnValue = ""; } });
  load().then(() => { if ($("source").value) showSource($("source").value); });
})();
