// Writes each form as the browser shows it once every page is built: the page markup the
// runtime makes from the embedded model (Quire.pageHtml) put into its section. The Nu HTML
// Checker and the escaping test read these, since a form file itself carries no page markup.
// Usage: node render.cjs FORM.html OUT.html [FORM.html OUT.html ...]
"use strict";
const fs = require("fs");
const path = require("path");
const Quire = require(path.join(__dirname, "../../crates/quire-backends/src/templates/runtime.js"));

const args = process.argv.slice(2);
for (let i = 0; i + 1 < args.length; i += 2) {
  const html = fs.readFileSync(args[i], "utf8");
  const json = /<script type="application\/json" id="quire-model">([\s\S]*?)<\/script>/.exec(html);
  if (!json) throw new Error(args[i] + ": no embedded model");
  const model = Quire.unpack(JSON.parse(json[1]));
  const out = html.replace(/(<section class="page" id="page-(\d+)"[^>]*>)(<\/section>)/g, (_, open, n, close) => open + "\n" + Quire.pageHtml(model, +n) + close);
  fs.writeFileSync(args[i + 1], out);
}
