// Drives Debian's Chromium through Quire's generated forms. Usage:
//   node run.mjs FORMS_DIR OUT.json [SCREENSHOT_DIR]
// FORMS_DIR holds <audience>/form.html for the flagship. Writes, per audience, the raw answers
// and the record the form built, for the Rust side to check against the data contract, and
// fails (exit 1) on any routing, validation, persistence, accessibility or network problem.
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const [dir, outPath, shots] = process.argv.slice(2);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function axe(page, where) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  for (const v of r.violations) problems.push(`axe ${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

const visible = (page, sel) => page.locator(sel).isVisible();

// Answers every visible, unanswered question on the current page with a plausible answer.
async function fillPage(page) {
  const ids = await page.$$eval("section.page:not([hidden]) [data-question]:not([hidden])", (els) => els.map((e) => e.dataset.question));
  for (const id of ids) {
    const q = await page.evaluate((id) => Quire.unpack(JSON.parse(document.getElementById("quire-model").textContent)).questions[id], id);
    const done = await page.evaluate((vars) => vars.every((v) => { const a = window.QuireForm.state().raw[v]; return a !== null && a !== undefined && !(Array.isArray(a) && !a.length); }), q.variables);
    if (done) continue;
    if (q.kind === "single") await page.check(`[name="${id}"] >> nth=0`);
    else if (q.kind === "multiple") {
      const n = Math.min(q.max_selected || 2, 2, q.options.length);
      for (let i = 0; i < n; i++) if (!q.options[i].exclusive) await page.check(`[name="${id}"] >> nth=${i}`);
    } else if (q.kind === "grid") for (const r of q.variables) await page.check(`[name="${r}"] >> nth=1`);
    else if (q.kind === "integer" || q.kind === "decimal") await page.fill(`#${id}`, String(q.min ?? 3));
    else if (q.kind === "date") await page.fill(`#${id}`, "2019-08-01");
    else await page.fill(`#${id}`, "Ysbyty Gwynedd, \"Bangor\" <b>&</b>");
  }
}

async function next(page) { await page.click("#next"); }
async function currentPage(page) { return page.$eval("section.page:not([hidden])", (s) => s.id); }

// A new response's first page is shown before the form reads the rest of itself; any handler
// completes it first. With the form's own timers for that held back, nothing is completed on
// arrival, and the first answer brings the whole form's routing and progress.
{
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on("pageerror", (e) => problems.push(`first page alone: script error ${e.message}`));
  await page.addInitScript(() => {
    const later = window.setTimeout;
    window.requestAnimationFrame = () => 0;
    window.setTimeout = (f, ms, ...a) => (f && f.name === "complete" ? 0 : later(f, ms, ...a));
  });
  await page.goto("file://" + path.resolve(dir, "patient", "form.html"));
  const completed = () => page.evaluate(() => performance.getEntriesByName("quire:complete").length > 0);
  check(!(await completed()), "first page alone: the form read all of itself before the first page was shown");
  check((await page.textContent("#progress-text")) === "", "first page alone: progress shown before the form's routing is whole");
  await page.check("#consent--yes");
  check(await completed(), "first page alone: an answer did not complete the form");
  check(/^Page 1 of ([2-9]|\d\d)/.test(await page.textContent("#progress-text")), `first page alone: progress after the first answer: ${await page.textContent("#progress-text")}`);
  const [states, whole] = await page.evaluate(() => {
    const m = Quire.unpack(JSON.parse(document.getElementById("quire-model").textContent));
    return [window.QuireForm.route().states, Quire.route(m, window.QuireForm.state().raw, { screensBefore: 0 }).states];
  });
  check(JSON.stringify(states) === JSON.stringify(whole), "first page alone: the form's routing after completing differs from a whole pass");
  await ctx.close();
}

