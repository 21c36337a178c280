// The form's inflater (crates/quire-backends/src/templates/inflate.js) against Node's zlib:
// every level, strategy and window size zlib offers, on random, repetitive and form-like
// data, stored blocks past 64 KiB, empty input, and streams cut short (which must fail,
// never hang). Usage: node inflate.cjs [FILE ...] (files' bytes are tried too). Prints
// the number of streams checked; exits 1 on the first difference.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const Z = require(path.join(__dirname, "../../crates/quire-backends/src/templates/inflate.js"));

// A small deterministic generator, so a failure can be run again.
let seed = 12345;
function random() { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296; }
function bytes(n, alphabet) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = alphabet ? alphabet.charCodeAt(Math.floor(random() * alphabet.length)) : Math.floor(random() * 256);
  return b;
}
function formLike(n) {
  const parts = [];
  for (let i = 0; parts.join("").length < n; i++) {
    parts.push(JSON.stringify({ q: "q" + i, kind: ["single", "multiple", "integer", "text"][i % 4], text: "Do you agree with statement " + i + "? é ü ✓ 😀", options: i % 7, c: i % 3 ? undefined : i }));
  }
  return Buffer.from("[" + parts.join(",") + "]");
}
const inputs = [
  Buffer.alloc(0), Buffer.from("a"), Buffer.from("ab".repeat(3)), bytes(10), bytes(1000), bytes(70000),
  bytes(5000, "ab"), bytes(20000, "abcdefgh \n{}\":,"), Buffer.alloc(100000, 0x61), formLike(3000), formLike(200000),
];
for (const f of process.argv.slice(2)) inputs.push(fs.readFileSync(f));

let checked = 0;
function same(a, b) { return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), b) === 0; }
function check(input, options, label) {
  const deflated = zlib.deflateRawSync(input, options);
  const out = Z.inflate(new Uint8Array(deflated));
  if (!same(out, input)) {
    console.error(`differs: ${label} ${JSON.stringify(options)}, ${input.length} bytes in, ${out.length} out`);
    process.exit(1);
  }
  checked++;
  return deflated;
}
const strategies = [zlib.constants.Z_DEFAULT_STRATEGY, zlib.constants.Z_FILTERED, zlib.constants.Z_HUFFMAN_ONLY, zlib.constants.Z_RLE, zlib.constants.Z_FIXED];
inputs.forEach((input, n) => {
  for (let level = 0; level <= 9; level++) {
    for (const strategy of strategies) check(input, { level, strategy }, `input ${n}`);
  }
  for (let windowBits = 9; windowBits <= 15; windowBits++) check(input, { level: 9, windowBits, memLevel: 1 + (windowBits % 9) }, `input ${n}`);
  // Cut short: an error, never a hang or a silent success with the whole text.
  const whole = zlib.deflateRawSync(input, { level: 6 });
  for (const cut of [1, 2, Math.floor(whole.length / 2)]) {
    if (whole.length - cut <= 0 || input.length === 0) continue;
    let out = null;
    try { out = Z.inflate(new Uint8Array(whole.subarray(0, whole.length - cut))); } catch (e) { out = null; }
    if (out !== null && same(out, input)) { console.error(`input ${n}: a stream cut by ${cut} bytes read as whole`); process.exit(1); }
    checked++;
  }
});
// Text through base64, as a form carries it.
const text = "Déjà vu — ✓ 😀 " + formLike(5000).toString();
const b64 = zlib.deflateRawSync(Buffer.from(text)).toString("base64");
if (Z.inflated(b64) !== text) { console.error("inflated(base64) differs"); process.exit(1); }
console.log(`ok ${checked}`);
