// Quire form runtime: the expression semantics of quire-core/src/eval.rs, in JavaScript.
// Conditions arrive as the model's syntax trees (JSON); this file gives them the same
// meaning as the Rust evaluator, checked by a differential test (tests/suite/differential.rs).
"use strict";

var Quire = (function () {
  // Empty text and empty selections are "no answer"; so are non-finite numbers.
  function normalised(v) {
    if (v === undefined || v === null) return null;
    if (typeof v === "string" && v.length === 0) return null;
    if (Array.isArray(v) && v.length === 0) return null;
    if (typeof v === "number" && !isFinite(v)) return null;
    return v;
  }

  function isList(v) { return v !== null && typeof v === "object" && !Array.isArray(v) && Array.isArray(v.items); }
  function truth(v) { return v === true; }

  function equal(l, r) {
    if (typeof l === "number" && typeof r === "number") return l === r;
    if (typeof l === "string" && typeof r === "string") return l === r;
    if (typeof l === "boolean" && typeof r === "boolean") return l === r;
    return false;
  }

  // Strings order by Unicode code point, which is the UTF-8 byte order Rust uses.
  function compareStrings(a, b) {
    var x = Array.from(a), y = Array.from(b), n = Math.min(x.length, y.length);
    for (var i = 0; i < n; i++) {
      var d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return x.length === y.length ? 0 : (x.length < y.length ? -1 : 1);
  }

  function member(l, r) {
    if (!isList(r)) return false;
    for (var i = 0; i < r.items.length; i++) if (equal(l, r.items[i])) return true;
    return false;
  }

  function binary(op, l, r) {
    switch (op) {
      case "eq": return equal(l, r);
      case "ne": return !equal(l, r);
      case "in": return member(l, r);
      case "not_in": return !member(l, r);
      case "lt": case "le": case "gt": case "ge": {
        var c = null;
        if (typeof l === "number" && typeof r === "number") c = l < r ? -1 : (l > r ? 1 : (l === r ? 0 : null));
        else if (typeof l === "string" && typeof r === "string") c = compareStrings(l, r);
        if (c === null) return false;
        return op === "lt" ? c < 0 : op === "le" ? c <= 0 : op === "gt" ? c > 0 : c >= 0;
      }
      case "add": case "sub": case "mul": case "div": {
        if (typeof l !== "number" || typeof r !== "number") return null;
        var v;
        if (op === "add") v = l + r;
        else if (op === "sub") v = l - r;
        else if (op === "mul") v = l * r;
        else { if (r === 0) return null; v = l / r; }
        return normalised(v);
      }
      case "and": return truth(l) && truth(r);
      case "or": return truth(l) || truth(r);
    }
    return null;
  }

  function call(fn, args, env) {
    return callValues(fn, args.map(function (x) { return evaluate(x, env); }), env);
  }

  // As eval.rs date(): a real day YYYY-MM-DD (years 1000-9999), as [y, m, d].
  function dateOf(v) {
    if (typeof v !== "string" || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v)) return null;
    var y = +v.slice(0, 4), m = +v.slice(5, 7), d = +v.slice(8, 10);
    var leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    var md = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    return y >= 1000 && m >= 1 && m <= 12 && d >= 1 && d <= md[m - 1] ? [y, m, d] : null;
  }
  function daysOf(t) {
    var y = t[1] <= 2 ? t[0] - 1 : t[0], era = Math.floor(y / 400), yoe = y - era * 400;
    var doy = Math.floor((153 * ((t[1] + 9) % 12) + 2) / 5) + t[2] - 1;
    return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  }
  var patterns = {};
  function matches(p, t) {
    if (!Object.prototype.hasOwnProperty.call(patterns, p)) {
      try { patterns[p] = new RegExp("^(?:" + p + ")$", "u"); } catch (e) { patterns[p] = null; }
    }
    return patterns[p] !== null && patterns[p].test(t);
  }
  function numbers(args) {
    if (!args.length) return null;
    for (var i = 0; i < args.length; i++) if (typeof args[i] !== "number") return null;
    return args;
  }

  function callValues(fn, args, env) {
    var a = function (i) { return i < args.length ? args[i] : null; };
    var n;
    switch (fn) {
      case "answered": return a(0) !== null;
      case "count": {
        var v = a(0);
        if (Array.isArray(v)) return v.length;
        return v === null ? 0 : null;
      }
      case "selected": {
        var q = a(0), w = a(1);
        if (typeof w !== "string") return false;
        if (Array.isArray(q)) return q.indexOf(w) >= 0;
        if (typeof q === "string") return q === w;
        return false;
      }
      case "score": {
        var sv = a(0), vals = a(1), scs = a(2);
        if (typeof sv !== "string" || !isList(vals) || !isList(scs)) return null;
        for (var k = 0; k < vals.items.length; k++) {
          if (vals.items[k] === sv) return k < scs.items.length && typeof scs.items[k] === "number" ? scs.items[k] : null;
        }
        return null;
      }
      case "sum": n = numbers(args); return n && normalised(n.reduce(function (x, y) { return x + y; }, 0));
      case "min": n = numbers(args); return n && normalised(Math.min.apply(null, n));
      case "max": n = numbers(args); return n && normalised(Math.max.apply(null, n));
      case "coalesce": for (var c = 0; c < args.length; c++) if (args[c] !== null) return args[c]; return null;
      case "if": return truth(a(0)) ? a(1) : a(2);
      case "today": return env && typeof env.today === "function" ? env.today() : null;
      case "years_between": {
        var f = dateOf(a(0)), t = dateOf(a(1));
        if (!f || !t) return null;
        var years = t[0] - f[0];
        if (t[1] < f[1] || (t[1] === f[1] && t[2] < f[2])) years--;
        return years;
      }
      case "days_between": {
        var f2 = dateOf(a(0)), t2 = dateOf(a(1));
        return f2 && t2 ? daysOf(t2) - daysOf(f2) : null;
      }
      case "matches": return typeof a(0) === "string" && typeof a(1) === "string" && matches(a(1), a(0));
      case "length": return typeof a(0) === "string" ? Array.from(a(0)).length : null;
      case "substr": {
        var st = a(1), ln = a(2);
        if (typeof a(0) !== "string" || typeof st !== "number" || typeof ln !== "number" || st < 1 || ln < 0 || st % 1 !== 0 || ln % 1 !== 0) return null;
        var from = Math.min(st - 1, 1e9);
        return normalised(Array.from(a(0)).slice(from, from + Math.min(ln, 1e9)).join(""));
      }
      case "number": {
        var s = a(0);
        return typeof s === "string" && /^-?[0-9]{1,30}(\.[0-9]{1,30})?$/.test(s) ? normalised(Number(s)) : null;
      }
      case "mod": {
        var x = a(0), y = a(1);
        return typeof x === "number" && typeof y === "number" && y !== 0 ? normalised(x - y * Math.floor(x / y)) : null;
      }
    }
    return null;
  }

  // env: { value(name) -> answer or null, audience: "id" }
  function evaluate(e, env) {
    switch (e.node) {
      case "number": return e.value;
      case "string": return e.value;
      case "bool": return e.value;
      case "list": return { items: e.items.map(function (i) { return evaluate(i, env); }) };
      case "var": return e.name === "audience" ? env.audience : normalised(env.value(e.name));
      case "not": return !truth(evaluate(e.operand, env));
      case "neg": { var v = evaluate(e.operand, env); return typeof v === "number" ? -v : null; }
      case "binary":
        if (e.op === "and") return truth(evaluate(e.left, env)) && truth(evaluate(e.right, env));
        if (e.op === "or") return truth(evaluate(e.left, env)) || truth(evaluate(e.right, env));
        return binary(e.op, evaluate(e.left, env), evaluate(e.right, env));
      case "call": {
        var over = overRows(e.function, e.args, env, false);
        return over !== NOT_ROWS ? over : call(e.function, e.args, env);
      }
    }
    return null;
  }

  function holds(e, env) { return truth(evaluate(e, env)); }

  // ---- Rows (eval.rs, over_rows): env.rows(name) gives a roster's rows as envs, or null when
  // `name` is no roster there; env.row() a row's number. `p`: three-valued (partial_over_rows).
  var NOT_ROWS = {}, OVER_ROWS = { count: 1, any: 1, all: 1, sum: 1, min: 1, max: 1, at: 1 };
  function overRows(fn, args, env, p) {
    if (fn === "row") return env.row ? env.row() : null;
    var rows = OVER_ROWS[fn] && args.length && args[0].node === "var" && env.rows ? env.rows(args[0].name) : null;
    if (!rows) return NOT_ROWS;
    var x = args[1], i, t, n = 0, vs = [], seen = {};
    if (!x) return fn === "count" ? rows.length : null;
    if (fn === "at") {
      var k = p ? partial(x, env) : evaluate(x, env);
      if (k === UNKNOWN) return UNKNOWN;
      if (!args[2] || typeof k !== "number" || k < 1 || Math.floor(k) !== k || k > rows.length) return null;
      return p ? partial(args[2], rows[k - 1]) : evaluate(args[2], rows[k - 1]);
    }
    for (i = 0; i < rows.length; i++) {
      if (fn === "sum" || fn === "min" || fn === "max") {
        t = p ? partial(x, rows[i]) : evaluate(x, rows[i]);
        if (t === UNKNOWN) return UNKNOWN;
        if (typeof t === "number") vs.push(t);
      } else {
        t = p ? truth3(x, rows[i]) : (holds(x, rows[i]) ? "true" : "false");
        seen[t] = 1;
        if (t === "true") n++;
      }
    }
    if (fn === "count") return seen.unknown ? UNKNOWN : n;
    if (fn === "any") return seen["true"] ? true : seen.unknown ? UNKNOWN : false;
    if (fn === "all") return seen["false"] ? false : seen.unknown ? UNKNOWN : true;
    if (fn === "sum") return normalised(vs.reduce(function (a, b) { return a + b; }, 0));
    return vs.length ? Math[fn].apply(null, vs) : null;
  }

  // ---- Unknown answers (quire-core/src/eval.rs, truth and partial): Kleene's three-valued logic --------
  // env.partial(name) returns UNKNOWN for a variable whose answer is missing or whose
  // eligibility is unknown.
  var UNKNOWN = { unknown: true };

  function truth3(e, env) {
    var v = partial(e, env);
    return v === UNKNOWN ? "unknown" : (v === true ? "true" : "false");
  }

  function partial(e, env) {
    switch (e.node) {
      case "number": case "string": case "bool": return e.value;
      case "list": {
        var items = [];
        for (var i = 0; i < e.items.length; i++) {
          var x = partial(e.items[i], env);
          if (x === UNKNOWN) return UNKNOWN;
          items.push(x);
        }
        return { items: items };
      }
      case "var": {
        if (e.name === "audience") return env.audience;
        var v = env.partial(e.name);
        return v === UNKNOWN ? UNKNOWN : normalised(v);
      }
      case "not": {
        var t = truth3(e.operand, env);
        return t === "unknown" ? UNKNOWN : t === "false";
      }
      case "neg": {
        var n = partial(e.operand, env);
        if (n === UNKNOWN) return UNKNOWN;
        return typeof n === "number" ? -n : null;
      }
      case "binary": {
        if (e.op === "and" || e.op === "or") {
          var l3 = truth3(e.left, env), r3 = truth3(e.right, env);
          var decisive = e.op === "and" ? "false" : "true";
          if (l3 === decisive || r3 === decisive) return decisive === "true";
          if (l3 === "unknown" || r3 === "unknown") return UNKNOWN;
          return decisive !== "true";
        }
        var l = partial(e.left, env), r = partial(e.right, env);
        if (l === UNKNOWN || r === UNKNOWN) return UNKNOWN;
        return binary(e.op, l, r);
      }
      case "call": {
        var over = overRows(e.function, e.args, env, true);
        if (over !== NOT_ROWS) return over;
        if (e.function === "if" && e.args.length === 3) {
          var c3 = truth3(e.args[0], env);
          if (c3 === "true") return partial(e.args[1], env);
          if (c3 === "false") return partial(e.args[2], env);
          var pa = partial(e.args[1], env), pb = partial(e.args[2], env);
          return pa !== UNKNOWN && pb !== UNKNOWN && JSON.stringify(pa) === JSON.stringify(pb) ? pa : UNKNOWN;
        }
        if (e.function === "coalesce") {
          for (var j = 0; j < e.args.length; j++) {
            var pj = partial(e.args[j], env);
            if (pj === UNKNOWN) return UNKNOWN;
            if (pj !== null) return pj;
          }
          return null;
        }
        var args = [];
        for (var k = 0; k < e.args.length; k++) {
          var a = partial(e.args[k], env);
          if (a === UNKNOWN) return UNKNOWN;
          args.push(a);
        }
        return callValues(e.function, args, env);
      }
    }
    return null;
  }

  // ---- Routing (quire-core/src/model.rs, Questionnaire::route) -----------------------------------------
  // form: { audience, items: [{question|screen}], derived: [...], variables: [...] }

  function derive(form, d, env) {
    if (d.audiences.indexOf(form.audience) < 0) return null;
    if (d.rule === "expr") return evaluate(d.expr, env);
    for (var i = 0; i < d.cases.length; i++) if (holds(d.cases[i].when, env)) return d.cases[i].value;
    return null;
  }

  function derivePartial(form, d, env) {
    if (d.audiences.indexOf(form.audience) < 0) return null;
    if (d.rule === "expr") return partial(d.expr, env);
    for (var i = 0; i < d.cases.length; i++) {
      var t = truth3(d.cases[i].when, env);
      if (t === "true") return d.cases[i].value;
      if (t === "unknown") return UNKNOWN;
    }
    return null;
  }

  function routedEnv(form, values, unknown) {
    var env = { audience: form.audience, today: function () { return form.today || null; } };
    var own = function (o, name) { return Object.prototype.hasOwnProperty.call(o, name); };
    var derivedOf = function (name) {
      for (var i = 0; i < form.derived.length; i++) if (form.derived[i].id === name) return form.derived[i];
      return null;
    };
    env.value = function (name) {
      if (own(values, name)) return values[name];
      var d = derivedOf(name);
      return d ? derive(form, d, env) : null;
    };
    env.partial = function (name) {
      if (own(values, name)) return values[name];
      if (unknown && own(unknown, name)) return UNKNOWN;
      var d = derivedOf(name);
      return d ? derivePartial(form, d, env) : null;
    };
    return env;
  }

  // A state that carries no answer is one shared, frozen object: a form of thousands of
  // questions routes on every change, and most of its states are these.
  var NOT_APPLICABLE = Object.freeze({ state: "not_applicable" });
  var UNKNOWN_STATE = Object.freeze({ state: "unknown" });
  var MISSING = Object.freeze({ state: "missing" });
  // raw: { variable: answer } as entered. Returns { states: {var: {state, value}}, ended_by }.
  // opts.screensBefore (display only): apply just the screening rules on earlier pages.
  // opts.prefix (display only): route just the pages unpacked so far (`unpack(form, upTo)`),
  // giving their questions' states and no others: routing goes in order, so these are the
  // states a whole pass gives them.
  function route(form, raw, opts) {
    var prefix = !!(opts && opts.prefix);
    if (!prefix) unpack(form);
    var values = {}, unknown = {}, states = {}, ended = null, env = routedEnv(form, values, unknown);
    var items = form.items, i, k, v;
    for (i = 0; i < items.length; i++) {
      var it = items[i];
      if (it.item === "question") {
        // Three outcomes, as route() in quire-core/src/model.rs: asked; not applicable; unknown, when only
        // a missing answer kept the question from being asked.
        var eligibility;
        if (ended !== null) eligibility = "false";
        else if (!it.condition || holds(it.condition, env)) eligibility = "true";
        else eligibility = truth3(it.condition, env) === "unknown" ? "unknown" : "false";
        for (k = 0; k < it.variables.length; k++) {
          v = it.variables[k];
          if (eligibility === "false") states[v] = NOT_APPLICABLE;
          else if (eligibility === "unknown") { states[v] = UNKNOWN_STATE; unknown[v] = true; }
          else {
            var a = normalised(raw[v]);
            if (a === null) { states[v] = MISSING; unknown[v] = true; }
            else { values[v] = a; states[v] = { state: "answered", value: a }; }
          }
        }
      } else if (it.item === "screen") {
        var applies = !opts || opts.screensBefore === undefined || it.page < opts.screensBefore;
        if (ended === null && applies && holds(it.condition, env)) ended = it.id;
      }
    }
    if (prefix) return { states: states, ended_by: ended };
    for (i = 0; i < form.variables.length; i++) if (!states[form.variables[i]]) states[form.variables[i]] = NOT_APPLICABLE;
    form.derived.forEach(function (d) {
      var noneAsked = d.inputs.length > 0 && d.inputs.every(function (v) { return !states[v] || states[v].state === "not_applicable"; });
      if (d.audiences.indexOf(form.audience) < 0 || noneAsked) { states[d.id] = NOT_APPLICABLE; return; }
      var val = env.value(d.id);
      states[d.id] = val === null ? MISSING : { state: "answered", value: val };
    });
    return { states: states, ended_by: ended };
  }

  // A long form's later pages and record tables are deflated (html.rs): inflate.js, before
  // this script in such a form (from its file in Node), reads them.
  function inflated(b64) {
    var z = typeof QuireInflate !== "undefined" ? QuireInflate : typeof require === "function" ? require("./inflate.js") : null;
    if (!z) throw new Error("this form's pages are deflated, and inflate.js is missing");
    return z.inflated(b64);
  }

  // ---- The packed form model (quire-backends/src/html.rs, form_model) ------------------------
  // A text: its string, or runs (strings, and {p: variable, f: fallback} for piped answers).
  function plain(x) {
    if (x === undefined || x === null) return "";
    if (typeof x === "string") return x;
    return x.map(function (s) { return typeof s === "string" ? s : s.f; }).join("");
  }
  // Read-only tables a question without options, rows or checks shares, and the limits it may carry.
  var NONE = Object.freeze([]);
  var LIMITS = ["min", "max", "decimals", "max_length", "min_selected", "max_selected"];
  // A question's variables: a grid's rows', or its own.
  function variablesOf(it) { return it.kind === "grid" ? (it.rows || NONE).map(function (r) { return r.variable; }) : [it.q]; }
  // The routing and record tables, from the pages' content: in place, once. With `upTo` (a
  // page's index), only the pages up to it for now, so a form can show its first page before
  // it reads the rest; any later call without it (route() makes one) completes the tables.
  function unpack(m, upTo) {
    if (!m.packed) return m;
    // The pages after the first and their conditions, deflated (`rest`): read when a page
    // among them is needed.
    if (m.rest !== undefined && (upTo === undefined || upTo >= m.content.length)) {
      var rest = JSON.parse(inflated(m.rest));
      m.content = m.content.concat(rest.content);
      m.conditions = m.conditions.concat(rest.conditions);
      delete m.rest;
    }
    var u = m.unpacking;
    if (!u) {
      u = unpacking(m);
      Object.defineProperty(m, "unpacking", { value: u, configurable: true });
    }
    var last = upTo === undefined ? m.content.length - 1 : Math.min(upTo, m.content.length - 1);
    while (u.next <= last) u.page(u.next++);
    if (u.next >= m.content.length && m.rest === undefined) {
      delete m.unpacking;
      u.finish();
      m.packed = false;
    }
    return m;
  }
  function unpacking(m) {
    var items = [], labels = null, pages = [], columns = [], ordinal = 0;
    function cond(i) { return i === undefined ? null : m.conditions[i]; }
    // A list's options as routing reads them, made once per list and shared (read only).
    var shared = [];
    function asked(n) {
      return shared[n] || (shared[n] = m.lists[n].map(function (o) {
        var j = { value: o.value };
        if (o.exclusive) j.exclusive = true;
        if (o.other) j.other = true;
        return j;
      }));
    }
    // A question's own table (kind, options, rows, checks, limits) is made when first asked
    // for, a page at a time: a form of thousands of questions starts without them.
    var own = Object.prototype.hasOwnProperty, made = {}, pageOf = {}, pagesMade = [];
    function makePage(page) {
      if (pagesMade[page]) return;
      pagesMade[page] = true;
      m.content[page].items.forEach(function (it) {
        if (it.q === undefined) return;
        var q = {
          kind: it.kind, page: page, number: it.number, label: it.label !== undefined ? it.label : plain(it.text),
          options: it.options === undefined ? NONE : asked(it.options),
          variables: variablesOf(it),
          rows: it.rows ? it.rows.map(function (r) { return { variable: r.variable, label: plain(r.label) }; }) : NONE,
          validations: it.validations ? it.validations.map(function (v) {
            var j = { check: m.conditions[v.check], message: v.message };
            if (v.warning) j.warning = true;
            return j;
          }) : NONE
        };
        if (it.required) q.required = true;
        for (var l = 0; l < LIMITS.length; l++) if (it[LIMITS[l]] !== undefined) q[LIMITS[l]] = it[LIMITS[l]];
        made[it.q] = q;
      });
    }
    function makeAll() { for (var i = 0; i < m.content.length; i++) makePage(i); }
    var questions = new Proxy(made, {
      get: function (t, id) {
        if (typeof id === "string" && !own.call(t, id) && own.call(pageOf, id)) makePage(pageOf[id]);
        return t[id];
      },
      has: function (t, id) { return own.call(pageOf, id); },
      ownKeys: function (t) { makeAll(); return Reflect.ownKeys(t); },
      getOwnPropertyDescriptor: function (t, id) {
        if (typeof id === "string" && own.call(pageOf, id)) makePage(pageOf[id]);
        return Reflect.getOwnPropertyDescriptor(t, id);
      }
    });
    // The tables grow page by page, in order.
    m.items = items; m.questions = questions; m.pages = pages;
    function unpackPage(page) {
      var p = m.content[page];
      pages.push({ id: p.id, title: plain(p.title) });
      p.items.forEach(function (it, position) {
        if (it.q !== undefined) {
          ordinal++;
          if (it.number === undefined) it.number = "Q" + ordinal;
          pageOf[it.q] = page;
          items.push({ item: "question", id: it.q, condition: cond(it.c), variables: variablesOf(it), page: page });
        } else if (it.screen !== undefined) {
          items.push({ item: "screen", id: it.screen, condition: cond(it.c), page: page, message: plain(it.message) });
        } else if (it.c !== undefined) {
          items.push({ item: "note", id: p.id + "-" + position, condition: cond(it.c) });
        }
      });
    }
    // The record's columns, made when first asked for (saving, sending, downloading), from the
    // record's tables: in the model, or read then by `m.tables()` (a form keeps them apart).
    var tables = m.tables ? null : { columns: m.columns, codes: m.codes, flag_lists: m.flag_lists };
    function unpackColumns() {
      if (!tables) tables = m.tables();
      tables.columns.forEach(function (c) {
        // `[kind, name, list?]` (for flags, the variable in place of the name): html.rs.
        if (Array.isArray(c)) {
          var o = { kind: c[0] };
          o[c[0] === "flags" ? "variable" : "name"] = c[1];
          if (c.length > 2) o.list = c[2];
          c = o;
        }
        if (c.kind === "flags") {
          // As data::option_column names them: `<variable>_<code>`, `<variable>_n<code>` below 0.
          (c.flags || tables.flag_lists[c.list].map(function (o) { return [c.variable + (o[1] < 0 ? "_n" + -o[1] : "_" + o[1]), o[0]]; })).forEach(function (f) {
            var j = { name: f[0], variable: c.variable, kind: "flag", value: f[1] };
            if (c.audiences) j.audiences = c.audiences;
            columns.push(j);
          });
          return;
        }
        if (c.variable === undefined) c.variable = c.name;
        if (c.kind === "code") { c.codes = tables.codes[c.list]; delete c.list; }
        columns.push(c);
      });
      return columns;
    }
    function finish() {
      // Every variable of the study: the form's own questions', then the others (html.rs).
      var variables = [];
      for (var n = 0; n < items.length; n++) if (items[n].item === "question") Array.prototype.push.apply(variables, items[n].variables);
      m.variables = variables.concat(m.unasked);
      var unpackedColumns = null;
      Object.defineProperty(m, "columns", {
        enumerable: true,
        get: function () { return unpackedColumns || (unpackedColumns = unpackColumns()); }
      });
      // Each option's words by "question=value", made when first asked for (the review page).
      Object.defineProperty(m, "labels", {
        enumerable: true,
        get: function () {
          if (labels) return labels;
          labels = {};
          m.content.forEach(function (p) {
            p.items.forEach(function (it) {
              if (it.q === undefined || it.options === undefined) return;
              m.lists[it.options].forEach(function (o) { labels[it.q + "=" + o.value] = plain(o.label); });
            });
          });
          return labels;
        }
      });
    }
    return { next: 0, page: unpackPage, finish: finish };
  }

  // ---- A page's markup, from its content (what the form shows; escaped for HTML) ----------------
  var ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#x27;" };
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return ESC[c]; }); }
  function markup(x) {
    if (x === undefined || x === null) return "";
    if (typeof x === "string") return esc(x);
    return x.map(function (s) {
      return typeof s === "string" ? esc(s) : "<span class=\"pipe\" data-pipe=\"" + esc(s.p) + "\" data-fallback=\"" + esc(s.f) + "\">" + esc(s.f) + "</span>";
    }).join("");
  }
  function pageHtml(m, i) {
    if (m.rest !== undefined && i >= m.content.length) unpack(m, i);
    var p = m.content[i], ui = m.ui || {}, h = [];
    function word(k) { return esc(ui[k] || k); }
    function marker(q) {
      if (m.mark === "optional" && !q.required) return "<span class=\"marker\"> " + word("optional") + "</span>";
      if (m.mark === "required" && q.required) return "<span class=\"marker\"> " + word("required") + "</span>";
      return "";
    }
    function code(o) { return m.keying ? "<span class=\"code\">" + esc(o.code) + "</span> " : ""; }
    function described(q) { return (q.hint !== undefined ? "hint-" + esc(q.q) + " " : "") + "error-" + esc(q.q); }
    function required(q) { return q.required ? " aria-required=\"true\"" : ""; }
    function hint(q) { return q.hint !== undefined ? "<div class=\"hint\" id=\"hint-" + esc(q.q) + "\">" + markup(q.hint) + "</div>\n" : ""; }
    function options(q, opts, type) {
      var name = esc(q.q);
      h.push("<div class=\"options\">\n");
      opts.forEach(function (o) {
        var id = name + "--" + esc(o.value);
        h.push("<div class=\"option\">\n<input type=\"" + type + "\" id=\"" + id + "\" name=\"" + name + "\" value=\"" + esc(o.value) + "\"" +
          (o.exclusive ? " data-exclusive=\"true\"" : "") + (o.other ? " data-other=\"true\"" : "") + ">\n<label for=\"" + id + "\">" + code(o) + markup(o.label) + "</label>\n</div>\n");
      });
      h.push("</div>\n");
      opts.forEach(function (o) {
        if (!o.other) return;
        h.push("<div class=\"other\" data-other-for=\"" + name + "\" hidden>\n<label for=\"" + name + "_other\">" + word("please_specify") +
          "</label>\n<input type=\"text\" id=\"" + name + "_other\" name=\"" + name + "_other\" maxlength=\"500\">\n</div>\n");
      });
    }
    h.push("<h1 id=\"title-" + esc(p.id) + "\">" + markup(p.title) + "</h1>\n");
    if (i === 0 && m.description) h.push("<p class=\"lead\">" + markup(m.description) + "</p>\n");
    if (p.intro !== undefined) h.push("<p class=\"intro\">" + markup(p.intro) + "</p>\n");
    p.items.forEach(function (it, position) {
      var note = it.c !== undefined ? " data-note=\"" + esc(p.id) + "-" + position + "\"" : "";
      if (it.note !== undefined) {
        h.push("<div class=\"note\"" + note + ">\n" + (it.title !== undefined ? "<h2>" + markup(it.title) + "</h2>\n" : "") + "<p>" + markup(it.note) + "</p>\n</div>\n");
      } else if (it.definitions !== undefined) {
        h.push("<aside class=\"definitions\"" + note + " aria-label=\"" + (it.title !== undefined ? markup(it.title) : "Definitions") + "\">\n" +
          (it.title !== undefined ? "<h2>" + markup(it.title) + "</h2>\n" : "") + "<dl>\n");
        it.definitions.forEach(function (d) { h.push("<dt>" + markup(d.term) + "</dt><dd>" + markup(d.definition) + "</dd>\n"); });
        h.push("</dl>\n</aside>\n");
      } else if (it.screen !== undefined) {
        h.push("<div class=\"screen-message\" data-screen=\"" + esc(it.screen) + "\" hidden><p>" + markup(it.message) + "</p></div>\n");
      } else if (it.q !== undefined) {
        var id = esc(it.q), opts = it.options === undefined ? [] : m.lists[it.options];
        h.push("<div class=\"question\" id=\"q-" + id + "\" data-question=\"" + id + "\">\n");
        if (it.kind === "single" || it.kind === "multiple" || it.kind === "grid") {
          h.push("<fieldset aria-describedby=\"" + described(it) + "\">\n<legend><span class=\"number\">" + esc(it.number) + "</span> " + markup(it.text) + marker(it) + "</legend>\n" +
            hint(it) + "<p class=\"error-message\" id=\"error-" + id + "\" hidden></p>\n");
          if (it.kind === "single") options(it, opts, "radio");
          else if (it.kind === "multiple") options(it, opts, "checkbox");
          else {
            h.push("<table class=\"grid\">\n<thead><tr><td></td>");
            opts.forEach(function (o) { h.push("<th scope=\"col\" id=\"col-" + id + "--" + esc(o.value) + "\">" + code(o) + markup(o.label) + "</th>"); });
            h.push("</tr></thead>\n<tbody>\n");
            (it.rows || []).forEach(function (r) {
              var rv = esc(r.variable);
              h.push("<tr><th scope=\"row\" id=\"row-" + rv + "\">" + (r.number !== undefined ? "<span class=\"number\">" + esc(r.number) + "</span> " : "") + markup(r.label) + "</th>\n");
              opts.forEach(function (o) {
                var v = esc(o.value);
                h.push("<td><input type=\"radio\" id=\"" + rv + "--" + v + "\" name=\"" + rv + "\" value=\"" + v + "\" aria-labelledby=\"row-" + rv + " col-" + id + "--" + v +
                  "\"><span class=\"cell-label\" aria-hidden=\"true\">" + markup(o.label) + "</span></td>");
              });
              h.push("\n</tr>\n");
            });
            h.push("</tbody>\n</table>\n");
          }
          h.push("</fieldset>\n");
        } else {
          h.push("<label class=\"question-label\" for=\"" + id + "\"><span class=\"number\">" + esc(it.number) + "</span> " + markup(it.text) + marker(it) + "</label>\n" +
            hint(it) + "<p class=\"error-message\" id=\"error-" + id + "\" hidden></p>\n");
          var common = " id=\"" + id + "\" name=\"" + id + "\"" + required(it);
          var length = it.max_length !== undefined ? " maxlength=\"" + esc(it.max_length) + "\"" : "";
          if (it.kind === "long_text") h.push("<textarea" + common + " rows=\"5\"" + length + " aria-describedby=\"" + described(it) + "\"></textarea>\n");
          else if (it.kind === "date") h.push("<input type=\"date\"" + common + " min=\"1000-01-01\" max=\"2999-12-31\" aria-describedby=\"" + described(it) + "\">\n");
          else if (it.kind === "integer" || it.kind === "decimal") {
            h.push("<div class=\"number-input\"><input type=\"text\" inputmode=\"" + (it.kind === "integer" ? "numeric" : "decimal") + "\"" + common + " class=\"short\" aria-describedby=\"" +
              described(it) + "\">" + (it.unit !== undefined ? " <span class=\"unit\">" + markup(it.unit) + "</span>" : "") + "</div>\n");
          } else h.push("<input type=\"text\"" + common + length + " aria-describedby=\"" + described(it) + "\">\n");
        }
        h.push("</div>\n");
      }
    });
    if (m.pilot) {
      var pid = esc(p.id);
      h.push("<div class=\"pilot\">\n<label for=\"pilot_" + pid + "\">" + word("pilot_feedback") + "</label>\n<textarea id=\"pilot_" + pid + "\" name=\"pilot_" + pid + "\" rows=\"3\" data-pilot=\"true\"></textarea>\n</div>\n");
    }
    return h.join("");
  }

  // ---- The response record (quire-core/src/data.rs, encode) ---------------------------------------------

  // As quire-core/src/data.rs parse_timestamp: seconds of a UTC `YYYY-MM-DDThh:mm:ssZ`, else null.
  function seconds(t) {
    var m = typeof t === "string" && /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(t);
    if (!m) return null;
    var d = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    var back = new Date(d);
    if (+m[1] < 1000 || back.getUTCFullYear() !== +m[1] || back.getUTCMonth() !== +m[2] - 1 || back.getUTCDate() !== +m[3] || +m[4] > 23 || +m[5] > 59 || +m[6] > 59) return null;
    return Math.floor(d / 1000);
  }
  // As quire-core/src/data.rs completion: answered / (answered + missing) over the question variables.
  function completion(form, route) {
    var asked = 0, answered = 0;
    form.variables.forEach(function (v) {
      var st = route.states[v];
      if (!st) return;
      if (st.state === "answered") { asked++; answered++; } else if (st.state === "missing" || st.state === "unknown") asked++;
    });
    return asked ? Math.round(answered * 1000 / asked) / 1000 : null;
  }

  function encode(form, route, raw, respondent, para) {
    unpack(form);
    var rec = {}, codes = form.missing_codes;
    para = para || {};
    var start = seconds(para.started_at), end = seconds(para.submitted_at), share = completion(form, route);
    form.columns.forEach(function (c) {
      var st = route.states[c.variable], cell;
      var numeric = ["code", "flag", "integer", "number", "boolean", "duration", "completion"].indexOf(c.kind) >= 0;
      var na = numeric ? codes.not_applicable : String(codes.not_applicable);
      var missing = numeric ? codes.missing : String(codes.missing);
      if (c.kind === "respondent_id") cell = respondent;
      else if (c.kind === "audience") cell = form.audience;
      else if (c.kind === "spec_version") cell = form.version;
      else if (c.kind === "spec_hash") cell = form.content_hash;
      else if (c.kind === "mode") cell = para.mode || "web";
      else if (c.kind === "language") cell = para.language || form.language;
      else if (c.kind === "timestamp") cell = (c.name === "started_at" ? start : end) === null ? missing : para[c.name];
      else if (c.kind === "duration") cell = start !== null && end !== null && end >= start ? end - start : missing;
      else if (c.kind === "completion") cell = share === null ? missing : share;
      else if (c.audiences && c.audiences.indexOf(form.audience) < 0) cell = na;
      else if (c.kind === "write_in") {
        // With no answer to the question, whether "other" would have been chosen is unknown.
        var others = c.others, chose = false;
        if (st && st.state === "answered") {
          if (typeof st.value === "string") chose = others.indexOf(st.value) >= 0;
          else if (Array.isArray(st.value)) chose = st.value.some(function (v) { return others.indexOf(v) >= 0; });
        } else if (st && (st.state === "missing" || st.state === "unknown")) chose = null;
        var t = normalised(raw[c.name]);
        cell = chose === false ? na : (chose && typeof t === "string" ? t : missing);
      } else if (!st || st.state === "not_applicable") cell = na;
      else if (st.state === "missing" || st.state === "unknown") cell = missing;
      else {
        var v = st.value;
        if (c.kind === "code") cell = typeof v === "string" && c.codes[v] !== undefined ? c.codes[v] : missing;
        else if (c.kind === "flag") cell = Array.isArray(v) ? (v.indexOf(c.value) >= 0 ? 1 : 0) : missing;
        else if (c.kind === "integer") cell = typeof v === "number" ? Math.trunc(v) : missing;
        else if (c.kind === "number") cell = typeof v === "number" ? v : missing;
        else if (c.kind === "boolean") cell = typeof v === "boolean" ? (v ? 1 : 0) : missing;
        else if (c.kind === "text" || c.kind === "date") cell = typeof v === "string" ? v : (typeof v === "number" && c.kind === "text" ? formatNumber(v) : missing);
        else cell = missing;
      }
      rec[c.name] = cell;
    });
    return rec;
  }

  // As quire-core/src/expr.rs format_number: integers without a decimal point.
  function formatNumber(v) { return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : String(v); }

  return { evaluate: evaluate, holds: holds, truth3: truth3, partial: function (e, env) { var v = partial(e, env); return v === UNKNOWN ? { unknown: true } : v; }, UNKNOWN: UNKNOWN, normalised: normalised, route: route, encode: encode, seconds: seconds, unpack: unpack, pageHtml: pageHtml, inflated: inflated };
})();

if (typeof module !== "undefined") module.exports = Quire;
