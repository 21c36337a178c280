// Quire form runtime: the expression semantics of src/eval.rs, in JavaScript.
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
    var a = function (i) { return i < args.length ? evaluate(args[i], env) : null; };
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
      case "call": return call(e.function, e.args, env);
    }
    return null;
  }

  function holds(e, env) { return truth(evaluate(e, env)); }

  return { evaluate: evaluate, holds: holds, normalised: normalised };
})();

if (typeof module !== "undefined") module.exports = Quire;
