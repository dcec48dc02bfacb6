/* casefilm player: the sign-language (DGS) interpreter window.

   The rendition is on the programme's timeline (it starts at 0, black until the
   interpreter's offset), so the interpreter video simply keeps the film's currentTime:
   it plays, pauses, seeks and changes speed with the film, and a check every 250 ms
   corrects drift beyond a frame (DRIFT_OK): up to DRIFT_SEEK by running the interpreter
   faster or slower in proportion to the drift (GAIN per second, at most MAX_ADJUST), above
   it by a seek that aims ahead by what the last seek cost while playing; exactly while
   paused. Source: hls.js on hls/dgs/ when served over http(s),
   else the MP4 (file://, no hls.js, an HLS error).

   The window sits over the film inside the stage and never reaches into the caption
   area (the lower CAPTION_BAND of the picture, or higher where the captions are drawn
   higher); it moves by dragging its bar and resizes by its corner grip, and by keyboard
   on its handle: arrows move, Shift+arrows resize, Home resets. Button "Gebärdensprache"
   (aria-pressed) and the key G show and hide it; the choice, the place and the size are
   remembered in localStorage like the player's other preferences. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("casefilm-data").textContent);
  var D = data.dgs;
  if (!D) return;
  var S = data.strings;
  var $ = function (id) { return document.getElementById(id); };
  var video = $("video"), stage = $("stage"), win = $("dgs-window"), dv = $("dgs-video"),
      btn = $("btn-dgs"), handle = $("dgs-handle"), closeBtn = $("dgs-close"),
      grip = $("dgs-resize"), bar = win.querySelector(".dgs-bar"), caps = $("caption-display"),
      statusEl = $("status");
  var KEY = "casefilm.player.dgs.v1";
  var DRIFT_OK = 0.04, DRIFT_SEEK = 0.3, GAIN = 2, MAX_ADJUST = 0.25;  /* s, s, 1/s, rate fraction */
  var CAPTION_BAND = 0.3, MIN_W = 0.15, MAX_W = 0.6, STEP = 0.02, MARGIN = 6;
  var DEFAULTS = { on: false, x: null, y: null, w: 0.3 };
  var prefs = Object.assign({}, DEFAULTS);
  try { Object.assign(prefs, JSON.parse(localStorage.getItem(KEY) || "{}")); } catch (e) { /* private mode */ }
  function save() { try { localStorage.setItem(KEY, JSON.stringify(prefs)); } catch (e) { /* ignore */ } }
  function say(msg) { if (statusEl) { statusEl.textContent = ""; setTimeout(function () { statusEl.textContent = msg; }, 30); } }
  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  /* ---- source: loaded the first time the window opens ---- */
  var hls = null, loaded = false;
  function useMp4() {
    if (hls) { hls.destroy(); hls = null; }
    dv.dataset.engine = "mp4"; dv.src = D.mp4; dv.load();
  }
  function load() {
    if (loaded) return;
    loaded = true;
    dv.preload = "auto";
    if (location.protocol !== "file:" && D.hls && window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ enableWebVTT: false, enableIMSC1: false, enableCEA708Captions: false,
                             startPosition: video.currentTime || 0 });
      hls.on(window.Hls.Events.ERROR, function (_, d) { if (d.fatal) useMp4(); });
      hls.loadSource(D.hls); hls.attachMedia(dv); dv.dataset.engine = "hls.js";
    } else if (location.protocol !== "file:" && D.hls && dv.canPlayType("application/vnd.apple.mpegurl")) {
      dv.src = D.hls; dv.dataset.engine = "native-hls";
    } else { useMp4(); }
  }

  /* ---- keeping in step with the film ---- */
  var seekLead = 0, seekStart = 0;  /* s of film time the last seek took while playing */
  function jump() {
    if (!prefs.on || dv.readyState < 1) return;
    var ahead = video.paused || video.seeking ? 0 : seekLead;
    seekStart = performance.now();
    dv.currentTime = Math.min(video.currentTime + ahead, dv.duration || video.currentTime);
  }
  dv.addEventListener("seeked", function () {
    if (seekStart && !video.paused && !video.seeking)
      seekLead = clamp((performance.now() - seekStart) / 1000 * video.playbackRate, 0, 0.5);
    seekStart = 0;
  });
  function follow() {
    if (!prefs.on) return;
    dv.playbackRate = video.playbackRate;
    var stop = video.paused || video.ended || video.seeking || video.readyState < 3;
    if (stop) { if (!dv.paused) dv.pause(); }
    else if (dv.paused && !dv.ended) dv.play().catch(function () {});
  }
  function correct() {
    if (!prefs.on || dv.readyState < 1 || dv.seeking || video.seeking) return;
    var rate = video.playbackRate, drift = dv.currentTime - video.currentTime;
    var past = dv.duration && video.currentTime >= dv.duration;  /* the interpreter has ended */
    if (past) { if (!dv.paused) dv.pause(); return; }
    if (video.paused) { if (Math.abs(drift) > 0.02) jump(); follow(); return; }
    if (Math.abs(drift) > DRIFT_SEEK) { jump(); dv.playbackRate = rate; }
    else if (Math.abs(drift) > DRIFT_OK) dv.playbackRate = rate * (1 - clamp(drift * GAIN, -MAX_ADJUST, MAX_ADJUST));
    else if (dv.playbackRate !== rate) dv.playbackRate = rate;
    if (dv.paused) follow();
  }
  ["play", "playing", "pause", "ended", "waiting", "canplay"].forEach(function (ev) { video.addEventListener(ev, follow); });
  video.addEventListener("seeking", function () { if (prefs.on) { if (!dv.paused) dv.pause(); jump(); } });
  video.addEventListener("seeked", function () { jump(); follow(); });
  video.addEventListener("ratechange", function () { if (prefs.on) dv.playbackRate = video.playbackRate; });
  dv.addEventListener("loadedmetadata", function () { jump(); follow(); layout(); });
  setInterval(correct, 250);

  /* ---- place and size (fractions of the stage, so fullscreen and resizing keep them) ---- */
  var aspect = D.width / D.height;
  function captionTop(h) {
    var top = h * (1 - CAPTION_BAND);
    if (caps && caps.textContent.trim()) top = Math.min(top, caps.offsetTop);
    return top;
  }
  function layout() {
    if (win.hidden) return;
    var sw = stage.clientWidth, sh = stage.clientHeight;
    if (!sw || !sh) return;
    var barH = bar.offsetHeight, limit = captionTop(sh) - MARGIN;
    var w = clamp(prefs.w, MIN_W, MAX_W) * sw;
    if (w / aspect + barH > limit) w = Math.max(40, (limit - barH) * aspect);
    var h = w / aspect + barH;
    var x = prefs.x === null ? sw - w - MARGIN : prefs.x * sw;
    var y = prefs.y === null ? MARGIN : prefs.y * sh;
    x = clamp(x, 0, Math.max(0, sw - w));
    y = clamp(y, 0, Math.max(0, limit - h));
    win.style.left = x + "px"; win.style.top = y + "px"; win.style.right = "auto";
    win.style.width = w + "px";
  }
  function place(x, y, w) {  /* in px of the stage; stored as fractions */
    var sw = stage.clientWidth, sh = stage.clientHeight;
    if (w !== undefined) prefs.w = clamp(w / sw, MIN_W, MAX_W);
    prefs.x = x / sw; prefs.y = y / sh;
    layout();
    prefs.x = win.offsetLeft / sw; prefs.y = win.offsetTop / sh;  /* as clamped */
    save();
  }
  function announcePlace() {
    var sw = stage.clientWidth, sh = stage.clientHeight;
    say(S.status_dgs_placed.replace("{x}", Math.round(100 * win.offsetLeft / sw))
      .replace("{y}", Math.round(100 * win.offsetTop / sh)).replace("{w}", Math.round(100 * win.offsetWidth / sw)));
  }
  window.addEventListener("resize", layout);
  document.addEventListener("fullscreenchange", function () { setTimeout(layout, 50); });
  if (caps && window.MutationObserver) new MutationObserver(layout).observe(caps, { childList: true, subtree: true, characterData: true });

  /* mouse (and touch, pen): drag the bar to move, the corner grip to resize */
  function drag(el, onMove) {
    el.addEventListener("pointerdown", function (e) {
      if (e.button !== 0 || (e.target.closest && e.target.closest("#dgs-close"))) return;
      e.preventDefault();
      var x0 = e.clientX, y0 = e.clientY, l0 = win.offsetLeft, t0 = win.offsetTop, w0 = win.offsetWidth;
      el.setPointerCapture(e.pointerId);
      win.classList.add("dgs-active");
      function move(ev) { onMove(l0, t0, w0, ev.clientX - x0, ev.clientY - y0); }
      function up() {
        el.removeEventListener("pointermove", move); el.removeEventListener("pointerup", up);
        el.removeEventListener("pointercancel", up); win.classList.remove("dgs-active");
      }
      el.addEventListener("pointermove", move); el.addEventListener("pointerup", up);
      el.addEventListener("pointercancel", up);
    });
  }
  drag(bar, function (l, t, w, dx, dy) { place(l + dx, t + dy); });
  drag(grip, function (l, t, w, dx) { place(l, t, w + dx); });

  /* keyboard, on the handle: arrows move, Shift+arrows resize, Home resets */
  handle.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var sw = stage.clientWidth, sh = stage.clientHeight, d = STEP * sw;
    var l = win.offsetLeft, t = win.offsetTop, w = win.offsetWidth;
    var moves = { ArrowLeft: [-d, 0], ArrowRight: [d, 0], ArrowUp: [0, -STEP * sh], ArrowDown: [0, STEP * sh] };
    if (e.key === "Home") { prefs.x = prefs.y = null; prefs.w = DEFAULTS.w; save(); layout(); }
    else if (moves[e.key] && e.shiftKey) {
      var grow = e.key === "ArrowRight" || e.key === "ArrowUp" ? d : -d;
      place(l, t, w + grow);
    } else if (moves[e.key]) place(l + moves[e.key][0], t + moves[e.key][1]);
    else return;
    e.preventDefault(); e.stopPropagation();  /* the player's arrow keys seek: not here */
    announcePlace();
  });
  handle.addEventListener("click", function (e) { if (e.detail === 0) say(S.dgs_handle_hint); });  /* keyboard: how to move it */

  /* ---- on and off ---- */
  function setOn(on, announce) {
    prefs.on = on; save();
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.title = on ? S.dgs_off : S.dgs_on;
    win.hidden = !on;
    if (on) { load(); layout(); jump(); follow(); } else if (!dv.paused) dv.pause();
    if (announce) say(on ? S.status_dgs_on : S.status_dgs_off);
  }
  btn.addEventListener("click", function () { setOn(!prefs.on, true); });
  closeBtn.addEventListener("click", function () { setOn(false, true); btn.focus(); });
  $("player").addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || (e.key !== "g" && e.key !== "G")) return;
    e.preventDefault();
    setOn(!prefs.on, true);
  });
  setOn(!!prefs.on, false);
  if (window.casefilmPlayer) window.casefilmPlayer.signLanguage = { video: dv, on: function () { return prefs.on; } };
})();