const results = {};
for (const audience of ["patient", "carer", "hcp"]) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  page.on("request", (r) => { const u = r.url(); if (!/^(file|data|blob|about):/.test(u)) problems.push(`${audience}: network request to ${u}`); });
  page.on("pageerror", (e) => problems.push(`${audience}: script error ${e.message}`));
  page.on("dialog", (d) => d.accept());
  const url = "file://" + path.resolve(dir, audience, "form.html");
  await page.goto(url);
  if (shots && audience === "patient") {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, "form-desktop.png"), fullPage: true });
  }
    await axe(page, `${audience} first page`);
  check(!/Page 1 of 1$/.test(await page.textContent("#progress-text")), `${audience}: an unanswered screening question ended the survey on arrival`);

  // Validation: consent is required; continuing without it shows the error summary.
  await next(page);
  check(await visible(page, "#error-summary"), `${audience}: no error summary for a required question`);
  check((await page.textContent("#error-list")).includes("Select an answer to Q1, “I have read the participant information"), `${audience}: the error does not name the question: ${await page.textContent("#error-list")}`);
  check((await page.title()).startsWith("Error: "), `${audience}: the page title does not say there is an error: ${await page.title()}`);
  check((await currentPage(page)) === "page-0", `${audience}: moved on despite an error`);
  await axe(page, `${audience} error state`);
  await page.check("#consent--yes");
  await page.check("#adult--yes");
  await page.check("#uk--yes");
  await page.check("#eligible_group--yes");
  await next(page);
  check(!(await visible(page, "#error-summary")), `${audience}: error summary stays after fixing`);
  check(!(await page.title()).startsWith("Error: "), `${audience}: the title still says error`);
  // Browser Back moves between the form's pages, not out of the form.
  if (audience === "carer") {
    await page.goBack();
    check((await currentPage(page)) === "page-0", `${audience}: Back left the form or stayed put`);
    await page.goForward();
    check((await currentPage(page)) === "page-1", `${audience}: Forward did not return`);
  }

  const pagesSeen = [];
  for (let guard = 0; guard < 20; guard++) {
    const id = await currentPage(page);
    if (id === "review" || id === "end") break;
    pagesSeen.push(id);
    if (audience !== "hcp" && (await page.locator("#q-diagnosed").isVisible())) {
      // Routing: genetic test only after a diagnosis; piping shows the condition's name.
      check(!(await visible(page, "#q-genetic_test")), `${audience}: genetic_test shown before diagnosis`);
      await page.check("#diagnosed--yes");
      check(await visible(page, "#q-genetic_test"), `${audience}: genetic_test not shown after diagnosis`);
      await page.fill("#condition_name", "Behçet's syndrome");
      check((await page.textContent("#q-genetic_test legend")).includes("Behçet's syndrome"), `${audience}: piping did not update`);
    }
    if (await page.locator("#q-cc_has").isVisible()) {
      check(!(await visible(page, "#q-cc_dedicated")), `${audience}: cc_dedicated shown before cc_has`);
      await page.check("#cc_has--yes");
      check(await visible(page, "#q-cc_dedicated"), `${audience}: cc_dedicated not shown for cc_has = yes`);
      await page.check("#cc_dedicated--no");
      check(await visible(page, "#q-cc_role"), `${audience}: cc_role not shown for cc_dedicated = no`);
      await page.check("#cc_role--other");
      check(await visible(page, "#cc_role_other"), `${audience}: write-in not shown for Other`);
      await page.fill("#cc_role_other", "Key worker; \"named\" nurse");
      // Skipped, then unskipped: the earlier answer comes back without retyping.
      await page.check("#cc_has--no");
      check(!(await visible(page, "#q-cc_dedicated")) && !(await visible(page, "#q-cc_role")), `${audience}: follow-ups still shown for cc_has = no`);
      await page.check("#cc_has--yes");
      check(await page.isChecked("#cc_dedicated--no"), `${audience}: answer lost after skip and unskip`);
      // Reload: everything is restored from the browser's storage.
      await page.reload();
      check(await page.isChecked("#cc_has--yes") && (await page.inputValue("#cc_role_other")).includes("Key worker"), `${audience}: answers not restored after reload`);
      check((await currentPage(page)) === id, `${audience}: page not restored after reload`);
    }
    if (await page.locator("#q-cp_top3").isVisible()) {
      for (let i = 0; i < 4; i++) await page.check(`[name="cp_top3"] >> nth=${i}`);
      await next(page);
      check((await page.textContent("#error-cp_top3")).includes("no more than 3"), `${audience}: choosing 4 of 'up to 3' was accepted`);
      await page.uncheck(`[name="cp_top3"] >> nth=3`);
    }
    if (await page.locator("#q-cc_factors").isVisible()) {
      await page.check("#cc_factors--complexity");
      await page.check("#cc_factors--unsure");
      check(!(await page.isChecked("#cc_factors--complexity")), `${audience}: exclusive 'Unsure' did not clear the others`);
    }
    await fillPage(page);
    await axe(page, `${audience} ${id}`);
    await next(page);
    check(!(await visible(page, "#error-summary")), `${audience}: unexpected errors on ${id}: ${await page.textContent("#error-list")}`);
  }
  check((await currentPage(page)) === "review", `${audience}: did not reach the review page`);
  check((await page.locator("#review-list dt").count()) > 10, `${audience}: review page lists too few answers`);
  // In questionnaire order, by section, as the respondent read each question.
  const numbers = (await page.locator("#review-list dt").allTextContents()).map((t) => Number((/^Q(\d+)/.exec(t) || [0, -1])[1]));
  check(numbers.every((n, i) => n > 0 && (i === 0 || n >= numbers[i - 1])), `${audience}: review not in questionnaire order: ${numbers.join(" ")}`);
  check((await page.locator("#review-list h2").count()) >= 4, `${audience}: review not grouped by section`);
  if (audience === "patient") {
    check((await page.textContent("#review-list")).includes("Who do you live with?"), "patient: review shows analyst labels, not the questions");
    // Change returns to the review page.
    await page.locator("#review-list button", { hasText: "Change" }).nth(5).click();
    check((await currentPage(page)).startsWith("page-"), "patient: Change did not open the question's page");
    await next(page);
    check((await currentPage(page)) === "review", "patient: after a change, Continue did not return to the review");
  }
  await axe(page, `${audience} review`);
  const raw = await page.evaluate(() => window.QuireForm.state().raw);
  await next(page);
  check((await currentPage(page)) === "end", `${audience}: did not finish`);
  // Nowhere to send: say so, and never claim anything was sent.
  const endText = await page.textContent("#end");
  check((await page.textContent("#end-title")) === "Your answers are complete", `${audience}: end heading claims more than the truth`);
  check(await visible(page, "#return-note") && !/have been sent|Thank you/.test(endText), `${audience}: the end page does not say the answers were not sent: ${endText}`);
  check(await visible(page, "#start-new"), `${audience}: no way to start a new response on a shared device`);
  await axe(page, `${audience} end`);
  const download = page.waitForEvent("download");
  await page.click("#download-json");
  const saved = await download;
  const record = JSON.parse(readFileSync(await saved.path(), "utf8"));
  check(saved.suggestedFilename() === `concord-${record.respondent_id}.json`, `${audience}: download named ${saved.suggestedFilename()}`);
  results[audience] = { raw, record, pages: pagesSeen };
  if (shots && audience === "patient") {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const p2 = await phone.newPage();
    await p2.goto(url);
    await p2.screenshot({ path: path.join(shots, "form-phone.png"), fullPage: false });
    await phone.close();
  }
  await ctx.close();
}

