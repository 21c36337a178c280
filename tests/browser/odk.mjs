// Runs Quire's XForms in ODK's own form engine (@getodk/xforms-engine, the engine of ODK Web
// Forms) inside Debian's Chromium, for the differential routing test. Usage:
//   node odk.mjs CASES.json OUT.json
// CASES.json: { forms: { name: xform }, cases: [{ form, answers: [[path, value]…], watch: [path…] }] }
// OUT.json: per case, for each watched path, whether it is relevant and its value.
import http from "node:http";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { launch } from "./chromium.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const [casesPath, outPath] = process.argv.slice(2);

// The engine, bundled as one module for the page (its parser's WebAssembly is inlined).
const work = mkdtempSync(path.join(tmpdir(), "quire-odk-"));
await build({
  stdin: { contents: 'export { createInstance } from "@getodk/xforms-engine";', resolveDir: here },
  bundle: true,
  format: "esm",
  target: "esnext",
  outfile: path.join(work, "odk.mjs"),
  logLevel: "error",
});
const page_html = '<!doctype html><meta charset="utf-8"><title>ODK engine</title><script type="module">import { createInstance } from "./odk.mjs"; window.ODK = { createInstance }; window.ready = true;</script>';
const server = http.createServer((req, res) => {
  const name = new URL(req.url, "http://localhost").pathname;
  if (name === "/") { res.writeHead(200, { "content-type": "text/html" }); res.end(page_html); return; }
  if (name === "/odk.mjs") { res.writeHead(200, { "content-type": "text/javascript" }); res.end(readFileSync(path.join(work, "odk.mjs"))); return; }
  res.writeHead(404); res.end();
}).listen(0, "127.0.0.1");
await new Promise((r) => server.on("listening", r));

const input = JSON.parse(readFileSync(casesPath, "utf8"));
const browser = await launch();
const page = await browser.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });

const results = await page.evaluate(async ({ forms, cases }) => {
  const out = [];
  for (const c of cases) {
    const instance = await window.ODK.createInstance(forms[c.form]);
    const byRef = new Map();
    const walk = (n) => {
      byRef.set(n.currentState.reference ?? n.definition.nodeset, n);
      for (const child of n.currentState.children ?? []) walk(child);
    };
    walk(instance.root);
    // A repeat's rows come and go with the answers: look again when a node is not there.
    const get = (ref) => {
      if (!byRef.has(ref)) { byRef.clear(); walk(instance.root); }
      return byRef.get(ref);
    };
    // Answers in questionnaire order, as a respondent gives them; `["+", range, n]` adds n
    // rows to an open repeat (a range, as `/data/s/person[2]/birth`).
    for (const [ref, value, more] of c.answers) {
      if (ref === "+") {
        const range = get(value);
        if (!range || !String(range.nodeType).startsWith("repeat-range")) {
          throw new Error(`no repeat ${value}: ${[...byRef.keys()].filter((k) => k.includes(value.split("/").pop())).join(", ")}`);
        }
        if (range.currentState.relevant) range.addInstances(undefined, more);
        continue;
      }
      const node = get(ref);
      if (!node) { throw new Error(`no node ${ref}`); }
      // A respondent answers only what is shown.
      if (!node.currentState.relevant) continue;
      if (node.nodeType === "select") {
        if (Array.isArray(value)) node.selectValues(value);
        else node.selectValue(value);
      } else if (node.nodeType === "input") {
        node.setValue(value);
      }
    }
    const seen = {};
    byRef.clear(); walk(instance.root);
    for (const ref of c.watch) {
      const node = byRef.get(ref);
      if (!node) { seen[ref] = { missing: true }; continue; }
      const v = node.currentState.value;
      seen[ref] = { relevant: node.currentState.relevant, value: Array.isArray(v) ? v.join(" ") : v === null || v === undefined ? "" : String(v) };
    }
    out.push(seen);
  }
  return out;
}, input);

writeFileSync(outPath, JSON.stringify({ results, errors }));
await browser.close();
server.close();
