/* casefilm SCO: the quiz around the player page and its reporting to the LMS through the
   SCORM 1.2 run-time API. Works without an LMS (then it says that nothing is recorded).

   State kept by the LMS for a learner who comes back:
     cmi.core.lesson_location  playback position in whole seconds
     cmi.suspend_data          JSON {"v":1,"a":{"<n>":<shown answer index>},"w":"<hex>"}:
                               the checked answers, and which of 100 equal parts of the
                               film were watched (a bit each, 25 hex digits); <= 4096 chars
   Status: "incomplete" from the first launch; with a quiz "passed"/"failed" once every
   question is answered (score.raw = percent right against the mastery score), without
   one "completed" once `completion` percent of the film was watched. LMSCommit after
   every answer and on pause; LMSFinish when the page is left. */
(function () {
  "use strict";
  var Q = JSON.parse(document.getElementById("casefilm-quiz").textContent);
  var S = Q.strings;
  var video = document.getElementById("video");
  var $ = function (id) { return document.getElementById(id); };
  var PARTS = 100, MAX_SUSPEND = 4096;
  function tpl(s, o) { return s.replace(/\{(\w+)\}/g, function (_, k) { return o[k]; }); }
  function fmt(sec) {
    sec = Math.max(0, Math.floor(sec || 0));
    var m = Math.floor(sec / 60), s = sec % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  /* ---- the SCORM 1.2 API: window.API in this window's parents, then in the opener's
     (SCORM 1.2 RTE 3.3.6.1, ADL's APIWrapper findAPI/getAPI). Frames of another origin
     throw on access; they cannot be the LMS's API frame for us anyway. ---- */
  function findAPI(win) {
    var tries = 0;
    try {
      while (win.API == null && win.parent != null && win.parent !== win) {
        if (++tries > 7) return null;
        win = win.parent;
      }
      return win.API || null;
    } catch (e) { return null; }
  }
  function getAPI() {
    var api = findAPI(window);
    if (!api) { try { if (window.opener) api = findAPI(window.opener); } catch (e) { api = null; } }
    return api;
  }
  var api = getAPI(), lms = false;
  if (api) {
    try { lms = String(api.LMSInitialize("")) === "true"; } catch (e) { lms = false; }
  }
  function get(el) { try { return lms ? String(api.LMSGetValue(el) || "") : ""; } catch (e) { return ""; } }
  function set(el, v) { if (lms) { try { api.LMSSetValue(el, String(v)); } catch (e) { /* ignore */ } } }
  function commit() { if (lms) { try { api.LMSCommit(""); } catch (e) { /* ignore */ } } }
  var started = Date.now();
  function sessionTime() {  /* CMITimespan HHHH:MM:SS.SS */
    var t = (Date.now() - started) / 1000, h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    function two(x) { return (x < 10 ? "0" : "") + x; }
    return (h < 10 ? "000" : h < 100 ? "00" : h < 1000 ? "0" : "") + Math.min(h, 9999) + ":" + two(m) + ":" + (s < 10 ? "0" : "") + s.toFixed(2);
  }
  $("lms-status").textContent = lms ? S.lms_connected : S.lms_none;

  /* ---- state ---- */
  var answers = {};  /* question n -> shown answer index */
  var watched = [];  for (var i = 0; i < PARTS; i++) watched.push(false);
  function encodeWatched() {
    var out = "";
    for (var i = 0; i < PARTS; i += 4) {
      var v = 0;
      for (var b = 0; b < 4; b++) if (watched[i + b]) v |= 1 << b;
      out += v.toString(16);
    }
    return out;
  }
  function decodeWatched(hex) {
    for (var i = 0; i < hex.length && i * 4 < PARTS; i++) {
      var v = parseInt(hex[i], 16) || 0;
      for (var b = 0; b < 4; b++) if (i * 4 + b < PARTS) watched[i * 4 + b] = !!(v & (1 << b));
    }
  }
  function watchedPercent() { return watched.filter(Boolean).length * 100 / PARTS; }
  function suspendData() {
    var s = JSON.stringify({ v: 1, a: answers, w: encodeWatched() });
    return s.length <= MAX_SUSPEND ? s : JSON.stringify({ v: 1, a: answers });
  }
  var saved = get("cmi.suspend_data");
  if (saved) {
    try {
      var d = JSON.parse(saved);
      if (d && d.v === 1) { answers = d.a || {}; decodeWatched(d.w || ""); }
    } catch (e) { /* not ours: start afresh */ }
  }
  var status = get("cmi.core.lesson_status");
  if (lms && (status === "" || status === "not attempted")) {
    status = "incomplete";
    set("cmi.core.lesson_status", status);
    Q.goals.forEach(function (g, k) { set("cmi.objectives." + k + ".id", g.id); });
    commit();
  }

  /* ---- questions ---- */
  var byN = {};
  Q.questions.forEach(function (q) { byN[q.n] = q; });
  function fieldset(q) { return $(q.id); }
  function feedback(q, right, final) {
    var p = $(q.id + "-feedback");
    var answer = q.answers[q.correct];
    p.textContent = final ? (right ? S.answered_right : tpl(S.answered_wrong, { answer: answer }))
                          : (right ? S.right : tpl(S.wrong, { answer: answer }));
    p.className = "quiz-feedback " + (right ? "right" : "wrong");
    return p;
  }
  function lock(q) {
    var fs = fieldset(q);
    fs.querySelectorAll("input").forEach(function (r) { r.disabled = true; });
    fs.querySelector(".quiz-check").disabled = true;
  }
  function score() {
    var total = Q.questions.length, right = 0, n = 0;
    Q.questions.forEach(function (q) {
      if (answers[q.n] !== undefined) { n++; if (answers[q.n] === q.correct) right++; }
    });
    return { total: total, answered: n, right: right, raw: total ? Math.round(right * 100 / total) : 0 };
  }
  function showResult() {
    var el = $("quiz-result");
    if (!el) return;
    var sc = score();
    if (sc.answered < sc.total) el.textContent = tpl(S.result_pending, { answered: sc.answered, total: sc.total });
    else el.textContent = tpl(sc.raw >= Q.mastery ? S.result_passed : S.result_failed, { score: sc.raw, mastery: Q.mastery });
  }
  function goalStatus() {
    Q.goals.forEach(function (g, k) {
      if (!g.questions.length) return;
      var done = g.questions.every(function (n) { return answers[n] !== undefined; });
      if (!done) return;
      var right = g.questions.filter(function (n) { return answers[n] === byN[n].correct; }).length;
      var raw = Math.round(right * 100 / g.questions.length);
      set("cmi.objectives." + k + ".id", g.id);
      set("cmi.objectives." + k + ".score.raw", raw);
      set("cmi.objectives." + k + ".status", raw >= Q.mastery ? "passed" : "failed");
    });
  }
  function scoreQuiz() {  /* after an answer */
    var sc = score();
    if (sc.answered === sc.total) {
      set("cmi.core.score.min", 0); set("cmi.core.score.max", 100);
      set("cmi.core.score.raw", sc.raw);
      status = sc.raw >= Q.mastery ? "passed" : "failed";
      set("cmi.core.lesson_status", status);
    }
    goalStatus();
  }
  function updateWatched() {  /* while playing: a film without questions completes */
    if (!Q.questions.length && watchedPercent() >= Q.completion && status !== "completed") {
      status = "completed";
      set("cmi.core.lesson_status", status);
      Q.goals.forEach(function (g, k) { set("cmi.objectives." + k + ".id", g.id); set("cmi.objectives." + k + ".status", "completed"); });
      $("watched").textContent = S.completed;
    }
  }
  function save() {
    if (!lms) return;
    if (!isNaN(video.currentTime)) set("cmi.core.lesson_location", Math.floor(video.currentTime));
    set("cmi.suspend_data", suspendData());
    set("cmi.core.session_time", sessionTime());
    commit();
  }
  var interaction = parseInt(get("cmi.interactions._count"), 10) || 0;  /* after earlier sessions' */
  Q.questions.forEach(function (q) {
    var fs = fieldset(q);
    fs.querySelector(".quiz-check").addEventListener("click", function () {
      var chosen = fs.querySelector("input:checked");
      var p = $(q.id + "-feedback");
      if (!chosen) { p.textContent = S.choose_first; p.className = "quiz-feedback"; p.focus(); return; }
      var k = parseInt(chosen.value, 10);
      answers[q.n] = k;
      var right = k === q.correct;
      lock(q);
      feedback(q, right, false).focus();
      var base = "cmi.interactions." + (interaction++) + ".";
      set(base + "id", q.id); set(base + "type", "choice");
      set(base + "student_response", String.fromCharCode(97 + k));
      set(base + "correct_responses.0.pattern", String.fromCharCode(97 + q.correct));
      set(base + "result", right ? "correct" : "wrong");
      scoreQuiz(); showResult(); save();
      if (promptFor === q) hidePrompt(false);
    });
  });
  Object.keys(answers).forEach(function (n) {  /* answers kept from an earlier session */
    var q = byN[n];
    if (!q) { delete answers[n]; return; }
    var r = $(q.id + "-a" + answers[n]);
    if (r) r.checked = true;
    lock(q); feedback(q, answers[n] === q.correct, true);
  });
  showResult();

  /* ---- the film pauses at a question's chapter end and offers it (skippable) ---- */
  var prompt = $("quiz-prompt"), promptFor = null, offered = {};
  function showPrompt(q) {
    promptFor = q; offered[q.n] = true;
    video.pause();
    $("quiz-prompt-text").textContent = tpl(S.prompt_text, { n: q.chapter, title: q.chapterTitle, text: q.text });
    prompt.hidden = false;
    $("quiz-prompt-heading").focus();
  }
  function hidePrompt(play) {
    prompt.hidden = true;
    promptFor = null;
    if (play) video.play().catch(function () {});
  }
  $("quiz-prompt-skip").addEventListener("click", function () { hidePrompt(true); });
  $("quiz-prompt-answer").addEventListener("click", function () {
    var fs = fieldset(promptFor);
    fs.scrollIntoView({ block: "center" });
    (fs.querySelector("input:checked") || fs.querySelector("input")).focus();
  });
  var last = 0;
  function due(from, to) {
    return Q.questions.filter(function (q) {
      var at = q.atMs / 1000;
      return answers[q.n] === undefined && !offered[q.n] && from < at && to >= at - 0.05;
    })[0];
  }
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime, d = video.duration || Q.durationMs / 1000;
    if (!video.seeking && !video.paused && t > last && t - last < 1.5) {
      for (var p = Math.floor(last / d * PARTS); p <= Math.min(PARTS - 1, Math.floor(t / d * PARTS)); p++) watched[p] = true;
      var q = due(last, t);
      if (q) showPrompt(q);
      updateWatched();
      $("watched").textContent = status === "completed" && !Q.questions.length ? S.completed
        : tpl(S.watched, { percent: Math.round(watchedPercent()) });
    }
    last = t;
  });
  video.addEventListener("seeked", function () { last = video.currentTime; });
  video.addEventListener("ended", function () {
    watched[PARTS - 1] = true;
    var q = due(last, (video.duration || 0) + 1);
    updateWatched();
    if (q) showPrompt(q);
    save();
  });
  video.addEventListener("pause", save);

  /* ---- resume where the learner stopped ---- */
  var loc = parseInt(get("cmi.core.lesson_location"), 10);
  if (loc > 0) {
    var resume = function () {
      if (loc < (video.duration || Q.durationMs / 1000) - 1) {
        video.currentTime = loc; last = loc;
        var st = $("status");
        if (st) st.textContent = tpl(S.resumed, { time: fmt(loc) });
        $("watched").textContent = tpl(S.resumed, { time: fmt(loc) });
      }
    };
    if (video.readyState >= 1) resume(); else video.addEventListener("loadedmetadata", resume, { once: true });
  }

  /* ---- leaving: keep the state, end the session ---- */
  var finished = false;
  function finish() {
    if (finished || !lms) return;
    finished = true;
    set("cmi.core.exit", "suspend");
    save();
    try { api.LMSFinish(""); } catch (e) { /* ignore */ }
  }
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);
})();
