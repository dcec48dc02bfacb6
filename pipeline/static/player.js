/* casefilm player: HLS through hls.js (or native), progressive MP4 otherwise; captions
   drawn by the page (user styling), chapter menu, interactive transcript, thumbnail
   previews, keyboard control, #t=SECONDS deep links, audio description (AD rendition or
   AD MP4, text descriptions in a polite live region, extended descriptions pause the
   film). No external requests. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("casefilm-data").textContent);
  var S = data.strings;
  var video = document.getElementById("video");
  var stage = document.getElementById("stage");
  var $ = function (id) { return document.getElementById(id); };
  var btnPlay = $("btn-play"), btnMute = $("btn-mute"), btnCC = $("btn-cc"),
      btnSettings = $("btn-cc-settings"), btnFull = $("btn-fullscreen"),
      seek = $("seek"), vol = $("volume"), speed = $("speed"), timeEl = $("time"),
      statusEl = $("status"), capDisplay = $("caption-display"), settings = $("caption-settings"),
      preview = $("thumb-preview"), transcript = $("transcript"), follow = $("transcript-follow");
  var duration = data.durationMs / 1000;
  var PREFS_KEY = "casefilm.player.v1";

  function fmt(sec) {
    sec = Math.max(0, Math.floor(sec || 0));
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    var ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + (m < 10 ? "0" : "") + m + ":" + ss : m + ":" + ss;
  }
  function say(msg) { if (statusEl) { statusEl.textContent = ""; setTimeout(function () { statusEl.textContent = msg; }, 30); } }
  function tpl(s, o) { return s.replace(/\{(\w+)\}/g, function (_, k) { return o[k]; }); }

  /* ---- preferences (persisted) ---- */
  var prefs = { captions: true, size: "1", color: "#ffffff", bg: "0,0,0", opacity: "0.75", ad: false };
  try { Object.assign(prefs, JSON.parse(localStorage.getItem(PREFS_KEY) || "{}")); } catch (e) { /* private mode */ }
  function savePrefs() { try { localStorage.setItem(PREFS_KEY, JSON.stringify(prefs)); } catch (e) { /* ignore */ } }

  /* ---- source selection: hls.js > native HLS > MP4; file:// always MP4 ---- */
  var hls = null;
  var AD = data.ad;
  function mp4Src() { return prefs.ad && AD && AD.mp4 ? AD.mp4 : data.mp4; }
  function useMp4() {
    if (hls) { hls.destroy(); hls = null; }
    var t = video.currentTime;
    video.dataset.engine = "mp4";
    video.src = mp4Src(); video.load();
    if (t) video.addEventListener("loadedmetadata", function () { video.currentTime = t; }, { once: true });
  }
  if (location.protocol !== "file:" && data.hls) {
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ enableWebVTT: false, enableIMSC1: false, enableCEA708Captions: false,
                             capLevelToPlayerSize: true });
      hls.on(window.Hls.Events.ERROR, function (_, d) { if (d.fatal) useMp4(); });
      if (AD) {
        hls.on(window.Hls.Events.AUDIO_TRACKS_UPDATED, function () { applyAudio(); });
        hls.on(window.Hls.Events.AUDIO_TRACK_SWITCHED, function (_, d) {
          var t = hls && hls.audioTracks[d.id];
          video.dataset.audio = t && isDescribed(t) ? "description" : "main";
        });
      }
      hls.loadSource(data.hls);
      hls.attachMedia(video);
      video.dataset.engine = "hls.js";
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = data.hls; video.dataset.engine = "native-hls";
    } else { video.dataset.engine = "mp4"; }
  } else { video.dataset.engine = "mp4"; }

  /* ---- captions: the <track> (or, if it cannot load, e.g. from file://, the embedded cues),
     kept "hidden" and drawn into #caption-display so users can style them ---- */
  var capTrack = null;
  function embeddedTrack() {
    var t = video.addTextTrack("captions", S.captions_track_label, data.lang);
    data.cues.forEach(function (c) { t.addCue(new VTTCue(c.start / 1000, c.end / 1000, c.text)); });
    return t;
  }
  function bindTrack(t) {
    capTrack = t; t.mode = "hidden";
    t.addEventListener("cuechange", drawCaptions);
  }
  var trackEl = $("captions-track");
  if (trackEl) {
    bindTrack(trackEl.track);
    trackEl.addEventListener("error", function () {
      if (capTrack) capTrack.removeEventListener("cuechange", drawCaptions);
      bindTrack(embeddedTrack());
    });
  } else if (data.cues.length) { bindTrack(embeddedTrack()); }
  var chapTrackEl = $("chapters-track");
  if (chapTrackEl) chapTrackEl.track.mode = "hidden";

  function drawCaptions() {
    capDisplay.textContent = "";
    if (!prefs.captions || !capTrack || !capTrack.activeCues) return;
    for (var i = 0; i < capTrack.activeCues.length; i++) {
      var cue = capTrack.activeCues[i];
      var line = document.createElement("span");
      line.className = "cap-line";
      var frag = cue.getCueAsHTML ? cue.getCueAsHTML() : document.createTextNode(cue.text);
      line.appendChild(frag);
      if (i) capDisplay.appendChild(document.createElement("br"));
      capDisplay.appendChild(line);
    }
  }
  function applyStyle() {
    var a = parseFloat(prefs.opacity);
    capDisplay.style.setProperty("--cap-size", prefs.size);
    capDisplay.style.setProperty("--cap-color", prefs.color);
    capDisplay.style.setProperty("--cap-bg", "rgba(" + prefs.bg + "," + a + ")");
  }
  function setCaptions(on, announce) {
    prefs.captions = on; savePrefs();
    if (btnCC) {
      btnCC.setAttribute("aria-pressed", on ? "true" : "false");
      btnCC.title = on ? S.captions_off : S.captions_on;
    }
    drawCaptions();
    if (announce) say(on ? S.status_captions_on : S.status_captions_off);
  }
  if (btnCC) btnCC.addEventListener("click", function () { setCaptions(!prefs.captions, true); });
  if (btnSettings) btnSettings.addEventListener("click", function () {
    var open = settings.hidden;
    settings.hidden = !open;
    btnSettings.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) $("cs-size").focus();
  });
  if (settings) {
    var fields = { "cs-size": "size", "cs-color": "color", "cs-bg": "bg", "cs-opacity": "opacity" };
    Object.keys(fields).forEach(function (id) {
      var el = $(id);
      el.value = prefs[fields[id]];
      el.addEventListener("change", function () { prefs[fields[id]] = el.value; savePrefs(); applyStyle(); });
    });
    $("cs-reset").addEventListener("click", function () {
      prefs.size = "1"; prefs.color = "#ffffff"; prefs.bg = "0,0,0"; prefs.opacity = "0.75";
      Object.keys(fields).forEach(function (id) { $(id).value = prefs[fields[id]]; });
      savePrefs(); applyStyle();
    });
    settings.addEventListener("submit", function (e) { e.preventDefault(); });
    settings.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { settings.hidden = true; btnSettings.setAttribute("aria-expanded", "false"); btnSettings.focus(); }
    });
  }
  applyStyle(); setCaptions(prefs.captions, false);

  /* ---- transport ---- */
  function togglePlay() {
    if (adHold) { adHold.cancel(); video.play().catch(function () {}); return; }
    if (video.paused || video.ended) video.play().catch(function () {}); else video.pause();
  }
  function seekTo(sec, announce) {
    sec = Math.max(0, Math.min(sec, duration || video.duration || sec));
    video.currentTime = sec;
    if (announce) say(tpl(S.status_seeked, { time: fmt(sec) }));
  }
  btnPlay.addEventListener("click", togglePlay);
  video.addEventListener("click", togglePlay);
  $("btn-back").addEventListener("click", function () { seekTo(video.currentTime - 5, true); });
  $("btn-forward").addEventListener("click", function () { seekTo(video.currentTime + 5, true); });
  video.addEventListener("play", function () { btnPlay.setAttribute("aria-label", S.pause); btnPlay.firstElementChild.textContent = "❚❚"; if (!adResuming) say(S.status_playing); adResuming = false; });
  video.addEventListener("pause", function () { btnPlay.setAttribute("aria-label", S.play); btnPlay.firstElementChild.textContent = "▶"; if (!adHold) say(S.status_paused); });
  seek.addEventListener("input", function () { seekTo(parseFloat(seek.value), false); showPreview(parseFloat(seek.value), null); });
  seek.addEventListener("change", function () { hidePreview(); });
  seek.addEventListener("blur", hidePreview);
  btnMute.addEventListener("click", function () { video.muted = !video.muted; });
  vol.addEventListener("input", function () { video.volume = parseFloat(vol.value); video.muted = video.volume === 0; });
  video.addEventListener("volumechange", function () {
    btnMute.setAttribute("aria-label", video.muted ? S.unmute : S.mute);
    btnMute.classList.toggle("muted", video.muted);
    vol.value = video.muted ? 0 : video.volume;
  });
  speed.addEventListener("change", function () {
    video.playbackRate = parseFloat(speed.value);
    say(tpl(S.status_speed, { speed: speed.value.replace(".", ",") }));
  });
  btnFull.addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (stage.requestFullscreen) stage.requestFullscreen().catch(function () {});
  });
  document.addEventListener("fullscreenchange", function () {
    btnFull.setAttribute("aria-label", document.fullscreenElement ? S.exit_fullscreen : S.fullscreen);
  });

  /* ---- time display, chapters, transcript follow ---- */
  var chapterItems = Array.prototype.slice.call(document.querySelectorAll(".chapter"));
  var cueButtons = Array.prototype.slice.call(document.querySelectorAll("#transcript .cue"));
  var activeCue = -1, currentChapter = -1;
  function findCue(ms) {
    var lo = 0, hi = data.cues.length - 1, hit = -1;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (data.cues[mid].start <= ms) { hit = mid; lo = mid + 1; } else hi = mid - 1; }
    return hit >= 0 && ms < data.cues[hit].end ? hit : -1;
  }
  function onTime() {
    var t = video.currentTime, ms = t * 1000;
    var d = duration || video.duration || 0;
    if (document.activeElement !== seek) seek.value = t.toFixed(1);
    seek.setAttribute("aria-valuetext", tpl(S.seek_valuetext, { time: fmt(t), duration: fmt(d) }));
    timeEl.textContent = fmt(t) + " / " + fmt(d);
    var ch = -1;
    chapterItems.forEach(function (li, i) { if (ms >= +li.dataset.start && ms < +li.dataset.end) ch = i; });
    if (ch !== currentChapter) {
      chapterItems.forEach(function (li, i) {
        li.classList.toggle("current", i === ch);
        var b = li.querySelector(".chapter-button");
        if (i === ch) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
      });
      currentChapter = ch;
    }
    var ci = findCue(ms);
    if (ci !== activeCue) {
      if (activeCue >= 0 && cueButtons[activeCue]) { cueButtons[activeCue].classList.remove("active"); cueButtons[activeCue].removeAttribute("aria-current"); }
      if (ci >= 0 && cueButtons[ci]) {
        var b = cueButtons[ci];
        b.classList.add("active"); b.setAttribute("aria-current", "true");
        if (follow && follow.checked && !transcript.contains(document.activeElement)) {
          var top = b.offsetTop - transcript.offsetTop;
          if (top < transcript.scrollTop || top > transcript.scrollTop + transcript.clientHeight - 40)
            transcript.scrollTop = Math.max(0, top - transcript.clientHeight / 3);
        }
      }
      activeCue = ci;
    }
  }
  video.addEventListener("timeupdate", onTime);
  video.addEventListener("seeked", onTime);
  video.addEventListener("loadedmetadata", function () {
    if (!duration && isFinite(video.duration)) { duration = video.duration; seek.max = duration; }
    onTime();
  });
  chapterItems.forEach(function (li) {
    li.querySelector(".chapter-button").addEventListener("click", function () {
      seekTo(+li.dataset.start / 1000 + 0.001, true);
    });
  });
  /* transcript: one tab stop (roving tabindex), arrows move, Enter/Space seek */
  function focusCue(i) {
    if (i < 0 || i >= cueButtons.length) return;
    cueButtons.forEach(function (b, k) { b.tabIndex = k === i ? 0 : -1; });
    cueButtons[i].focus();
  }
  cueButtons.forEach(function (b, i) {
    b.addEventListener("click", function () { cueButtons.forEach(function (x, k) { x.tabIndex = k === i ? 0 : -1; }); seekTo(+b.dataset.start / 1000 + 0.001, true); });
    b.addEventListener("keydown", function (e) {
      var k = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1, Home: 0, End: cueButtons.length - 1 }[e.key];
      if (k !== undefined) { e.preventDefault(); e.stopPropagation(); focusCue(k); }
    });
  });

  /* ---- thumbnail previews over the timeline ---- */
  var thumbImg = preview ? preview.querySelector(".thumb-img") : null, thumbTime = preview ? preview.querySelector(".thumb-time") : null;
  function thumbAt(ms) {
    for (var i = 0; i < data.thumbs.length; i++) if (ms >= data.thumbs[i].start && ms < data.thumbs[i].end) return data.thumbs[i];
    return data.thumbs[data.thumbs.length - 1];
  }
  function showPreview(sec, clientX) {
    if (!preview || !data.thumbs.length) return;
    var th = thumbAt(sec * 1000);
    thumbImg.style.width = th.w + "px"; thumbImg.style.height = th.h + "px";
    thumbImg.style.backgroundImage = "url('" + th.src + "')";
    thumbImg.style.backgroundPosition = (-th.x) + "px " + (-th.y) + "px";
    thumbTime.textContent = fmt(sec);
    var sr = stage.getBoundingClientRect(), kr = seek.getBoundingClientRect();
    var x = clientX != null ? clientX : kr.left + (sec / (duration || 1)) * kr.width;
    var half = th.w / 2 + 4;
    preview.style.left = Math.max(half, Math.min(sr.width - half, x - sr.left)) + "px";
    preview.hidden = false;
  }
  function hidePreview() { if (preview) preview.hidden = true; }
  seek.addEventListener("pointermove", function (e) {
    var r = seek.getBoundingClientRect();
    var frac = Math.max(0, Math.min(1, (e.clientX - r.left) / r.width));
    showPreview(frac * (duration || 0), e.clientX);
  });
  seek.addEventListener("pointerleave", hidePreview);

  /* ---- audio description: the AD mix instead of the main audio (hls.js audio track,
     native audio tracks where the browser has them, else the AD MP4 variant), the text
     descriptions in a polite live region, extended descriptions pause the film while
     their narration plays (from the narration stem; speech synthesis if it cannot play)
     and then resume. Off unless the viewer turns it on; the choice is remembered. ---- */
  var btnAD = $("btn-ad"), adLive = $("ad-live"), narr = $("ad-narration");
  var adHold = null, adResuming = false;
  function isDescribed(t) {
    return /describes-video/.test(t.characteristics || "") || t.kind === "descriptions" ||
      t.kind === "main-desc" || (t.name || t.label || "") === S.ad_track_label;
  }
  function applyAudio() {
    if (!AD) return;
    var on = !!prefs.ad, i;
    if (hls) {
      var tracks = hls.audioTracks || [];
      for (i = 0; i < tracks.length; i++) {
        if (isDescribed(tracks[i]) === on) { if (hls.audioTrack !== i) hls.audioTrack = i; break; }
      }
      return;
    }
    var nat = video.audioTracks;
    if (nat && nat.length > 1) {  /* Safari, native HLS; Chromium only behind a flag */
      var hit = false;
      for (i = 0; i < nat.length; i++) if (isDescribed(nat[i]) === on && !hit) { nat[i].enabled = true; hit = true; } else nat[i].enabled = false;
      if (hit) { video.dataset.audio = on ? "description" : "main"; return; }
    }
    if (video.dataset.engine === "mp4" && AD.mp4) {  /* swap to the other MP4, same place */
      var want = mp4Src();
      video.dataset.audio = on ? "description" : "main";
      if (video.currentSrc && video.currentSrc.slice(-want.length) === want) return;
      var t = video.currentTime, playing = !video.paused, rate = video.playbackRate;
      video.src = want; video.load();
      video.addEventListener("loadedmetadata", function () {
        if (t) video.currentTime = t;
        video.playbackRate = rate;
        if (playing) video.play().catch(function () {});
      }, { once: true });
    }
  }
  function setAD(on, announce) {
    prefs.ad = on; savePrefs();
    if (btnAD) { btnAD.setAttribute("aria-pressed", on ? "true" : "false"); btnAD.title = on ? S.ad_off : S.ad_on; }
    if (!on && adHold) adHold.cancel();
    applyAudio();
    if (announce) say(on ? S.status_ad_on : S.status_ad_off);
  }
  function announceDescription(text) {
    if (!adLive) return;
    adLive.textContent = "";
    setTimeout(function () { adLive.textContent = text; }, 30);
  }
  function speak(d, done) {
    var synth = window.speechSynthesis;
    if (!synth || !window.SpeechSynthesisUtterance) return false;
    var voices = synth.getVoices ? synth.getVoices() : [];
    if (!voices.some(function (v) { return (v.lang || "").toLowerCase().indexOf(data.lang) === 0; })) return false;
    var u = new SpeechSynthesisUtterance(d.text);
    u.lang = data.lang; u.onend = done; u.onerror = done;
    synth.speak(u);
    return true;
  }
  function extendedPause(d) {
    var ms = Math.max(200, d.end - d.start), finished = false;
    var hold = { d: d };
    function stop() { finished = true; clearTimeout(hold.timer); if (narr) narr.pause(); if (window.speechSynthesis) window.speechSynthesis.cancel(); adHold = null; delete video.dataset.adHold; }
    hold.cancel = stop;
    hold.resume = function () { if (finished) return; stop(); adResuming = true; video.play().catch(function () {}); };
    adHold = hold;
    video.dataset.adHold = String(d.start);
    video.pause();
    var viaClip = narr && AD.narration && !narr.error;
    if (viaClip) {
      narr.currentTime = d.start / 1000;
      narr.play().catch(function () { if (!finished) speak(d, function () {}); });
    } else { speak(d, function () {}); }
    /* the film pauses for the narration clip's length, then plays on */
    hold.timer = setTimeout(hold.resume, ms);
  }
  if (AD) {
    var dTrack = video.addTextTrack("metadata", "casefilm-descriptions", data.lang);
    dTrack.mode = "hidden";
    AD.descriptions.forEach(function (d) {
      var cue = new VTTCue(d.start / 1000, d.end / 1000, d.text);
      cue.onenter = function () {
        if (!prefs.ad) return;
        announceDescription(d.text);
        if (d.extended && !video.paused && !video.seeking && !adHold) extendedPause(d);
      };
      dTrack.addCue(cue);
    });
    video.addEventListener("seeking", function () { if (adHold) adHold.cancel(); });
    if (btnAD) btnAD.addEventListener("click", function () { setAD(!prefs.ad, true); });
    setAD(!!prefs.ad, false);
  }

  /* ---- keyboard shortcuts inside the player (not while typing in a form control) ---- */
  $("player").addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    var onControl = tag === "button" || tag === "select" || tag === "input";
    var k = e.key;
    if ((k === " " || k === "Enter") && onControl) return; /* native activation */
    if ((k.indexOf("Arrow") === 0 || k === "Home" || k === "End") && (tag === "input" || tag === "select")) return;
    var handled = true;
    switch (k) {
      case " ": case "k": case "K": togglePlay(); break;
      case "ArrowLeft": seekTo(video.currentTime - 5, true); break;
      case "ArrowRight": seekTo(video.currentTime + 5, true); break;
      case "ArrowUp": video.muted = false; video.volume = Math.min(1, video.volume + 0.1); break;
      case "ArrowDown": video.volume = Math.max(0, video.volume - 0.1); break;
      case "Home": seekTo(0, true); break;
      case "End": seekTo(duration, true); break;
      case "m": case "M": video.muted = !video.muted; break;
      case "c": case "C": if (capTrack) setCaptions(!prefs.captions, true); break;
      case "d": case "D": if (AD) setAD(!prefs.ad, true); else handled = false; break;
      case "f": case "F": btnFull.click(); break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });

  /* ---- #t=SECONDS (or #t=M:SS) deep links ---- */
  function fromHash() {
    var m = /(?:^#|&)t=([0-9:.]+)/.exec(location.hash);
    if (!m) return;
    var parts = m[1].split(":").map(parseFloat), sec = 0;
    parts.forEach(function (p) { sec = sec * 60 + (p || 0); });
    if (video.readyState >= 1) seekTo(sec, false);
    else video.addEventListener("loadedmetadata", function () { seekTo(sec, false); }, { once: true });
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  onTime();
  window.casefilmPlayer = { video: video, seekTo: seekTo, captionsTrack: function () { return capTrack; },
                            hls: function () { return hls; }, audioDescription: function () { return !!prefs.ad; } };
})();