// Screening: no consent ends the survey with its message, and nothing after is asked.
{
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto("file://" + path.resolve(dir, "carer", "form.html"));
    await page.check("#consent--no");
  await next(page);
  check((await currentPage(page)) === "end" && (await page.textContent("#end-message")).includes("survey ends here"), "screened-out respondent not taken to the end");
  results.screened = { record: await page.evaluate(() => window.QuireForm.record()), raw: await page.evaluate(() => window.QuireForm.state().raw) };
  // A mistyped screening answer can be changed.
  check(await visible(page, "#change-screen"), "screening: no way back to change the answer");
  await axe(page, "screened out");
  await page.click("#change-screen");
  check((await currentPage(page)) === "page-0", "screening: 'Change your answer' did not return to the question");
  await page.check("#consent--yes");
  await ctx.close();
}

// Languages: the switcher keeps every answer and the page; each language reads as itself.
{
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on("pageerror", (e) => problems.push(`welsh: script error ${e.message}`));
  await page.goto("file://" + path.resolve(dir, "welsh", "form.html"));
  await page.check("#consent--yes");
  await page.check("#adult--yes");
  await page.click('a[data-language="cy"]');
  await page.waitForLoadState("load");
  check((await page.getAttribute("html", "lang")) === "cy", "welsh: the Welsh form is not marked lang=cy");
  check((await page.textContent("#title-consent")).includes("Am yr arolwg hwn"), "welsh: the first section is not in Welsh");
  check(await page.isChecked("#consent--yes") && await page.isChecked("#adult--yes"), "welsh: answers were lost switching to Welsh");
  check((await page.textContent("label[for='adult--yes']")).includes("Ie"), "welsh: options are not in Welsh");
  check((await page.textContent("#next")).trim() === "Parhau", "welsh: the Continue button is not in Welsh");
  await page.click("#next");
  check((await page.textContent("#error-summary-title")).includes("Mae problem"), "welsh: the error summary is not in Welsh");
  check((await page.textContent("#error-list")).includes("Dewiswch ateb i"), "welsh: the error messages are not in Welsh");
  await page.check("#uk--yes");
  await axe(page, "welsh form");
  await page.click('a[data-language="en-GB"]');
  await page.waitForLoadState("load");
  check((await page.getAttribute("html", "lang")) === "en-GB", "welsh: the English form is not marked lang=en-GB");
  check(await page.isChecked("#consent--yes") && await page.isChecked("#uk--yes"), "welsh: answers were lost switching back to English");
  check((await page.textContent("#title-consent")).includes("About this survey"), "welsh: the English form is not in English");
  const record = await page.evaluate(() => window.QuireForm.record());
  check(record.language === "en-GB", `welsh: the English form records language ${record.language}`);
  await ctx.close();
}

