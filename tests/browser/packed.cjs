// A long form carries its later pages, their conditions and its record's tables deflated
// (html.rs); unpacked by the runtime, they must be exactly the model's plain form.
// Usage: node packed.cjs FORM.html MODEL.json   (MODEL.json: html::form_model, unpacked
// nowhere). Prints the size of what was compared; exits 1 on a difference.
"use strict";
const fs = require("fs");
const path = require("path");
const Quire = require(path.join(__dirname, "../../crates/quire-backends/src/templates/runtime.js"));

const [form, plain] = process.argv.slice(2);
const html = fs.readFileSync(form, "utf8");
const element = (id) => {
  const m = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html);
  if (!m) throw new Error(`${form}: no ${id}`);
  return JSON.parse(m[1]);
};
const packed = element("quire-model");
if (typeof packed.rest !== "string") { console.error(`${form}: its later pages are not deflated`); process.exit(1); }
const record = element("quire-record");
const tables = typeof record === "string" ? JSON.parse(Quire.inflated(record)) : record;
packed.tables = () => tables;
// The first page alone first (as the form starts), then the rest.
Quire.unpack(packed, 0);
if (packed.rest === undefined) { console.error("the first page's unpacking read the later pages"); process.exit(1); }
Quire.unpack(packed);
const expected = Quire.unpack(JSON.parse(fs.readFileSync(plain, "utf8")));
// Keys in order, at every level (the plain model's conditions come with sorted keys).
const sorted = (v) => Array.isArray(v) ? v.map(sorted)
  : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
const view = (m) => JSON.stringify(sorted({
  content: m.content, conditions: m.conditions, items: m.items, pages: m.pages, columns: m.columns, labels: m.labels,
  questions: Object.keys(m.questions).sort().map((k) => [k, m.questions[k]]),
  pageHtml: m.content.map((_, i) => Quire.pageHtml(m, i)),
}));
const a = view(packed), b = view(expected);
if (a !== b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  console.error(`differs at ${i}:\n  packed: ${a.slice(Math.max(0, i - 80), i + 80)}\n  plain:  ${b.slice(Math.max(0, i - 80), i + 80)}`);
  process.exit(1);
}
console.log(`same ${a.length}`);
