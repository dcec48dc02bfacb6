// The descriptions lane of the review page: list, add at the playhead, edit, save.
// Every save is a new revision on the server (descriptions.yaml's previous state is kept);
// a save from a stale page is refused with 409.
"use strict";
(function () {
  const lane = document.getElementById("ad-lane");
  if (!lane) return;
  const S = JSON.parse(document.getElementById("ad-strings").textContent);
  const list = document.getElementById("ad-list");
  const status = document.getElementById("ad-status");
  const video = document.getElementById("video");
  let state = { digest: "absent", descriptions: [], gaps: [] };

  function tc(ms) {
    const s = ms / 1000, m = Math.floor(s / 60);
    return String(m).padStart(2, "0") + ":" + (s - m * 60).toFixed(1).padStart(4, "0");
  }

  function render() {
    list.textContent = "";
    document.getElementById("ad-gaps").textContent = S.lane_gaps.replace("{n}", state.gaps.length);
    if (!state.descriptions.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = S.lane_none;
      list.appendChild(li);
    }
    state.descriptions.forEach((d, i) => {
      const li = document.createElement("li");
      li.dataset.at = d.at_ms;
      const time = document.createElement("button");
      time.type = "button";
      time.className = "ad-time";
      time.textContent = tc(d.at_ms);
      time.addEventListener("click", () => { if (video) video.currentTime = d.at_ms / 1000; });
      const text = document.createElement("textarea");
      text.rows = 2;
      text.value = d.text;
      text.setAttribute("aria-label", S.lane_text + " " + tc(d.at_ms));
      text.addEventListener("input", () => { d.text = text.value; });
      const ext = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = !!d.extended;
      box.addEventListener("change", () => { d.extended = box.checked; });
      ext.append(box, " " + S.lane_extended);
      const fitNote = document.createElement("span");
      fitNote.className = "ad-fit";
      if (d.fits !== undefined) {
        fitNote.textContent = d.fits ? S.lane_fits : S.lane_too_long.replace("{ms}", d.overlap_ms);
      }
      const del = document.createElement("button");
      del.type = "button";
      del.textContent = S.lane_delete;
      del.addEventListener("click", () => { state.descriptions.splice(i, 1); render(); });
      li.append(time, text, ext, fitNote, del);
      list.appendChild(li);
    });
  }

  async function load() {
    const r = await fetch("/api/descriptions");
    if (!r.ok) { status.textContent = S.lane_unavailable; return; }
    state = await r.json();
    render();
  }

  document.getElementById("ad-add").addEventListener("click", () => {
    const at = Math.round((video ? video.currentTime : 0) * 1000);
    state.descriptions.push({ at_ms: at, text: "", extended: false });
    state.descriptions.sort((a, b) => a.at_ms - b.at_ms);
    render();
    const box = list.querySelector(`li[data-at="${at}"] textarea`);
    if (box) box.focus();
  });

  document.getElementById("ad-save").addEventListener("click", async () => {
    const editor = (document.getElementById("editor") || {}).value || null;
    const body = { base: state.digest, editor,
                   descriptions: state.descriptions.map(d => ({ at_ms: d.at_ms, text: d.text, extended: !!d.extended })) };
    const r = await fetch("/api/descriptions", { method: "POST", headers: { "Content-Type": "application/json" },
                                                 body: JSON.stringify(body) });
    const data = await r.json();
    if (r.ok) { state = data; render(); status.textContent = S.lane_saved; }
    else status.textContent = r.status === 409 ? S.lane_stale : data.error || String(r.status);
  });

  load();
})();
