// Drives `quire preview` in Debian's Chromium. Usage: node preview.mjs BASE_URL AUDIENCE SPEC
// The designer edits the spec: the open form reloads with the new text; then breaks it:
// the diagnostics show over the last good form, which stays.
import { readFileSync, writeFileSync } from "node:fs";
import { launch } from "./chromium.mjs";

const [base, audience, spec] = process.argv.slice(2);
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };
const browser = await launch();
const page = await browser.newPage();
page.on("pageerror", (e) => problems.push(`page: ${e.message}`));
await page.goto(`${base}/`);
check((await page.locator("a").count()) >= 2, "the index lists no form or paper edition");
await page.goto(`${base}/${audience}/`);
const html = () => page.evaluate(() => document.getElementById("page-0").innerHTML + document.body.innerText);
const original = readFileSync(spec, "utf8");
const marker = "Edited in the preview";
// A save with new wording: the page reloads by itself and shows it.
writeFileSync(spec, original.replace(/title: (.*)\n/, `title: ${marker}\n`));
await page.waitForFunction((m) => document.title.includes(m) || document.body.innerText.includes(m), marker, { timeout: 20000 });
check((await html()).includes(marker), "the edit did not reach the page");
// A broken save: the diagnostic shows, the last good form stays.
writeFileSync(spec, original.replace(/title: (.*)\n/, `title: ${marker}\n`).replace("sections:", "sections: [oops\n"));
await page.waitForFunction(() => !document.getElementById("quire-preview-problems").hidden, null, { timeout: 20000 });
const banner = await page.textContent("#quire-preview-problems");
check(/does not check/.test(banner) && /:\d+:\d+/.test(banner), "no located diagnostic: " + banner);
check((await html()).includes(marker), "the last good build went away");
// Fixed again: the banner goes.
writeFileSync(spec, original);
await page.waitForFunction(() => { const b = document.getElementById("quire-preview-problems"); return b && b.hidden; }, null, { timeout: 20000 });
await browser.close();
if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
console.log("preview checks passed");