// A conditional note, and routing through a derived variable (examples/phq9.quire.yaml).
{
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on("pageerror", (e) => problems.push(`phq9: script error ${e.message}`));
  await page.goto("file://" + path.resolve(dir, "phq9", "form.html"));
  const note = '[data-note="phq9-1"]';
  check(!(await visible(page, note)), "phq9: the safety note is shown to everyone");
  check(!(await visible(page, "#q-phq9_difficulty")), "phq9: the closing question is shown before any problem");
  await page.check("#phq9_mood--several_days");
  check(await visible(page, "#q-phq9_difficulty"), "phq9: the closing question is not shown after a problem (derived any_problem)");
  check(!(await visible(page, note)), "phq9: the safety note is shown without thoughts of self-harm");
  await page.check("#phq9_self_harm--several_days");
  check(await visible(page, note), "phq9: the safety note is not shown after thoughts of self-harm");
  await page.check("#phq9_self_harm--not_at_all");
  check(!(await visible(page, note)), "phq9: the safety note stays after the answer changed");
  await axe(page, "phq9");
  await ctx.close();
}

// Numbers: a decimal comma never silently becomes another number; other digits are read.
{
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto("file://" + path.resolve(dir, "patient", "form.html"));
  // Straight to the use-of-services page (page 6 of 7), past the screening.
  await page.evaluate(() => {
    const s = window.QuireForm.state();
    Object.assign(s.raw, { consent: "yes", adult: "yes", uk: "yes", eligible_group: "yes" });
    s.page = 5;
    s.saved_at = Date.now();
    localStorage.setItem("quire:concord:2019.1:patient", JSON.stringify(s));
  });
  await page.reload();
  for (const [typed, want, reason] of [["1,5", "1,5", "full stop"], ["1e3", "1e3", "in digits"], ["1,000", 1000, "no more than 365"], ["１２", 12, null], ["٣", 3, null]]) {
    await page.fill("#hs_gp", typed);
    const got = await page.evaluate(() => window.QuireForm.state().raw.hs_gp);
    check(got === want, `numbers: \`${typed}\` read as ${JSON.stringify(got)}`);
    await next(page);
    if (reason) {
      check((await page.textContent("#error-list")).includes(reason), `numbers: \`${typed}\` not refused with a reason: ${await page.textContent("#error-list")}`);
      await axe(page, `number error ${typed}`);
    } else {
      check(!(await visible(page, "#error-summary")), `numbers: \`${typed}\` refused`);
      await page.click("#back");
    }
  }
  await ctx.close();
}

