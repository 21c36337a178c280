// Runs axe-core on each page given, in Debian's Chromium. Usage: node axe.mjs FILE.html…
// Prints every violation and exits 1 if there is any.
import path from "node:path";
import { launch, axe } from "./chromium.mjs";

const browser = await launch();
const problems = [];
for (const file of process.argv.slice(2)) {
  const page = await browser.newPage();
  page.on("request", (r) => { if (!/^(file|data|about):/.test(r.url())) problems.push(`${file}: network request to ${r.url()}`); });
  await page.goto("file://" + path.resolve(file));
  await axe(page, file, problems);
  await page.close();
}
await browser.close();
if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
console.log("axe: no violations");
