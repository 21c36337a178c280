// Quire form behaviour: pages, live skip logic, validation, save & resume, review, submit.
// Routing and the record come from the runtime above (Quire.route / Quire.encode), so the
// form means exactly what the compiler and the codebook say.
(function () {
  "use strict";
  var started = performance.now();
  // Start-up in steps the browser's performance timeline shows (docs/BENCHMARKS.md).
  performance.mark("quire:start");
  var model = JSON.parse(document.getElementById("quire-model").textContent);
  // The record's tables: JSON, or (a long form's) a string of them deflated.
  model.tables = function () {
    var t = JSON.parse(document.getElementById("quire-record").textContent);
    return typeof t === "string" ? JSON.parse(Quire.inflated(t)) : t;
  };
  performance.mark("quire:parsed");
  // The first page's tables now; the rest once that page is shown (`complete`), or at once
  // when answers were saved.
  model = Quire.unpack(model, 0);
  performance.mark("quire:model");
  var form = document.getElementById("quire-form");
  var pages = Array.prototype.slice.call(document.querySelectorAll("section.page[data-page]"));
  var review = document.getElementById("review"), end = document.getElementById("end");
  // The response's identity is made once, when it starts, and kept with the answers: every
  // attempt to send carries it (Idempotency-Key), so a retry is never a second response.
  function newId() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : "r" + Date.now() + "-" + Math.floor(Math.random() * 1e9);
  }
  // What owns the saved response on the server (docs/serve.md): a secret made here, then
  // its resume code.
  function secret() {
    if (!state.secret) {
      state.secret = Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(16)), function (x) { return (x + 256).toString(16).slice(1); }).join("");
      save();
    }
    return state.resume_code || state.secret;
  }
  // The record's times: UTC to the second, `YYYY-MM-DDThh:mm:ssZ`.
  function utcNow() { return new Date().toISOString().replace(/\.\d{3}Z$/, "Z"); }
  function newState() {
    return { raw: {}, pilot: {}, page: 0, respondent: newId(), stage: "pages", saved_at: 0, started_at: utcNow(), submitted_at: null, confirmed: {}, sent: false };
  }
  var state = newState();
  // today() in conditions: the day this response was started (quire-core/src/data/records.rs).
  Object.defineProperty(model, "today", { get: function () { return typeof state.started_at === "string" ? state.started_at.slice(0, 10) : null; } });
  var key = model.storage_key;
  // Quire's own words in the form's language (quire-core/src/ui.rs): `{0}`, `{1}` filled in.
  function t(name) {
    var args = arguments, s = (model.ui && model.ui[name]) || name;
    return s.replace(/\{(\d)\}/g, function (m, i) { return String(args[+i + 1]); });
  }
  var resumeMs = (model.resume_hours || 0) * 3600 * 1000;

    function byId(id) { return document.getElementById(id); }
  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
    // Pages are built from their inert markup when first needed, and their elements indexed
  // then: lookups must not search the whole document (forms may have thousands of questions).
  var byName = {}, itemEls = [], questionEls = {}, otherEls = [], pipeEls = [], built = {};
  // Each page's questions, the variable that says whether each is asked (its first), each
  // conditional note's condition and each screening rule's page: of the pages unpacked.
  var pageQuestions, pageAsks, noteConditions, screenPage;
  function index() {
    pageQuestions = pages.map(function () { return []; });
    pageAsks = pages.map(function () { return []; });
    noteConditions = {};
    screenPage = {};
    model.items.forEach(function (it) {
      if (it.item === "question") {
        pageQuestions[it.page].push(it.id);
        pageAsks[it.page].push(it.variables[0]);
      } else if (it.item === "note") noteConditions[it.id] = it.condition;
      else if (it.item === "screen") screenPage[it.id] = it.page;
    });
  }
  index();
  // The whole form's tables and routing: before anything but showing the first page.
  var completed = false, shown = false;
  function complete() {
    if (completed) return;
    completed = true;
    Quire.unpack(model);
    index();
    if (shown) { reroute(); redraw(); show(); }
    performance.mark("quire:complete");
  }
  // Every handler completes the tables first.
  function on(target, type, handler) {
    target.addEventListener(type, function (e) { complete(); return handler.call(this, e); });
  }
  function inputs(name) { return byName[name] || []; }
  function materialize(i) {
    if (built[i]) return;
    built[i] = true;
    pages[i].innerHTML = Quire.pageHtml(model, i);
    all("input,textarea,select", pages[i]).forEach(function (e) { if (e.name) (byName[e.name] = byName[e.name] || []).push(e); });
    all("[data-question],[data-screen],[data-note]", pages[i]).forEach(function (el) {
      itemEls.push(el);
      if (el.dataset.question) questionEls[el.dataset.question] = el;
    });
    otherEls = otherEls.concat(all(".other[data-other-for]", pages[i]));
    pipeEls = pipeEls.concat(all(".pipe", pages[i]));
    writePage(i);
  }
  function setHidden(el, hide) { if (el.hidden !== hide) el.hidden = hide; }

  // ---- Saving ----
  // Never claim answers are saved when the browser refuses to store them.
  var storageOk = true;
  function storageRefused() {
    storageOk = false;
    byId("saved-note").hidden = true;
    byId("storage-note").hidden = false;
  }
  function save() {
    state.saved_at = Date.now();
    if (!storageOk) return;
    try { localStorage.setItem(key, JSON.stringify(state)); } catch (e) { storageRefused(); }
  }
  function forget() { try { localStorage.removeItem(key); } catch (e) { /* nothing stored */ } }
  function notice(text) {
    var n = byId("notice");
    n.textContent = text;
    n.hidden = !text;
  }
  // Answers saved by an earlier deployment of the same version: keep every one whose question
  // and choice still exist, and say which were dropped.
  function fit(s) {
    var dropped = [], owner = {}, has = function (k) { return Object.prototype.hasOwnProperty.call(owner, k); };
    // Each variable's question, the first in order (a write-in `<question>_other` too): one
    // pass, not one search per answer.
    model.items.forEach(function (it) {
      if (it.item !== "question") return;
      it.variables.concat([it.id + "_other"]).forEach(function (v) { if (!has(v)) owner[v] = it.id; });
    });
    Object.keys(s.raw || {}).forEach(function (v) {
      var id = has(v) ? owner[v] : undefined;
      var q = id && model.questions[id], a = s.raw[v];
      var values = q ? q.options.map(function (o) { return o.value; }) : [];
      var ok = !!q;
      if (q && v !== id + "_other" && a !== null && values.length) {
        if (Array.isArray(a)) ok = a.every(function (x) { return values.indexOf(x) >= 0; });
        else ok = values.indexOf(a) >= 0;
      }
      if (!ok) {
        delete s.raw[v];
        if (q && dropped.indexOf(q.number) < 0) dropped.push(q.number);
        else if (!q && dropped.indexOf(v) < 0) dropped.push(v);
      }
    });
    return dropped;
  }
  function load() {
    var s = null;
    try { s = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { s = null; }
    if (!s || typeof s !== "object") return;
    complete();
    // A finished response the server has not acknowledged never expires.
    var unsent = s.stage === "end" && !s.sent && model.submit_url;
    if (resumeMs && Date.now() - s.saved_at > resumeMs && !unsent) {
      forget();
      notice(t("saved_expired", model.resume_hours));
      return;
    }
    var dropped = fit(s);
    var fresh = newState();
    Object.keys(fresh).forEach(function (k) { if (s[k] === undefined || s[k] === null) s[k] = fresh[k]; });
    state = s;
    if (dropped.length) notice(t("changed", dropped.join(", ")));
  }

  // ---- Inputs <-> answers ----
  // Digits typed in another script (full-width, Arabic-Indic) are read as the digits they are.
  function asciiDigits(t) {
    return t.replace(/[\uFF10-\uFF19\u0660-\u0669\u06F0-\u06F9]/g, function (c) {
      var n = c.charCodeAt(0);
      return String(n >= 0xFF10 ? n - 0xFF10 : n >= 0x06F0 ? n - 0x06F0 : n - 0x0660);
    });
  }
  function readQuestion(id) {
    var q = model.questions[id];
    q.variables.forEach(function (v) {
      var els = inputs(v);
      if (q.kind === "multiple") {
        state.raw[v] = els.filter(function (e) { return e.checked; }).map(function (e) { return e.value; });
      } else if (q.kind === "single" || q.kind === "grid") {
        var c = els.filter(function (e) { return e.checked; })[0];
        state.raw[v] = c ? c.value : null;
      } else if (q.kind === "integer" || q.kind === "decimal") {
        var t = asciiDigits(els[0].value || "").replace(/\s+/g, "");
        // A thousands separator may be written (1,000); any other comma is ambiguous
        // (1,5 is not 15): the text is kept and refused with a reason, never reread.
        if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, "");
        state.raw[v] = t === "" ? null : (/^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t);
      } else {
        state.raw[v] = els[0].value === "" ? null : els[0].value;
      }
    });
    var other = byId(id + "_other");
    if (other) state.raw[id + "_other"] = other.value === "" ? null : other.value;
  }
    function writePage(i) {
    pageQuestions[i].forEach(function (id) {
      var q = model.questions[id];
      q.variables.forEach(function (v) {
        var a = state.raw[v];
        inputs(v).forEach(function (e) {
          if (e.type === "radio") e.checked = a === e.value;
          else if (e.type === "checkbox") e.checked = Array.isArray(a) && a.indexOf(e.value) >= 0;
          else e.value = a === null || a === undefined ? "" : String(a);
        });
      });
      var other = byId(id + "_other");
      if (other) other.value = state.raw[id + "_other"] || "";
    });
        Object.keys(state.pilot).forEach(function (k) { var e = byId(k); if (e) e.value = state.pilot[k]; });
  }

  // ---- Skip logic ----
  var route = null;
  function label(q, v) { return model.labels[q + "=" + v]; }
    // A screening rule takes effect when the respondent continues past its page, not while
  // they are still answering it (an unanswered consent question would otherwise end the
  // survey on arrival). The record's routing is unaffected.
  // Shown and answerable: not when routed past, nor when a blank filter answer leaves it
  // of unknown eligibility (the record codes that as missing).
  function asked(st) { return !!st && (st.state === "answered" || st.state === "missing"); }
  function refresh() { reroute(); redraw(); }
  function reroute() {
    route = Quire.route(model, state.raw, state.stage === "pages" ? { screensBefore: state.page } : undefined);
  }
  // Shows and hides the built pages' elements as `route` says.
  function redraw() {
    var ended = route.ended_by;
    var afterEnd = false;
        itemEls.forEach(function (el) {
      if (el.dataset.question) {
        var q = model.questions[el.dataset.question];
        var st = route.states[q.variables[0]];
        setHidden(el, afterEnd || !asked(st));
      } else if (el.dataset.screen) {
        var fired = el.dataset.screen === ended;
        setHidden(el, !fired);
        if (fired) afterEnd = true;
      } else {
        var cond = noteConditions[el.dataset.note];
        setHidden(el, afterEnd || (cond ? !Quire.holds(cond, envFor()) : false));
      }
    });
    otherEls.forEach(function (el) {
      var id = el.dataset.otherFor, a = state.raw[id], others = model.questions[id].options.filter(function (o) { return o.other; }).map(function (o) { return o.value; });
      setHidden(el, !(typeof a === "string" ? others.indexOf(a) >= 0 : Array.isArray(a) && a.some(function (v) { return others.indexOf(v) >= 0; })));
    });
    pipeEls.forEach(function (el) {
      var st = route.states[el.dataset.pipe];
      var v = st && st.state === "answered" ? st.value : null;
      el.textContent = v === null ? el.dataset.fallback : (typeof v === "string" && label(el.dataset.pipe, v) !== undefined ? label(el.dataset.pipe, v) : String(v));
    });
  }
  function envFor() {
    return { audience: model.audience, value: function (n) { var s = route.states[n]; return s && s.state === "answered" ? s.value : null; } };
  }
    // A page is shown when routing asks at least one of its questions.
  function pageVisible(i) {
    return pageAsks[i].some(function (v) { return asked(route.states[v]); });
  }
      function endsHere() {
    var full = Quire.route(model, state.raw);
    return full.ended_by !== null && screenPage[full.ended_by] === state.page;
  }

  // ---- Validation ----
    // Problems with the answers on page i, up to a screening rule that ends the survey there.
    function problems(i) {
    materialize(i);
    refresh();
    var out = [], full = Quire.route(model, state.raw), stopped = false;
    Array.prototype.slice.call(pages[i].querySelectorAll("[data-question],[data-screen]")).forEach(function (el) {
      if (el.dataset.screen) { if (el.dataset.screen === full.ended_by) stopped = true; return; }
      if (el.hidden || stopped) return;
      var id = el.dataset.question, q = model.questions[id], msg = null;
      var answered = q.variables.some(function (v) { return Quire.normalised(state.raw[v]) !== null; });
      var all = q.variables.every(function (v) { return Quire.normalised(state.raw[v]) !== null; });
      var a = state.raw[q.variables[0]];
      if (q.required && !all) msg = t(q.kind === "multiple" || q.kind === "single" ? "select_answer" : q.kind === "grid" ? "answer_rows" : "enter_answer", named(id));
      else if (answered && (q.kind === "integer" || q.kind === "decimal")) {
        if (typeof a === "string" && a.indexOf(",") >= 0) msg = t("decimal_comma", q.number);
        else if (typeof a === "string" && /e/i.test(a)) msg = t("exponent", q.number);
        else if (typeof a !== "number" || (q.kind === "integer" && !Number.isInteger(a))) msg = t(q.kind === "integer" ? "whole_number" : "number", q.number);
        else if (q.min !== null && a < q.min) msg = t("at_least", q.min);
        else if (q.max !== null && a > q.max) msg = t("at_most", q.max);
        else if (q.decimals !== null && q.kind === "decimal" && (String(a).split(".")[1] || "").length > q.decimals) msg = t("decimals", q.decimals);
      } else if (answered && q.kind === "date" && !realDate(a)) msg = t("date", q.number);
      else if (answered && q.max_length && typeof a === "string" && a.length > q.max_length) msg = t("max_length", q.max_length);
      else if (answered && q.kind === "multiple") {
        var n = Array.isArray(a) ? a.length : 0;
        if (q.min_selected && n < q.min_selected) msg = t("min_selected", q.min_selected);
        else if (q.max_selected && n > q.max_selected) msg = t("max_selected", q.max_selected);
      }
      var warning = false;
      if (!msg && answered) {
        q.validations.forEach(function (v) { if (!msg && !v.warning && !Quire.holds(v.check, envFor())) msg = v.message; });
        // Soft checks: asked once; the respondent may confirm the answer as it is.
        if (!msg) q.validations.forEach(function (v) {
          if (!msg && v.warning && !Quire.holds(v.check, envFor()) && state.confirmed[id] !== signature(q)) { msg = v.message; warning = true; }
        });
      }
      var err = byId("error-" + id);
      err.hidden = !msg;
      err.textContent = msg ? t(warning ? "check_prefix" : "error_prefix", msg) : "";
      el.classList.toggle("has-error", !!msg && !warning);
      el.classList.toggle("has-warning", warning);
      if (msg) {
        var first = el.querySelector("input,textarea");
        out.push({ id: first ? first.id : "q-" + id, question: id, message: msg, warning: warning });
      }
    });
    return out;
  }
  // What a soft check's confirmation holds to: the answers as they were when confirmed.
  function signature(q) { return JSON.stringify(q.variables.map(function (v) { return state.raw[v]; })); }
  // "Q9, “Do you have a formal care coordinator?”": error messages name the question.
  function named(id) { return model.questions[id].number + ", “" + questionText(id).replace(/^Q\d+\s*/, "") + "”"; }
  function realDate(a) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(a));
    if (!m) return false;
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return +m[1] >= 1000 && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
  }
  function showSummary(list) {
    var box = byId("error-summary"), ul = byId("error-list");
    var soft = list.length > 0 && list.every(function (p) { return p.warning; });
    byId("error-summary-title").textContent = t(soft ? "please_check_answers" : "problem");
    byId("warning-help").hidden = !soft;
    box.classList.toggle("warning-summary", soft);
    ul.textContent = "";
    list.forEach(function (p) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "#" + p.id;
      a.textContent = p.message;
      on(a, "click", function (e) { e.preventDefault(); var t = byId(p.id); if (t) t.focus(); });
      li.appendChild(a);
      ul.appendChild(li);
    });
    box.hidden = list.length === 0;
    retitle(list.length > 0, soft);
    if (list.length) box.focus();
  }

  // ---- Pages, review, end ----
  function show() {
    pages.forEach(function (p, i) { p.hidden = state.stage !== "pages" || i !== state.page; });
    review.hidden = state.stage !== "review";
    end.hidden = state.stage !== "end";
    byId("back").hidden = state.stage === "end" || (state.stage === "pages" && firstVisible() === state.page);
    byId("next").hidden = state.stage === "end";
    byId("next").textContent = t(state.stage === "review" ? (model.submit_url ? "send" : "finish") : "continue");
    // Progress counts the pages routing shows: it waits for the whole form's tables.
    if (!completed) return;
    var visible = pages.map(function (_, i) { return i; }).filter(pageVisible);
    var at = state.stage === "pages" ? visible.indexOf(state.page) + 1 : visible.length;
    byId("progress-text").textContent = state.stage === "pages" ? t("page_of", at, visible.length) : t(state.stage === "review" ? "check_answers" : "finished");
    byId("progress").value = visible.length ? at / visible.length : 1;
  }
  // Browser Back and Forward move between the form's pages, and each page has its own title.
  var baseTitle = document.title;
  function where() { return state.stage === "pages" ? "page-" + state.page : state.stage; }
  function heading() { var h = document.querySelector("section.page:not([hidden]) h1"); return h ? h.textContent.trim() : ""; }
  function retitle(errors, soft) { var h = heading() + " – " + baseTitle; document.title = errors ? t(soft ? "title_check" : "error_prefix", h) : h; }
  // Served by `quire serve`: the response so far is saved on the server at each page, and
  // the respondent gets a code to continue on another device within the resume window.
  var partialTimer = null;
  function savePartial() {
    if (!model.server || model.keying || state.sent || state.stage === "end" || !window.fetch) return;
    clearTimeout(partialTimer);
    partialTimer = setTimeout(function () {
      var body = { record: record(), state: { raw: state.raw, pilot: state.pilot, page: state.page, stage: state.stage, started_at: state.started_at, confirmed: state.confirmed } };
      var headers = { "Content-Type": "application/json", "X-Quire-Secret": secret() };
      if (state.invite) headers["X-Quire-Invitation"] = state.invite;
      fetch(model.server.partials + encodeURIComponent(state.respondent), { method: "PUT", headers: headers, body: JSON.stringify(body) })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j || !j.resume_code) return;
          state.resume_code = j.resume_code;
          save();
          showResume();
        })
        .catch(function () { /* kept in this browser; the next page tries again */ });
    }, 300);
  }
  function showResume() {
    var n = byId("resume-note");
    if (!state.resume_code || !model.server) { n.hidden = true; return; }
    var link = location.origin + model.server.form + "?resume=" + encodeURIComponent(state.resume_code);
    n.textContent = model.resume_hours ? t("resume_code_within", model.resume_hours, state.resume_code, link) : t("resume_code", state.resume_code, link);
    n.hidden = false;
  }
  function navigated() {
    savePartial();
    retitle(false);
    if (window.history && history.pushState) {
      try { history.pushState({ quire: where() }, "", "#at-" + where()); } catch (e) { /* file:// in some browsers */ }
    }
  }
  on(window, "popstate", function (e) {
    var to = e.state && e.state.quire;
    if (!to || state.stage === "end") return;
    showSummary([]);
    if (to === "review") { state.stage = "review"; buildReview(); }
    else if (to.indexOf("page-") === 0) {
      var p = Number(to.slice(5));
      if (!pageVisible(p)) return;
      state.stage = "pages"; state.page = p; materialize(p);
    } else return;
    refresh(); save(); show(); retitle(false); focusHeading();
  });
  function firstVisible() { for (var i = 0; i < pages.length; i++) if (pageVisible(i)) return i; return 0; }
  function nextVisible(from, step) {
    for (var i = from + step; i >= 0 && i < pages.length; i += step) if (pageVisible(i)) return i;
    return -1;
  }
  function focusHeading() { var h = document.querySelector("section.page:not([hidden]) h1"); if (h) { h.tabIndex = -1; h.focus(); } }
  function answerText(q, v) {
    var a = state.raw[v];
    if (a === null || a === undefined || (Array.isArray(a) && !a.length)) return t("not_answered");
    var other = state.raw[q + "_other"];
    var opts = model.questions[q].options;
    var withOther = function (x) {
      var o = opts.filter(function (p) { return p.value === x; })[0];
      return label(q, x) + (o && o.other && other ? ": " + other : "");
    };
    if (Array.isArray(a)) return a.map(withOther).join(", ");
    if (typeof a === "string" && label(q, a) !== undefined) return withOther(a);
    return String(a);
  }
  // The question as the respondent read it (its legend or label, piped text included).
  function questionText(id) {
    materialize(model.questions[id].page);
    var el = questionEls[id], l = el && el.querySelector("legend, .question-label");
    var m = l && l.querySelector(".marker"), t = l ? l.textContent : model.questions[id].label;
    if (m) t = t.replace(m.textContent, "");
    return t.replace(/\s+/g, " ").trim();
  }
  // "Check your answers": in questionnaire order, by section, as the respondent read them.
  function buildReview() {
    var box = byId("review-list");
    box.textContent = "";
    var lists = {};
    model.items.forEach(function (it) {
      if (it.item !== "question") return;
      var id = it.id, q = model.questions[id], st = route.states[q.variables[0]];
      if (!asked(st)) return;
      if (!lists[q.page]) {
        var h = document.createElement("h2");
        h.textContent = model.pages[q.page].title;
        lists[q.page] = document.createElement("dl");
        lists[q.page].className = "review";
        box.appendChild(h);
        box.appendChild(lists[q.page]);
      }
      var dl = lists[q.page], text = questionText(id);
      q.variables.forEach(function (v, k) {
        var dt = document.createElement("dt"), dd = document.createElement("dd"), dd2 = document.createElement("dd"), b = document.createElement("button");
        dt.textContent = q.rows.length ? text + ": " + q.rows[k].label : text;
        dd.textContent = answerText(id, v);
        b.type = "button";
        b.className = "link";
        b.textContent = t("change");
        b.setAttribute("aria-label", t("change_aria", dt.textContent));
        on(b, "click", function () {
          state.stage = "pages";
          state.page = q.page;
          state.return_to_review = true;
          materialize(q.page);
          refresh(); save(); show(); navigated();
          var t = questionEls[id].querySelector("input,textarea");
          if (t) t.focus();
        });
        dd2.appendChild(b);
        dl.appendChild(dt); dl.appendChild(dd); dl.appendChild(dd2);
      });
    });
  }
  // Soft checks shown on their own: Continue again confirms the answers as they are.
  function confirmable(list) {
    if (!list.every(function (p) { return p.warning; })) return;
    list.forEach(function (p) { state.confirmed[p.question] = signature(model.questions[p.question]); });
    save();
  }
  function record() {
    if (!state.respondent) state.respondent = newId();
    var rec = Quire.encode(model, Quire.route(model, state.raw), state.raw, state.respondent, {
      mode: model.keying ? (state.mode || "paper") : "web", language: model.language, started_at: state.started_at, submitted_at: state.submitted_at,
    });
    if (model.pilot) model.pages.forEach(function (p) { rec["pilot_" + p.id] = state.pilot["pilot_" + p.id] || ""; });
    return rec;
  }
  function csvCell(v) { var s = String(v); return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }
  function download(name, text, type) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
    function endMessage() {
    var ended = Quire.route(model, state.raw).ended_by;
    var screen = model.items.filter(function (i) { return i.item === "screen" && i.id === ended; })[0];
    byId("end-message").textContent = "";
    // A screening rule ended the survey: its message, and a way back to a mistyped answer.
    byId("change-screen").hidden = !screen || state.sent;
    if (!screen) return;
    var p = document.createElement("p");
    p.textContent = screen.message;
    byId("end-message").appendChild(p);
  }
  function finish() {
    state.stage = "end";
    // The time the respondent finished; a retried send keeps it.
    if (!state.sent) state.submitted_at = utcNow();
    endMessage();
    save();
    show();
    navigated();
    focusHeading();
    if (model.submit_url) submit();
    else byId("start-new").hidden = false;
  }

  // ---- Sending ----
  // One send at a time; no answer within the timeout is a failure, tried again with growing
  // waits and when back online. Success is a 2xx. A refusal (4xx but 408, 429) would come
  // again: its reason is shown, the answers kept, and it is tried again only when asked.
  var sending = false, attempts = 0, retryTimer = null;
  function setHeading(text) { byId("end-title").textContent = text; }
  function submit() {
    if (sending || state.sent || !model.submit_url) return;
    sending = true;
    clearTimeout(retryTimer);
    var status = byId("submit-status"), retry = byId("retry");
    status.textContent = t("sending");
    retry.disabled = true;
    var ctrl = window.AbortController ? new AbortController() : null;
    var seconds = model.submit_timeout_s || 30;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, seconds * 1000);
    var headers = { "Content-Type": "application/json", "Idempotency-Key": state.respondent };
    if (state.invite) headers["X-Quire-Invitation"] = state.invite;
    if (model.server) headers["X-Quire-Secret"] = secret();
    // A keyed return is the study team's: the keying view's token says so.
    var token = model.keying && new URLSearchParams(location.search).get("token");
    if (token) headers.Authorization = "Bearer " + token;
    fetch(model.submit_url, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(record()),
      signal: ctrl ? ctrl.signal : undefined,
    })
      .then(function (r) {
        if (r.ok) return;
        return r.json().catch(function () { return {}; }).then(function (j) {
          var f = new Error(typeof (j || {}).error == "string" ? j.error : "the server answered " + r.status);
          f.refused = r.status < 500 && r.status !== 408 && r.status !== 429;
          f.wait = +r.headers.get("Retry-After") || 0;
          throw f;
        });
      })
      .then(function () {
        state.sent = true;
        setHeading(t("thank_you"));
        status.textContent = t("sent");
        retry.hidden = true;
        byId("start-new").hidden = false;
        // Acknowledged: nothing stays behind on a shared device.
        forget();
      })
      .catch(function (e) {
        var why = e && e.name === "AbortError" ? "no answer from the server in " + seconds + " seconds" : e.message;
        setHeading(t("not_sent"));
        status.textContent = t("send_failed", why);
        retry.hidden = false;
        if (!e.refused) {
          attempts += 1;
          retryTimer = setTimeout(submit, Math.max(Math.min(300, 5 * Math.pow(3, attempts - 1)), Math.min(3600, e.wait || 0)) * 1000);
        }
        save();
      })
      .then(function () {
        clearTimeout(timer);
        sending = false;
        retry.disabled = false;
      });
  }
  on(window, "online", function () { if (state.stage === "end" && !state.sent) submit(); });

  // ---- Events ----
  on(form, "change", function (e) {
    var t = e.target;
    if (t.dataset && t.dataset.pilot) { state.pilot[t.id] = t.value; save(); return; }
    var el = t.closest("[data-question]");
    if (!el) return;
    if (t.type === "checkbox" && t.checked) {
      inputs(t.name).forEach(function (o) { if (o !== t && (t.dataset.exclusive || o.dataset.exclusive)) o.checked = false; });
    }
    readQuestion(el.dataset.question);
    refresh();
    save();
  });
  on(form, "input", function (e) {
    var t = e.target;
    if (t.dataset && t.dataset.pilot) { state.pilot[t.id] = t.value; save(); return; }
    var el = t.closest("[data-question]");
    if (el && (t.tagName === "TEXTAREA" || t.type === "text" || t.type === "date")) { readQuestion(el.dataset.question); refresh(); save(); }
  });
    on(byId("next"), "click", function () {
    if (state.stage === "review") {
      // Before sending, every page the respondent is routed through must be valid.
      for (var i = 0; i < pages.length; i++) {
        if (!pageVisible(i)) continue;
        var list = problems(i);
        if (list.length) { state.stage = "pages"; state.page = i; refresh(); show(); showSummary(list); confirmable(list); return; }
      }
      finish();
      return;
    }
    var list = problems(state.page);
    showSummary(list);
    if (list.length) { confirmable(list); return; }
        if (endsHere()) { finish(); return; }
    var n = nextVisible(state.page, 1);
    if (n < 0 || state.return_to_review) { state.return_to_review = false; state.stage = "review"; buildReview(); } else { state.page = n; materialize(n); }
    refresh(); save(); show(); navigated(); focusHeading();
  });
  on(byId("back"), "click", function () {
    showSummary([]);
    if (state.stage === "review") { state.stage = "pages"; state.page = nextVisible(pages.length, -1); }
    else { var p = nextVisible(state.page, -1); if (p >= 0) state.page = p; }
    materialize(state.page);
    refresh(); save(); show(); navigated(); focusHeading();
  });
  function restart() {
    forget();
    clearTimeout(retryTimer);
    state = newState();
    form.reset();
    Object.keys(built).forEach(function (i) { writePage(Number(i)); });
    notice("");
    byId("start-new").hidden = true;
    byId("retry").hidden = true;
    byId("submit-status").textContent = "";
    setHeading(t(model.submit_url ? "not_sent" : "complete"));
    state.page = firstVisible();
    materialize(state.page);
    refresh(); show(); focusHeading();
  }
  on(byId("clear"), "click", function () {
    if (!window.confirm(t("confirm_clear"))) return;
    restart();
  });
  on(byId("start-new"), "click", function () {
    if (!state.sent && !window.confirm(t("confirm_new"))) return;
    restart();
  });
  function fileName(ext) { return model.survey + "-" + state.respondent + "." + ext; }
  on(byId("download-json"), "click", function () { download(fileName("json"), JSON.stringify(record(), null, 2), "application/json"); });
  on(byId("download-csv"), "click", function () {
    var rec = record(), names = Object.keys(rec);
    download(fileName("csv"), names.map(csvCell).join(",") + "\r\n" + names.map(function (n) { return csvCell(rec[n]); }).join(",") + "\r\n", "text/csv");
  });
  on(byId("retry"), "click", submit);
  on(byId("change-screen"), "click", function () {
    var ended = Quire.route(model, state.raw).ended_by;
    if (ended === null || state.sent) return;
    clearTimeout(retryTimer);
    state.stage = "pages";
    state.page = screenPage[ended];
    materialize(state.page);
    refresh(); save(); show(); navigated(); focusHeading();
  });
  // Another tab of the same response saved: take its answers, so neither tab writes a stale
  // copy over the other's.
  on(window, "storage", function (e) {
    if (e.key !== key) return;
    var s = null;
    try { s = JSON.parse(e.newValue || "null"); } catch (err) { s = null; }
    if (!s) { restart(); return; }
    fit(s);
    var page = state.page, stage = state.stage;
    state = s;
    if (stage === "pages" && state.stage === "pages") state.page = page;
    Object.keys(built).forEach(function (i) { writePage(Number(i)); });
    materialize(state.page);
    refresh(); show();
  });

  if (model.keying) {
    all("input[name=quire-mode]").forEach(function (e) {
      on(e, "change", function () { if (e.checked) { state.mode = e.value; save(); } });
    });
  }
  // Another device's response, by its resume code (`?resume=CODE`).
  function resumeFrom(code) {
    fetch(model.server.resume + encodeURIComponent(code))
      .then(function (r) { if (r.status === 410) throw new Error("expired"); if (!r.ok) throw new Error("unknown"); return r.json(); })
      .then(function (j) {
        complete();
        var s = newState();
        Object.keys(j.state || {}).forEach(function (k) { s[k] = j.state[k]; });
        s.respondent = j.respondent_id;
        s.resume_code = code;
        if (s.stage === "end") s.stage = "review";
        fit(s);
        state = s;
        save();
        Object.keys(built).forEach(function (i) { writePage(Number(i)); });
        refresh();
        if (state.stage === "pages" && !pageVisible(state.page)) state.page = firstVisible();
        materialize(state.page);
        if (state.stage === "review") buildReview();
        refresh(); show(); showResume(); retitle(false);
        notice(t("welcome_back"));
      })
      .catch(function (e) {
        notice(t(e.message === "expired" ? "code_expired" : "code_unknown"));
      });
  }
  try {
    localStorage.setItem(key + ":probe", "1");
    localStorage.removeItem(key + ":probe");
  } catch (e) { storageRefused(); }
  load();
  // A new response's first page is routed alone, and the rest of the form completed once that
  // page is shown. Otherwise one routing pass (two only when the saved page is no longer shown).
  if (!completed) {
    route = Quire.route(model, state.raw, { screensBefore: state.page, prefix: true });
    if (!pageVisible(state.page)) complete();
  }
  if (completed) {
    reroute();
    if (state.stage === "pages" && !pageVisible(state.page)) {
      state.page = firstVisible();
      reroute();
    }
  }
  performance.mark("quire:routed");
  materialize(state.page);
  redraw();
  performance.mark("quire:page");
    if (state.stage === "review") buildReview();
  if (state.stage === "end") {
    endMessage();
    // Finished but not sent (a failed POST, then a reload): say so, and send again.
    if (model.submit_url && !state.sent) {
      byId("submit-status").textContent = t("not_sent_kept");
      byId("retry").hidden = false;
      submit();
    } else if (!model.submit_url) byId("start-new").hidden = false;
  }
  show();
  retitle(false);
  showResume();
  if (model.keying) {
    var m = byId("mode--" + (state.mode || "paper"));
    if (m) m.checked = true;
  }
  var params = new URLSearchParams(location.search);
  if (params.get("invite")) { state.invite = params.get("invite"); save(); }
  if (params.get("resume") && model.server && window.fetch) resumeFrom(params.get("resume").trim().toUpperCase());
  if (window.history && history.replaceState) {
    try { history.replaceState({ quire: where() }, "", "#at-" + where()); } catch (e) { /* file:// in some browsers */ }
  }
  // Printing shows every page the respondent is routed through.
  on(window, "beforeprint", function () { pages.forEach(function (_, i) { materialize(i); }); refresh(); });
  shown = true;
  performance.mark("quire:ready");
  if (!completed) {
    // After the first frame is drawn; a hidden tab, which draws none, completes on a timer.
    if (window.requestAnimationFrame) requestAnimationFrame(function () { setTimeout(complete, 0); });
    setTimeout(complete, 250);
  }
  window.QuireForm = {
    record: function () { complete(); return record(); },
    state: function () { return state; },
    route: function () { complete(); return route; },
    startupMs: performance.now() - started
  };
})();
