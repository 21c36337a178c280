// Runs axe-core on each page given, in Debian's Chromium. Usage: node axe.mjs FILE.html…
// Prints every violation and exits 1 if there is any.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
for (const file of process.argv.slice(2)) {
  const page = await browser.newPage();
  page.on("request", (r) => { if (!/^(file|data|about):/.test(r.url())) problems.push(`${file}: network request to ${r.url()}`); });
  await page.goto("file://" + path.resolve(file));
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  for (const v of r.violations) problems.push(`${file}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  await page.close();
}
await browser.close();
if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
console.log("axe: no violations");