// Grids on a phone: one group per row, every choice labelled, nothing cut off.
{
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto("file://" + path.resolve(dir, "patient", "form.html"));
  await page.evaluate(() => {
    const s = window.QuireForm.state();
    Object.assign(s.raw, { consent: "yes", adult: "yes", uk: "yes", eligible_group: "yes" });
    s.page = 2;
    s.saved_at = Date.now();
    localStorage.setItem("quire:concord:2019.1:patient", JSON.stringify(s));
  });
  await page.reload();
  const fits = await page.evaluate(() => {
    const g = document.querySelector(".grid"), last = document.getElementById("cc_pref_liaise--unsure");
    const r = last.getBoundingClientRect();
    return { overflow: g.scrollWidth - g.clientWidth, right: r.right, width: window.innerWidth, label: last.nextElementSibling.getBoundingClientRect().width };
  });
  check(fits.overflow <= 1 && fits.right <= fits.width && fits.label > 0, "phone grid: a column is cut off or unlabelled: " + JSON.stringify(fits));
  await axe(page, "phone grid");
  await ctx.close();
}

// Storage refused (private browsing, quota): the page must not claim answers are saved.
{
  const ctx = await browser.newContext();
  await ctx.addInitScript(() => { Storage.prototype.setItem = function () { throw new DOMException("quota", "QuotaExceededError"); }; });
  const page = await ctx.newPage();
  await page.goto("file://" + path.resolve(dir, "patient", "form.html"));
  check(!(await visible(page, "#saved-note")) && (await visible(page, "#storage-note")), "storage refused: the page still says answers are saved");
  await page.check("#consent--yes");
  check((await page.evaluate(() => window.QuireForm.state().raw.consent)) === "yes", "storage refused: the form stopped working");
  await axe(page, "storage refused");
  await ctx.close();
}

// Expiry: after resume_hours an unfinished response is cleared, and the respondent is told.
{
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.clock.install({ time: new Date("2026-03-02T09:00:00Z") });
  await page.goto("file://" + path.resolve(dir, "carer", "form.html"));
  await page.check("#consent--yes");
  await page.clock.setFixedTime(new Date("2026-03-04T09:30:00Z")); // 48.5 hours later
  await page.reload();
  check(await visible(page, "#notice") && (await page.textContent("#notice")).includes("cleared"), "expiry: no message when answers expired");
  check(!(await page.isChecked("#consent--yes")), "expiry: expired answers still shown");
  await axe(page, "expiry message");
  await ctx.close();
}

// Two tabs of one response: neither writes a stale copy over the other's answers.
{
  const ctx = await browser.newContext();
  const a = await ctx.newPage(), b = await ctx.newPage();
  const url = "file://" + path.resolve(dir, "hcp", "form.html");
  await a.goto(url);
  await b.goto(url);
  await a.check("#consent--yes");
  await a.check("#adult--yes");
  await b.waitForFunction(() => window.QuireForm.state().raw.adult === "yes");
  await b.check("#uk--yes");
  await a.waitForFunction(() => window.QuireForm.state().raw.uk === "yes");
  const stored = await a.evaluate((k) => JSON.parse(localStorage.getItem(k)).raw, "quire:concord:2019.1:hcp");
  check(stored.consent === "yes" && stored.adult === "yes" && stored.uk === "yes", "two tabs: an answer was lost: " + JSON.stringify(stored));
  check(await a.isChecked("#uk--yes"), "two tabs: the other tab's answer is not shown");
  check((await a.evaluate(() => window.QuireForm.state().respondent)) === (await b.evaluate(() => window.QuireForm.state().respondent)), "two tabs: two identities for one response");
  await ctx.close();
}

// Redeploying the same version: answers that still fit are kept, the others named.
{
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto("file://" + path.resolve(dir, "patient", "form.html"));
  for (const id of ["consent", "adult", "uk", "eligible_group"]) await page.check(`#${id}--yes`);
  await page.evaluate(() => { const s = window.QuireForm.state(); s.raw.diagnosed = "unsure"; });
  await page.check("#consent--yes"); // saves
  await page.evaluate(() => { const s = window.QuireForm.state(); s.raw.diagnosed = "unsure"; localStorage.setItem("quire:concord:2019.1:patient", JSON.stringify(s)); });
  await page.goto("file://" + path.resolve(dir, "redeployed", "form.html"));
  const raw = await page.evaluate(() => window.QuireForm.state().raw);
  check(raw.consent === "yes" && raw.eligible_group === "yes", "redeploy: answers in progress were lost: " + JSON.stringify(raw));
  check(raw.diagnosed === undefined && (await page.textContent("#notice")).includes("Q5"), "redeploy: an answer that no longer fits was kept or not named");
  await ctx.close();
}

