// Times a generated form in Chromium: first render (navigation to load, including the
// runtime's first routing pass) and one answer change that toggles the dependent questions.
// Usage: node bench.mjs FORM.html DEPENDENTS  -> prints JSON.
import { chromium } from "playwright-core";
import path from "node:path";
import { statSync } from "node:fs";

const [file, dependents] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const url = "file://" + path.resolve(file);
const loads = [];
const steps = [];
let changes = [];
let toggled = 0;
for (let run = 0; run < 11; run++) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(url, { waitUntil: "load" });
  loads.push(await page.evaluate(() => { const n = performance.getEntriesByType("navigation")[0]; return n.loadEventEnd - n.startTime; }));
  // Where the time goes: the form's own marks, from navigation start.
  steps.push(await page.evaluate(() => Object.fromEntries(performance.getEntriesByType("mark").filter((m) => m.name.startsWith("quire:")).map((m) => [m.name.slice(6), m.startTime]))));
  const r = await page.evaluate(() => {
        // Questions not asked (routed past, or of unknown eligibility), from the form's own routing (pages not yet shown have no DOM).
    const hiddenCount = () => Object.values(window.QuireForm.route().states).filter((s) => s.state === "not_applicable" || s.state === "unknown").length;
    const out = [];
    const before = hiddenCount();
    let after = before;
    for (let i = 0; i < 10; i++) {
      const el = document.getElementById(i % 2 === 0 ? "toggle--yes" : "toggle--no");
      const t = performance.now();
      el.click(); // the change handler routes and updates the DOM synchronously
      out.push(performance.now() - t);
      if (i === 0) after = hiddenCount();
    }
    return { out, toggled: Math.abs(before - after) };
  });
  changes = changes.concat(r.out);
  toggled = r.toggled;
  await ctx.close();
}
await browser.close();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const step = (k) => median(steps.map((s) => s[k]));
console.log(JSON.stringify({ bytes: statSync(file).size, first_render_ms: median(loads), change_ms: median(changes), toggled, expected: Number(dependents),
  steps_ms: { start: step("start"), parsed: step("parsed"), model: step("model"), routed: step("routed"), page: step("page"), ready: step("ready") } }));
