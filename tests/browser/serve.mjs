// Drives the forms `quire serve` serves, in Debian's Chromium. Usage: node serve.mjs BASE_URL OUT.json
// A patient starts on one device, gets a resume code, continues on another, and sends; the
// first send's answer is lost on the way back (the server stored it), the retry is
// acknowledged. Writes the respondent id for the Rust side to find stored exactly once.
import { writeFileSync } from "node:fs";
import { launch, axe as axeOn } from "./chromium.mjs";

const [base, outPath, token] = process.argv.slice(2);
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };
const browser = await launch();
const axe = (page, where) => axeOn(page, where, problems);
async function fillPage(page) {
  const ids = await page.$$eval("section.page:not([hidden]) [data-question]:not([hidden])", (els) => els.map((e) => e.dataset.question));
  for (const id of ids) {
    const q = await page.evaluate((id) => Quire.unpack(JSON.parse(document.getElementById("quire-model").textContent)).questions[id], id);
    const done = await page.evaluate((vars) => vars.every((v) => { const a = window.QuireForm.state().raw[v]; return a !== null && a !== undefined && !(Array.isArray(a) && !a.length); }), q.variables);
    if (done) continue;
    if (q.kind === "single") await page.check(`[name="${id}"] >> nth=0`);
    else if (q.kind === "multiple") { if (!q.options[0].exclusive) await page.check(`[name="${id}"] >> nth=0`); }
    else if (q.kind === "grid") for (const r of q.variables) await page.check(`[name="${r}"] >> nth=1`);
    else if (q.kind === "integer" || q.kind === "decimal") await page.fill(`#${id}`, String(q.min ?? 3));
    else if (q.kind === "date") await page.fill(`#${id}`, "2019-08-01");
    else await page.fill(`#${id}`, "Ysbyty Gwynedd");
  }
}
const current = (page) => page.$eval("section.page:not([hidden])", (s) => s.id);

// Device 1: the first page, then Continue: the response so far is saved on the server.
const one = await browser.newContext();
const p1 = await one.newPage();
p1.on("pageerror", (e) => problems.push(`device 1: ${e.message}`));
await p1.goto(base + "/patient/");
await fillPage(p1);
await p1.click("#next");
await p1.waitForFunction(() => !document.getElementById("resume-note").hidden, null, { timeout: 10000 });
const code = await p1.evaluate(() => window.QuireForm.state().resume_code);
const id = await p1.evaluate(() => window.QuireForm.state().respondent);
check(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(code || ""), "no resume code: " + code);
check((await p1.textContent("#resume-note")).includes(code), "the resume code is not shown");
await axe(p1, "resume code shown");
await one.close();

// Device 2: the link with the code brings the answers back, under the same identity.
const two = await browser.newContext();
const p2 = await two.newPage();
p2.on("pageerror", (e) => problems.push(`device 2: ${e.message}`));
await p2.goto(`${base}/patient/?resume=${code}`);
await p2.waitForFunction(() => /Welcome back/.test(document.getElementById("notice").textContent), null, { timeout: 10000 });
check((await p2.evaluate(() => window.QuireForm.state().respondent)) === id, "resumed under another identity");
check((await p2.evaluate(() => window.QuireForm.state().raw.consent)) === "yes", "the first page's answers did not come back");
for (let guard = 0; guard < 20 && (await current(p2)).startsWith("page-"); guard++) {
  await fillPage(p2);
  await p2.click("#next");
}
check((await current(p2)) === "review", "did not reach the review page");
// The first send reaches the server, but its answer is lost on the way back.
let posts = 0;
await p2.route("**/api/patient/responses", async (route) => {
  posts += 1;
  if (posts === 1) { await route.fetch(); await route.abort("connectionreset"); } else await route.continue();
});
await p2.click("#next");
await p2.waitForFunction(() => /could not be sent/.test(document.getElementById("submit-status").textContent), null, { timeout: 15000 });
await p2.click("#retry");
await p2.waitForFunction(() => /have been sent/.test(document.getElementById("submit-status").textContent), null, { timeout: 15000 });
check((await p2.textContent("#end-title")) === "Thank you", "no thanks after the server acknowledged");
await axe(p2, "sent");
await two.close();

// Keying a telephone return: codes beside the answers, the mode recorded.
const keyer = await browser.newContext();
const k = await keyer.newPage();
k.on("pageerror", (e) => problems.push(`keying: ${e.message}`));
await k.goto(`${base}/patient/keying?token=${token}`);
check(await k.isVisible("#keying-mode"), "keying: no mode choice");
check((await k.textContent("label[for=consent--yes]")).trim().startsWith("1"), "keying: no code beside the answer");
await axe(k, "keying");
await k.check("#mode--telephone");
for (let guard = 0; guard < 20 && (await current(k)).startsWith("page-"); guard++) {
  await fillPage(k);
  await k.click("#next");
}
await k.click("#next");
await k.waitForFunction(() => /have been sent/.test(document.getElementById("submit-status").textContent), null, { timeout: 15000 });
const keyed = await k.evaluate(() => window.QuireForm.state().respondent);
await keyer.close();
await browser.close();
writeFileSync(outPath, JSON.stringify({ id, code, posts, keyed, problems }, null, 2));
if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
console.log("served form checks passed");
