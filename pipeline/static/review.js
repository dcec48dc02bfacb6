// casefilm review page: plain JS, no libraries.
//
// Safety contract: transcript text only ever reaches the DOM through textContent /
// createTextNode (never innerHTML), so a segment containing "<script>" renders as text.
//
// Data flow: GET /api/transcript gives the current revision; edits happen in per-segment
// plain-text boxes (contenteditable="plaintext-only"); a save POSTs every segment's text,
// speaker and kind with `base` = the revision this page shows. The server realigns the
// text onto the word timings and answers with the new revision (or 409 when another tab
// saved first: then nothing is re-rendered, the editor's text stays on the page).
"use strict";

(function () {
  const S = JSON.parse(document.getElementById("strings").textContent);
  const $ = (id) => document.getElementById(id);
  const video = $("video");
  const segList = $("segments");
  const LOCALE = document.documentElement.lang || "de";
  const AUTOSAVE_MS = 3000; // idle time after the last keystroke before autosaving
  const REVISIONS_SHOWN = 15; // newest revisions listed until "show all"

  const state = {
    data: null,        // last transcript JSON from the server
    base: null,        // revision number this page's text is based on
    dirty: false,
    saving: null,      // the in-flight save promise
    blocked: false,    // true after a stale (409) save: no more autosaves
    timer: null,
    lastBox: null,     // the segment box that last had focus
    lastRange: null,   // the last selection inside a segment box
    wordSpans: [],     // all word spans in document order (for playback highlight)
    current: null,     // the highlighted span
  };

  // --- small helpers ----------------------------------------------------------------------
  function fmt(key, vars) {
    let s = S[key] || key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(String(v));
    return s;
  }
  function clock(ms) {
    const t = Math.max(0, Math.floor(ms / 100));
    const tenths = t % 10, secs = Math.floor(t / 10);
    const m = Math.floor(secs / 60), s = secs % 60;
    return m + ":" + String(s).padStart(2, "0") + "." + tenths;
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      e.setAttribute(k, v === true ? "" : String(v));
    }
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function editor() { return $("editor").value.trim(); }
  function normText(s) { return s.replace(/\u00a0/g, " ").replace(/\s+/g, " ").trim(); }

  function setSaveState(kind, text) {
    const p = $("savestate");
    p.dataset.state = kind;
    p.textContent = text;
  }
  function showAlert(text, withReload) {
    const a = $("alert");
    a.replaceChildren(el("p", {}, text));
    if (withReload) {
      const b = el("button", { type: "button" }, S.reload);
      b.addEventListener("click", () => { state.dirty = false; location.reload(); });
      a.append(b);
    }
    a.hidden = false;
  }
  function clearAlert() { $("alert").hidden = true; $("alert").replaceChildren(); }
  function announce(text) { $("live").textContent = text; }

  // --- loading and rendering ----------------------------------------------------------------
  async function api(path, body) {
    const opts = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    };
    const r = await fetch(path, opts);
    let data = null;
    try { data = await r.json(); } catch (e) { data = { error: r.statusText }; }
    return { ok: r.ok, status: r.status, data };
  }

  async function load() {
    const { ok, data } = await api("api/transcript");
    if (!ok) { setSaveState("error", fmt("save_failed", { message: data.error })); return; }
    accept(data, true);
    setSaveState("saved", fmt("loaded", { n: data.revision }));
    if (data.media) { video.src = "media"; video.hidden = false; } else { $("novideo").hidden = false; }
  }

  function speakerName(id) {
    const sp = (state.data.speakers || []).find((s) => s.id === id);
    return sp ? sp.name : null;
  }

  function statusLabel(d) {
    const base = S["status_" + d.status] || d.status;
    return d.editor && d.status !== "auto" ? base + " " + fmt("status_by", { editor: d.editor }) : base;
  }

  // Take a server answer as the new base; re-render unless told to keep the DOM.
  function accept(data, render) {
    state.data = data;
    state.base = data.revision;
    $("status-text").textContent = statusLabel(data);
    $("asr-model").textContent = data.model
      ? fmt("asr_model", { model: data.model }) + (data.draft_model ? " " + S.asr_draft : "") : "";
    const track = video.querySelector("track");  // draft captions follow the saved text
    if (track && data.revision !== undefined) track.src = "captions.vtt?revision=" + data.revision;
    renderRevisions();
    if (render) renderSegments();
    applyThreshold();
  }

  function renderSegments() {
    const focusIdx = state.lastBox ? boxIndex(state.lastBox) : -1;
    const hadFocus = state.lastBox && document.activeElement === state.lastBox;
    const caret = hadFocus ? caretOffset(state.lastBox) : null;
    // a focused speaker list keeps focus across the redraw (same id)
    const ae = document.activeElement;
    const focusId = ae && ae.id && segList.contains(ae) ? ae.id : null;
    segList.replaceChildren();
    state.wordSpans = [];
    state.current = null;
    state.data.segments.forEach((seg, i) => segList.append(renderSegment(seg, i)));
    state.lastBox = null; state.lastRange = null;
    if (focusId && $(focusId)) {
      $(focusId).focus();
    } else if (hadFocus && focusIdx >= 0) {
      const boxes = allBoxes();
      const box = boxes[Math.min(focusIdx, boxes.length - 1)];
      if (box) { box.focus(); setCaret(box, caret || 0); }
    }
  }

  function renderSegment(seg, i) {
    const li = el("li", { class: "seg" + (seg.kind === "sound" ? " sound" : "") });
    li.dataset.kind = seg.kind;
    li.dataset.start = seg.start;
    li.dataset.end = seg.end;
    const head = el("div", { class: "seg-head" });
    const time = el("button", { type: "button", class: "time", "aria-label": fmt("seek_label", { start: clock(seg.start) }), tabindex: "-1" }, clock(seg.start));
    time.addEventListener("click", () => seek(seg.start));
    head.append(time);
    if (seg.kind === "speech") {
      const id = "spk-" + i;
      const lab = el("label", { for: id, class: "visually-hidden" }, S.speaker_label);
      const sel = el("select", { id, class: "speaker" });
      sel.append(el("option", { value: "" }, S.speaker_none));
      for (const sp of state.data.speakers || []) {
        const o = el("option", { value: sp.id }, sp.role ? sp.name + " (" + sp.role + ")" : sp.name);
        if (sp.id === seg.speaker) o.selected = true;
        sel.append(o);
      }
      if (seg.speaker && !speakerName(seg.speaker)) {
        const o = el("option", { value: seg.speaker }, seg.speaker); o.selected = true; sel.append(o);
      }
      sel.addEventListener("change", () => markDirty());
      head.append(lab, sel);
    } else {
      head.append(el("span", { class: "sound-tag" }, "♪"));
    }
    li.append(head);
    const label = seg.kind === "sound"
      ? fmt("sound_label", { start: clock(seg.start), end: clock(seg.end) })
      : fmt("segment_label", { n: i + 1, start: clock(seg.start), end: clock(seg.end) });
    const box = el("div", { class: "seg-text", role: "textbox", "aria-multiline": "false",
                            "aria-label": label, spellcheck: "true", tabindex: "0" });
    box.contentEditable = "plaintext-only";
    if (box.contentEditable !== "plaintext-only") box.contentEditable = "true";
    if (seg.kind === "sound") {
      box.append(document.createTextNode(seg.text));
    } else if (seg.words && seg.words.length) {
      seg.words.forEach((w, k) => {
        if (k && !w.joined) box.append(document.createTextNode(" "));  // a piece ("-Einführung") joins its word
        const sp = el("span", { class: "w" }, w.text);
        sp.dataset.start = w.start;
        sp.dataset.end = w.end;
        if (w.probability !== null && w.probability !== undefined) sp.dataset.p = w.probability;
        box.append(sp);
        state.wordSpans.push(sp);
      });
    } else {
      box.append(document.createTextNode(seg.text));
    }
    box.dataset.saved = normText(box.textContent);
    wireBox(box);
    li.append(box);
    return li;
  }

  function renderRevisions() {
    const ol = $("revisions");
    ol.replaceChildren();
    const all = (state.data.revisions || []).slice().reverse();
    const revs = state.allRevisions ? all : all.slice(0, REVISIONS_SHOWN);
    for (const r of revs) {
      const li = el("li");
      const when = new Date(r.created_at);
      const whenText = isNaN(when) ? r.created_at : when.toLocaleString(LOCALE);
      const who = r.revision === 0 ? S.revision_asr : (r.editor || "");
      li.append(el("span", {}, fmt("revision_item", { n: r.revision }) + " · " + whenText + " · " + who +
                               " · " + (S["status_" + r.status] || r.status)));
      if (r.revision === state.data.revision) {
        li.append(el("span", { class: "badge" }, S.current_revision));
      } else {
        const c = el("button", { type: "button", "aria-label": fmt("compare_label", { n: r.revision }) }, S.compare);
        c.addEventListener("click", () => compare(r.revision));
        const b = el("button", { type: "button", "aria-label": fmt("restore_label", { n: r.revision }) }, S.restore);
        b.addEventListener("click", () => restore(r.revision));
        li.append(" ", c, " ", b);
      }
      ol.append(li);
    }
    const more = $("btn-all-revisions");
    more.hidden = all.length <= REVISIONS_SHOWN || state.allRevisions;
    more.textContent = fmt("all_revisions", { n: all.length });
  }

  // --- boxes, caret, selection -----------------------------------------------------------------
  function allBoxes() { return Array.from(segList.querySelectorAll(".seg-text")); }
  function boxIndex(box) { return allBoxes().indexOf(box); }
  function boxOf(node) {
    while (node && node !== document.body) {
      if (node.classList && node.classList.contains("seg-text")) return node;
      node = node.parentNode;
    }
    return null;
  }
  function caretOffset(box) {
    const sel = getSelection();
    if (!sel.rangeCount || !box.contains(sel.anchorNode)) return 0;
    const r = document.createRange();
    r.selectNodeContents(box);
    r.setEnd(sel.getRangeAt(0).startContainer, sel.getRangeAt(0).startOffset);
    return r.toString().length;
  }
  // A DOM range covering characters [a, b) of the box's text.
  function rangeAt(box, a, b) {
    const r = document.createRange();
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let pos = 0, node, startSet = false;
    while ((node = walker.nextNode())) {
      const len = node.data.length;
      if (!startSet && a <= pos + len) { r.setStart(node, a - pos); startSet = true; }
      if (startSet && b <= pos + len) { r.setEnd(node, b - pos); return r; }
      pos += len;
    }
    r.selectNodeContents(box);
    r.collapse(false);
    return r;
  }
  function setCaret(box, offset) {
    const r = rangeAt(box, offset, offset);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  }
  function selectRange(r) {
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  }
  // The text of the box before and after the current (or last) selection.
  function splitText(box) {
    let range = null;
    const sel = getSelection();
    if (sel.rangeCount && box.contains(sel.anchorNode)) range = sel.getRangeAt(0);
    else if (state.lastRange && box.contains(state.lastRange.startContainer)) range = state.lastRange;
    const before = document.createRange(); before.selectNodeContents(box);
    const after = document.createRange(); after.selectNodeContents(box);
    if (range) { before.setEnd(range.startContainer, range.startOffset); after.setStart(range.endContainer, range.endOffset); }
    else { before.collapse(false); }
    return { range, before: before.toString(), after: after.toString() };
  }

  function wireBox(box) {
    box.addEventListener("focus", () => { state.lastBox = box; });
    box.addEventListener("blur", () => {
      // redraw a box whose words were saved while it had focus (new word times and spans)
      const i = boxIndex(box);
      const seg = state.data && state.data.segments[i];
      if (box.dataset.stale === "1" && document.hasFocus() && !state.dirty && seg && normText(box.textContent) === normText(seg.text)) {
        const li = box.closest(".seg");
        li.replaceWith(renderSegment(seg, i));
        state.wordSpans = Array.from(segList.querySelectorAll(".w"));
        applyThreshold();
      }
    });
    box.addEventListener("input", () => markDirty());
    box.addEventListener("click", (ev) => {
      const w = ev.target.closest && ev.target.closest(".w");
      if (w) seek(Number(w.dataset.start));
    });
    box.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
        ev.preventDefault();
        splitSegment(box);
      } else if (ev.key === "Backspace" && !ev.ctrlKey && !ev.altKey) {
        const sel = getSelection();
        if (sel.isCollapsed && caretOffset(box) === 0 && boxIndex(box) > 0) {
          ev.preventDefault();
          mergeSegment(box);
        }
      }
    });
    box.addEventListener("paste", (ev) => {
      // plain text only, as one line
      ev.preventDefault();
      const text = (ev.clipboardData.getData("text/plain") || "").replace(/\s+/g, " ");
      document.execCommand("insertText", false, text);
    });
    box.addEventListener("drop", (ev) => ev.preventDefault());
  }

  document.addEventListener("selectionchange", () => {
    const sel = getSelection();
    if (sel.rangeCount && boxOf(sel.anchorNode)) {
      state.lastRange = sel.getRangeAt(0).cloneRange();
      state.lastBox = boxOf(sel.anchorNode);
    }
  });

  // --- edits and saving -----------------------------------------------------------------------
  function collect() {
    return Array.from(segList.children).map((li) => {
      const box = li.querySelector(".seg-text");
      const sel = li.querySelector("select.speaker");
      return {
        text: normText(box.textContent),
        speaker: sel ? (sel.value || null) : null,
        kind: li.dataset.kind,
        start: li.dataset.start === "" ? null : Number(li.dataset.start),
        end: li.dataset.end === "" ? null : Number(li.dataset.end),
      };
    });
  }

  function markDirty() {
    if (!state.dirty) setSaveState("unsaved", S.unsaved);
    state.dirty = true;
    clearTimeout(state.timer);
    if (!state.blocked) state.timer = setTimeout(() => save(false, null, true), AUTOSAVE_MS);
  }

  // Save the page's text. `rerender`: redraw all segments from the answer (after structural
  // changes); otherwise the DOM is kept while the editor types, only the base moves on.
  async function save(rerender, segments, auto) {
    clearTimeout(state.timer);
    if (state.saving) { await state.saving; }
    if (state.blocked) return false;
    if (!segments && !state.dirty) return true;
    if (!editor()) {
      showAlert(S.editor_missing);
      setSaveState("unsaved", S.unsaved);
      if (!auto) $("editor").focus();  // an autosave never takes the focus from the text
      return false;
    }
    const sent = segments || collect();
    setSaveState("saving", S.saving);
    const p = api("api/save", { base: state.base, editor: editor(), segments: sent });
    state.saving = p;
    const { ok, status, data } = await p;
    state.saving = null;
    if (status === 409 && data.code === "stale") {
      state.blocked = true;
      setSaveState("error", fmt("stale_short", { latest: data.latest }));
      showAlert(fmt("stale", { latest: data.latest }), true);
      return false;
    }
    if (!ok) {
      setSaveState("error", fmt("save_failed", { message: data.error }));
      showAlert(fmt("save_failed", { message: data.error }));
      return false;
    }
    clearAlert();
    const now = collect();
    const typedMeanwhile = !segments && JSON.stringify(now) !== JSON.stringify(sent);
    const focused = document.activeElement && boxOf(document.activeElement);
    if (typedMeanwhile) {
      // the editor typed while the save was in flight: keep every keystroke, save again soon
      accept(data, false);
      state.dirty = false;
      markDirty();
      return true;
    }
    state.dirty = false;
    if (rerender || !focused || data.segments.length !== now.length) {
      accept(data, true);
    } else {
      // keep the box the editor is typing in (caret, undo history); refresh the other
      // segments now and this one when the editor leaves it
      accept(data, false);
      refreshUnfocused(data, focused);
      focused.dataset.stale = "1";
    }
    const time = new Date().toLocaleTimeString(LOCALE);
    setSaveState("saved", data.changed ? fmt("saved", { n: data.revision, time })
                                       : fmt("saved_unchanged", { n: data.revision }));
    return true;
  }

  function refreshUnfocused(data, focused) {
    const items = Array.from(segList.children);
    data.segments.forEach((seg, i) => {
      const li = items[i];
      if (!li || li.contains(focused)) return;
      li.replaceWith(renderSegment(seg, i));
    });
    state.wordSpans = Array.from(segList.querySelectorAll(".w"));
    applyThreshold();
  }

  async function restore(n) {
    if (state.dirty && !(await save(false))) return;
    if (!editor()) { showAlert(S.editor_missing); $("editor").focus(); return; }
    const { ok, status, data } = await api("api/restore", { base: state.base, editor: editor(), revision: n });
    if (!ok) return failed(status, data);
    accept(data, true);
    setSaveState("saved", fmt("restored", { n, m: data.revision }));
  }

  // Show what changed from revision n to the current text (deleted and inserted words).
  async function compare(n) {
    const { ok, status, data } = await api("api/compare?revision=" + n);
    if (!ok) return failed(status, data);
    const box = $("compare");
    const body = el("p", { class: "diff" });
    let changes = 0;
    for (const c of data.chunks) {
      if (c.op === "gap") { body.append(" … "); continue; }
      if (c.op === "equal") { body.append(" " + c.new + " "); continue; }
      changes++;
      if (c.old) {
        const d = el("del");
        d.append(el("span", { class: "visually-hidden" }, S.deleted + " "), document.createTextNode(c.old));
        body.append(d, " ");
      }
      if (c.new) {
        const i = el("ins");
        i.append(el("span", { class: "visually-hidden" }, S.inserted + " "), document.createTextNode(c.new));
        body.append(i, " ");
      }
    }
    const head = el("h3", { id: "compare-heading", tabindex: "-1" }, fmt("compare_heading", { n, m: state.data.revision }));
    const close = el("button", { type: "button" }, S.close);
    close.addEventListener("click", () => { box.hidden = true; box.replaceChildren(); $("revisions-heading").focus(); });
    box.replaceChildren(head, changes ? body : el("p", {}, S.no_differences), close);
    box.hidden = false;
    head.focus();
  }

  async function setStatus(status) {
    if (state.dirty && !(await save(false))) return;
    if (!editor()) { showAlert(S.editor_missing); $("editor").focus(); return; }
    const { ok, data, status: code } = await api("api/status", { base: state.base, editor: editor(), status });
    if (!ok) return failed(code, data);
    accept(data, false);
    setSaveState("saved", fmt("status_set", { status: statusLabel(data) }));
  }

  function failed(status, data) {
    if (status === 409 && data.code === "stale") {
      state.blocked = true;
      showAlert(fmt("stale", { latest: data.latest }), true);
      setSaveState("error", fmt("stale_short", { latest: data.latest }));
    } else {
      showAlert(fmt("save_failed", { message: data.error }));
      setSaveState("error", fmt("save_failed", { message: data.error }));
    }
  }

  // --- structure: split, merge, sound ----------------------------------------------------------
  function currentBox() {
    const a = document.activeElement && boxOf(document.activeElement);
    return a || state.lastBox;
  }

  async function splitSegment(box) {
    box = box || currentBox();
    if (!box) { showAlert(S.no_segment); return; }
    const i = boxIndex(box);
    const li = box.closest(".seg");
    if (li.dataset.kind !== "speech") return;
    const { before, after } = splitText(box);
    if (!normText(before) || !normText(after)) return;
    const segs = collect();
    const one = segs[i];
    segs.splice(i, 1, { ...one, text: normText(before) }, { ...one, text: normText(after), start: null, end: null });
    if (await save(true, segs)) focusBox(i + 1, 0);
  }

  async function mergeSegment(box) {
    box = box || currentBox();
    if (!box) { showAlert(S.no_segment); return; }
    const i = boxIndex(box);
    if (i <= 0) return;
    const segs = collect();
    const a = segs[i - 1], b = segs[i];
    if (a.kind !== b.kind) { showAlert(S.merge_sound); return; }
    const joinAt = a.text.length + 1;
    const merged = a.kind === "sound"
      ? { ...a, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) }
      : { ...a, text: normText(a.text + " " + b.text) };
    segs.splice(i - 1, 2, merged);
    if (await save(true, segs)) focusBox(i - 1, a.kind === "sound" ? 0 : joinAt);
  }

  // Mark the selected words (or the whole segment) as a sound/music event.
  async function markSound() {
    const box = currentBox();
    if (!box) { showAlert(S.no_segment); return; }
    const i = boxIndex(box);
    const li = box.closest(".seg");
    if (li.dataset.kind !== "speech") return;
    const { range, before, after } = splitText(box);
    let start = Number(li.dataset.start), end = Number(li.dataset.end);
    let pre = "", post = "";
    if (range && !range.collapsed) {
      const spans = Array.from(box.querySelectorAll(".w")).filter((s) => range.intersectsNode(s));
      if (spans.length) {
        start = Number(spans[0].dataset.start);
        end = Number(spans[spans.length - 1].dataset.end);
        pre = normText(before); post = normText(after);
      }
    }
    if (!(end > start)) end = start + 1000;
    const segs = collect();
    const one = segs[i];
    const repl = [];
    if (pre) repl.push({ ...one, text: pre });
    repl.push({ text: S.sound_default, speaker: null, kind: "sound", start, end });
    if (post) repl.push({ ...one, text: post });
    segs.splice(i, 1, ...repl);
    if (await save(true, segs)) focusBox(i + (pre ? 1 : 0), 0);
  }

  function focusBox(i, offset) {
    const box = allBoxes()[i];
    if (!box) return;
    box.focus();
    setCaret(box, offset);
  }

  // --- playback ----------------------------------------------------------------------------
  function seek(ms) {
    if (!video.src) return;
    video.currentTime = ms / 1000;
    highlight();
  }
  function togglePlay() {
    if (!video.src) return;
    if (video.paused) video.play().catch(() => {}); else video.pause();
  }
  function nudge(sec) {
    if (!video.src) return;
    video.currentTime = Math.max(0, Math.min(video.duration || Infinity, video.currentTime + sec));
  }
  function highlight() {
    const ms = video.currentTime * 1000;
    $("clock").textContent = clock(ms);
    const spans = state.wordSpans;
    let lo = 0, hi = spans.length - 1, found = null;
    while (lo <= hi) {  // last word whose start <= now
      const mid = (lo + hi) >> 1;
      if (Number(spans[mid].dataset.start) <= ms) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    let span = null;
    if (found !== null && ms <= Number(spans[found].dataset.end) + 150 && spans[found].isConnected) span = spans[found];
    if (span === state.current) return;
    if (state.current) state.current.classList.remove("current");
    if (span) span.classList.add("current");
    state.current = span;
  }
  let raf = null;
  function tick() { highlight(); raf = video.paused ? null : requestAnimationFrame(tick); }
  video.addEventListener("play", () => { if (!raf) raf = requestAnimationFrame(tick); });
  video.addEventListener("seeked", highlight);
  video.addEventListener("timeupdate", highlight);

  // --- uncertain words -------------------------------------------------------------------------
  function threshold() { return Number($("threshold").value); }
  function applyThreshold() {
    const th = threshold();
    $("threshold-value").textContent = Math.round(th * 100) + " %";
    let n = 0;
    for (const sp of segList.querySelectorAll(".w")) {
      const p = sp.dataset.p === undefined ? null : Number(sp.dataset.p);
      const u = p !== null && p < th;
      sp.classList.toggle("uncertain", u);
      if (u) n++;
    }
    $("uncertain-count").textContent = fmt("uncertain_count", { n });
  }
  function nextUncertain() {
    const words = Array.from(segList.querySelectorAll(".w.uncertain"));
    if (!words.length) { announce(S.no_uncertain); return; }
    // the first uncertain word after the selection, else after the playback position
    const sel = getSelection();
    const from = sel.rangeCount && boxOf(sel.anchorNode) ? sel.getRangeAt(0) : null;
    const now = video.src ? video.currentTime * 1000 : -1;
    const after = from ? words.find((w) => from.comparePoint(w, 0) === 1)
                       : words.find((w) => Number(w.dataset.start) > now);
    const next = after || words[0];
    const box = boxOf(next);
    box.focus();
    const r = document.createRange(); r.selectNodeContents(next);
    selectRange(r);
    seek(Number(next.dataset.start));
    announce(fmt("uncertain_word", { word: next.textContent, p: Math.round(Number(next.dataset.p) * 100) }));
  }

  // --- find and replace --------------------------------------------------------------------------
  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function finder() {
    const q = $("find").value;
    if (!q) return null;
    const flags = "g" + ($("match-case").checked ? "" : "i") + "u";
    const body = escapeRe(q);
    const src = $("whole-word").checked ? "(?<![\\p{L}\\p{N}])" + body + "(?![\\p{L}\\p{N}])" : body;
    return new RegExp(src, flags);
  }
  function findNext() {
    const re = finder();
    if (!re) return false;
    const boxes = allBoxes();
    if (!boxes.length) return false;
    let startBox = 0, startOff = 0;
    const sel = getSelection();
    if (sel.rangeCount && boxOf(sel.anchorNode)) {
      startBox = boxIndex(boxOf(sel.anchorNode));
      const r = sel.getRangeAt(0);
      const pre = document.createRange(); pre.selectNodeContents(boxes[startBox]);
      pre.setEnd(r.endContainer, r.endOffset);
      startOff = pre.toString().length;
    } else if (state.lastBox) {
      startBox = Math.max(0, boxIndex(state.lastBox));
    }
    for (let k = 0; k <= boxes.length; k++) {
      const bi = (startBox + k) % boxes.length;
      const text = boxes[bi].textContent;
      re.lastIndex = k === 0 ? startOff : 0;
      const m = re.exec(text);
      if (m && !(k === boxes.length && m.index >= startOff)) {
        const box = boxes[bi];
        box.focus();
        selectRange(rangeAt(box, m.index, m.index + m[0].length));
        const w = boxOf(getSelection().anchorNode) && getSelection().anchorNode.parentNode;
        if (w && w.classList && w.classList.contains("w")) seek(Number(w.dataset.start));
        return true;
      }
    }
    announce(fmt("not_found", { q: $("find").value }));
    return false;
  }
  function replaceOne() {
    const re = finder();
    if (!re) return;
    const sel = getSelection();
    const box = sel.rangeCount && boxOf(sel.anchorNode);
    if (box && !sel.isCollapsed) {
      const t = sel.toString();
      re.lastIndex = 0;
      const m = re.exec(t);
      if (m && m.index === 0 && m[0].length === t.length) {
        box.focus();
        document.execCommand("insertText", false, $("replace").value);
        markDirty();
      }
    }
    findNext();
  }
  async function replaceAll() {
    const re = finder();
    if (!re) return;
    let n = 0;
    const segs = collect().map((s) => {
      if (s.kind !== "speech") return s;
      const text = s.text.replace(re, () => { n++; return $("replace").value; });
      return { ...s, text: normText(text) };
    });
    if (!n) { announce(fmt("not_found", { q: $("find").value })); return; }
    if (await save(true, segs)) announce(fmt("replaced", { n }));
  }

  // --- wiring ------------------------------------------------------------------------------------
  $("editor").value = localStorage.getItem("casefilm.editor") || "";
  $("editor").addEventListener("input", () => {
    localStorage.setItem("casefilm.editor", editor());
    if (editor()) clearAlert();
    if (state.dirty && editor() && !state.blocked) markDirty();
  });
  $("threshold").addEventListener("input", applyThreshold);
  $("btn-all-revisions").addEventListener("click", () => {
    state.allRevisions = true;
    renderRevisions();
    $("revisions").querySelector("button")?.focus();
  });
  $("btn-play").addEventListener("click", togglePlay);
  $("btn-back").addEventListener("click", () => nudge(-5));
  $("btn-fwd").addEventListener("click", () => nudge(5));
  $("btn-next").addEventListener("click", nextUncertain);
  $("btn-save").addEventListener("click", () => save(false));
  $("btn-split").addEventListener("click", () => splitSegment(null));
  $("btn-merge").addEventListener("click", () => mergeSegment(null));
  $("btn-sound").addEventListener("click", markSound);
  $("btn-in-review").addEventListener("click", () => setStatus("in_review"));
  $("btn-reviewed").addEventListener("click", () => setStatus("reviewed"));
  $("find-form").addEventListener("submit", (ev) => { ev.preventDefault(); findNext(); });
  $("btn-replace").addEventListener("click", replaceOne);
  $("btn-replace-all").addEventListener("click", replaceAll);
  // toolbar buttons keep the caret where it was when clicked with the mouse
  for (const b of document.querySelectorAll(".toolbar button")) {
    b.addEventListener("mousedown", (ev) => ev.preventDefault());
  }

  document.addEventListener("keydown", (ev) => {
    const k = ev.key.toLowerCase();
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && k === "s") { ev.preventDefault(); save(false); return; }
    if (ev.ctrlKey && !ev.altKey && ev.code === "Space") { ev.preventDefault(); togglePlay(); return; }
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      const act = { k: togglePlay, j: () => nudge(-5), l: () => nudge(5), n: nextUncertain }[ev.code.replace("Key", "").toLowerCase()];
      if (act) { ev.preventDefault(); act(); }
    }
  });
  window.addEventListener("beforeunload", (ev) => {
    if (state.dirty) { ev.preventDefault(); ev.returnValue = S.leave_warning; }
  });

  window.casefilmReview = { state, save, collect }; // for tests and the console
  load();
})();