// Submission: identity, one send at a time, timeouts, retries; nothing lost, nothing doubled.
// The local server fails, drops the connection after reading, hangs, refuses a different
// record under a known id (409), acknowledges the same record again (200), or accepts, and
// counts every POST and the id it carried.
{
  const http = await import("node:http");
  let mode = "fail";
  const posts = [];
  const server = http.createServer((req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key");
    if (req.method === "OPTIONS") { res.writeHead(204); res.end(); return; }
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      posts.push({ mode, key: req.headers["idempotency-key"], record: JSON.parse(body) });
      if (mode === "fail") { res.writeHead(503); res.end(); }
      else if (mode === "drop") req.socket.destroy();
      else if (mode === "hang") { /* never answers */ }
      else if (mode === "conflict") { res.writeHead(409, { "Content-Type": "application/json" }); res.end(JSON.stringify({ error: "a different record is stored under this respondent_id" })); }
      else if (mode === "duplicate") { res.writeHead(200); res.end(); }
      else { res.writeHead(201); res.end(); }
    });
  });
  await new Promise((r) => server.listen(47911, "127.0.0.1", r));
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on("pageerror", (e) => problems.push(`submit: script error ${e.message}`));
  await page.clock.install({ time: new Date("2026-03-02T09:00:00Z") });
  await page.goto("file://" + path.resolve(dir, "submit", "form.html"));
  // The minority is marked: here the one required question.
  check((await page.textContent("#q-likes_tea legend")).includes("(required)") && !(await page.textContent("#q-cups")).includes("(optional)"), "submit: required question not marked, or optional ones marked too");
  await page.check("#likes_tea--yes");
  // A soft check asks once; Continue again confirms the answer as it is.
  await page.fill("#cups", "20");
  // A date typed with a six-digit year is refused, never exported.
  await page.$eval("#visit", (e) => { e.value = "275760-03-11"; e.dispatchEvent(new Event("change", { bubbles: true })); });
  await next(page);
  check((await page.textContent("#error-list")).includes("Enter a real date"), "submit: a six-digit year was accepted: " + (await page.textContent("#error-list")));
  check((await page.textContent("#error-summary-title")) === "There is a problem", "submit: a hard error shown as a soft check");
  await page.fill("#visit", "2019-08-01");
  await next(page);
  check((await currentPage(page)) === "page-0" && (await page.textContent("#error-summary-title")) === "Please check your answers", "submit: the soft check did not ask");
  check((await page.textContent("#error-list")).includes("That is a lot of tea") && (await page.title()).startsWith("Check: "), "submit: the soft check's message or title is wrong");
  await axe(page, "soft check");
  await next(page);
  check((await currentPage(page)) === "review", "submit: a confirmed soft check still blocked the page");
  await page.click("#back");
  await page.fill("#cups", "13");
  await next(page);
  check((await currentPage(page)) === "page-0", "submit: a changed answer was not checked again");
  await page.fill("#cups", "4");
  await next(page);
  check((await currentPage(page)) === "review", "submit: an answer within the soft check was stopped");
  await page.clock.runFor(90000);
  await next(page); // review -> send
  await page.waitForFunction(() => /could not be sent/.test(document.getElementById("submit-status").textContent));
  check(!(await page.textContent("#end-title")).includes("Thank you"), "submit: 'Thank you' after a failed send");
  check(await visible(page, "#retry"), "submit: no retry after a failed POST");
  // A reload keeps the finished, unsent response and tries again with the same identity.
  await page.reload();
  check((await currentPage(page)) === "end", "submit: the finished state was not kept after a failed POST");
  await page.waitForFunction(() => /could not be sent|not been sent/.test(document.getElementById("submit-status").textContent) && !document.getElementById("retry").disabled);
  // Retry pressed twice while the server hangs: one request; no answer in 30 s is a failure.
  mode = "hang";
  const before = posts.length;
  await page.evaluate(() => { document.getElementById("retry").click(); document.getElementById("retry").click(); });
  await new Promise((r) => setTimeout(r, 300));
  check(posts.length === before + 1, `submit: a double retry sent ${posts.length - before} requests`);
  await page.clock.runFor(31000);
  await page.waitForFunction(() => /no answer from the server/.test(document.getElementById("submit-status").textContent));
  // The connection drops after the server read the record: a failure, retried.
  mode = "drop";
  await page.click("#retry");
  await page.waitForFunction(() => /could not be sent/.test(document.getElementById("submit-status").textContent) && !document.getElementById("retry").disabled);
  // A different record under this id is refused (409): not sent, the server's reason shown,
  // the answers kept, and not sent again by itself (it would be refused again).
  mode = "conflict";
  await page.click("#retry");
  await page.waitForFunction(() => /stored under this respondent_id/.test(document.getElementById("submit-status").textContent) && !document.getElementById("retry").disabled);
  check(!(await page.textContent("#end-title")).includes("Thank you"), "submit: 'Thank you' after a refused send");
  check((await page.evaluate(() => localStorage.getItem("quire:submit_test:1:respondent"))) !== null, "submit: answers forgotten after a refused send");
  check(await visible(page, "#retry") && await visible(page, "#download-json"), "submit: no retry or download after a refused send");
  const refused = posts.length;
  await page.clock.runFor(600000);
  await new Promise((r) => setTimeout(r, 300));
  check(posts.length === refused, `submit: a refused record was sent again by itself (${posts.length - refused} times)`);
  // The server already holds this same record: 200, acknowledged.
  mode = "duplicate";
  await page.click("#retry");
  await page.waitForFunction(() => /have been sent/.test(document.getElementById("submit-status").textContent));
  check((await page.textContent("#end-title")) === "Thank you", "submit: no thanks after an acknowledged send");
  check(await visible(page, "#start-new"), "submit: no 'Start a new response' after sending");
  check((await page.evaluate(() => localStorage.getItem("quire:submit_test:1:respondent"))) === null, "submit: answers kept on the device after an acknowledged send");
  const ids = [...new Set(posts.map((p) => p.record.respondent_id))];
  check(ids.length === 1 && posts.every((p) => p.key === ids[0]), "submit: attempts carried different identities: " + JSON.stringify(posts.map((p) => [p.key, p.record.respondent_id])));
  // Per attempt one request; the browser itself may repeat a POST whose connection dropped
  // unanswered, which the shared Idempotency-Key makes harmless.
  const per = (m) => posts.filter((p) => p.mode === m).length;
  check(per("fail") === 2 && per("hang") === 1 && per("drop") >= 1 && per("conflict") === 1 && per("duplicate") === 1, "submit: requests per attempt " + JSON.stringify(posts.map((p) => p.mode)));
  check(posts[posts.length - 1].record.likes_tea === 1 && posts[posts.length - 1].record.cups === 4, "submit: the server did not receive the record");
  // Paradata: the times of the response (the clock started at 09:00), its completion, mode,
  // language and content hash; a retry keeps the time it was finished.
  const last = posts[posts.length - 1].record;
  check(/^2026-03-02T09:00:0\dZ$/.test(last.started_at) && /^2026-03-02T09:01:[3-5]\dZ$/.test(last.submitted_at), "submit: times " + last.started_at + " .. " + last.submitted_at);
  check(last.duration_s >= 90 && last.duration_s < 120 && last.completion === 1 && last.mode === "web" && last.language === "en" && /^[0-9a-f]{16}$/.test(last.spec_hash), "submit: paradata " + JSON.stringify(last));
  check(posts.every((p) => p.record.submitted_at === last.submitted_at), "submit: a retry changed the submission time");
  results.submitted = { record: last, posts: posts.length };
  // The next person on this device starts afresh, with a new identity.
  await page.click("#start-new");
  check((await currentPage(page)) === "page-0" && !(await page.isChecked("#likes_tea--yes")), "submit: 'Start a new response' kept the previous answers");
  check((await page.evaluate(() => window.QuireForm.state().respondent)) !== ids[0], "submit: a new response kept the old identity");
  await ctx.close();
  server.close();
}

await browser.close();
writeFileSync(outPath, JSON.stringify({ results, problems }, null, 2));
if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
console.log("browser checks passed");
