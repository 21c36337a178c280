//! The web forms in Debian's Chromium (tests/browser/run.mjs, driven through playwright-core):
//! every flagship form filled end to end with routing, validation, reload and screening
//! checked, axe-core on every page, and each downloaded record checked here against the
//! data contract. Plus the Nu HTML Checker on every generated form.

use std::path::Path;

use quire::backend::html::{self, Edition};
use quire::eval::{AnswerMap, Value};

fn write_forms(model: &quire::model::Questionnaire, dir: &Path, edition: Edition) {
    for quire::backend::Output { path, bytes } in html::render(model, edition).unwrap() {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn answers_from(audience: &str, raw: &serde_json::Map<String, serde_json::Value>) -> AnswerMap {
    let mut a = AnswerMap::new(audience);
    for (k, v) in raw {
        let value = match v {
            serde_json::Value::String(s) => Value::Text(s.clone()),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap()),
            serde_json::Value::Array(items) => {
                Value::Selection(items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
            }
            _ => Value::Null,
        };
        a.set(k, value);
    }
    a
}

#[test]
fn flagship_forms_work_in_chromium() {
    let model = crate::flagship();
    let tmp = tempfile::tempdir().unwrap();
    write_forms(&model, tmp.path(), Edition::Production);
    let submit = std::fs::read_to_string(crate::root().join("tests/data/submit.quire.yaml")).unwrap();
    let submit = quire::compile("submit.quire.yaml", &submit).model.unwrap();
    let page = html::form(&submit, &submit.instruments[0], Edition::Production).unwrap();
    std::fs::create_dir_all(tmp.path().join("submit")).unwrap();
    std::fs::write(tmp.path().join("submit/form.html"), page).unwrap();
    // The patient form redeployed with the same version: new wording, and "Unsure" gone from
    // one list (answers given with it no longer fit).
    let flagship = std::fs::read_to_string(crate::root().join("questionnaires/concord/concord.yaml")).unwrap();
    let redeployed = flagship
        .replace("It takes about 20 minutes.", "It takes about twenty minutes.")
        .replacen(
            "        choices: yes_no_unsure\n        probes:\n          - What does \"a diagnosis\" mean to you here?",
            "        choices: yes_no\n        probes:\n          - What does \"a diagnosis\" mean to you here?",
            1,
        );
    assert_ne!(redeployed, flagship);
    let redeployed = quire::compile("concord.yaml", &redeployed).model.unwrap();
    std::fs::create_dir_all(tmp.path().join("redeployed")).unwrap();
    std::fs::write(
        tmp.path().join("redeployed/form.html"),
        html::form(
            &redeployed,
            redeployed.instrument("patient").unwrap(),
            Edition::Production,
        )
        .unwrap(),
    )
    .unwrap();
    let phq9 = std::fs::read_to_string(crate::root().join("examples/phq9.quire.yaml")).unwrap();
    let phq9 = quire::compile("phq9.quire.yaml", &phq9).model.unwrap();
    std::fs::create_dir_all(tmp.path().join("phq9")).unwrap();
    std::fs::write(
        tmp.path().join("phq9/form.html"),
        html::form(&phq9, &phq9.instruments[0], Edition::Production).unwrap(),
    )
    .unwrap();
    // The flagship with its Welsh sections: both languages' patient forms side by side.
    let (_welsh_dir, welsh_spec) = crate::translations::welsh_flagship();
    let welsh = crate::translations::welsh_model(&welsh_spec).model.unwrap();
    std::fs::create_dir_all(tmp.path().join("welsh")).unwrap();
    for quire::backend::Output {
        path: file,
        bytes: page,
    } in html::render(&welsh, Edition::Production).unwrap()
    {
        if let Some(name) = file.strip_prefix("patient/") {
            std::fs::write(tmp.path().join("welsh").join(name), page).unwrap();
        }
    }
    let out = tmp.path().join("results.json");
    let mut args = vec![
        crate::root().join("tests/browser/run.mjs").display().to_string(),
        tmp.path().display().to_string(),
        out.display().to_string(),
    ];
    // QUIRE_SCREENSHOTS=docs/screenshots refreshes the README's pictures.
    if let Some(dir) = std::env::var_os("QUIRE_SCREENSHOTS") {
        args.push(crate::root().join(dir).display().to_string());
    }
    let (ok, log) = crate::run(&crate::root().join("tests/browser"), "node", &args);
    assert!(
        ok,
        "browser checks failed:
{log}"
    );

    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let cols = quire::data::columns(&model);
    for (name, r) in results["results"].as_object().unwrap() {
        if name == "submitted" {
            continue;
        }
        let record = r["record"].as_object().unwrap();
        let audience = record["audience"].as_str().unwrap();
        let raw = answers_from(audience, r["raw"].as_object().unwrap());
        let id = record["respondent_id"].as_str().unwrap();
        let route = model.route(audience, &raw);
        // The form's own clock gives the times; everything else must be what Quire computes.
        let time = |k: &str| record[k].as_str().filter(|t| *t != "-99").map(str::to_string);
        let paradata = quire::data::Paradata {
            mode: Some("web".into()),
            language: None,
            started_at: time("started_at"),
            submitted_at: time("submitted_at"),
        };
        if name != "screened" {
            let (start, end) = (paradata.started_at.as_deref(), paradata.submitted_at.as_deref());
            let parse = |t: Option<&str>| t.and_then(quire::data::parse_timestamp);
            assert!(
                parse(start).is_some() && parse(end) >= parse(start),
                "{name}: the record's times are {start:?} .. {end:?}"
            );
        }
        let cells = quire::data::encode_with(&model, &cols, id, audience, &route, &raw, &paradata);
        for (c, cell) in cols.iter().zip(cells) {
            let text = cell.render(model.survey.missing_codes);
            let want = if c.kind.is_numeric() {
                serde_json::from_str(&text).unwrap()
            } else {
                serde_json::Value::String(text)
            };
            assert_eq!(
                record[&c.name], want,
                "{name}: column {} of the downloaded record",
                c.name
            );
        }
    }
    assert!(results["results"]["screened"]["record"]["cc_has"] == -88);
}

/// Each form with all its pages built by the runtime (tests/browser/render.cjs), beside it.
fn rendered(dir: &Path, files: &[String]) -> Vec<String> {
    let mut args = vec![crate::root().join("tests/browser/render.cjs").display().to_string()];
    let mut out = Vec::new();
    for f in files {
        let r = f.replace(".html", ".rendered.html");
        args.push(f.clone());
        args.push(r.clone());
        out.push(r);
    }
    let (ok, log) = crate::run(dir, "node", &args);
    assert!(ok, "rendering the pages failed:\n{log}");
    out
}

#[test]
fn generated_forms_are_valid_html() {
    let tmp = tempfile::tempdir().unwrap();
    let model = crate::flagship();
    write_forms(&model, &tmp.path().join("production"), Edition::Production);
    write_forms(&model, &tmp.path().join("pilot"), Edition::Pilot);
    let hostile = std::fs::read_to_string(crate::root().join("tests/data/hostile.quire.yaml")).unwrap();
    let hostile = quire::compile("hostile.quire.yaml", &hostile).model.unwrap();
    write_forms(&hostile, &tmp.path().join("hostile"), Edition::Production);
    let mut files: Vec<String> = Vec::new();
    for dir in ["production", "pilot", "hostile"] {
        for e in std::fs::read_dir(tmp.path().join(dir)).unwrap().flatten() {
            files.push(e.path().join("form.html").display().to_string());
        }
    }
    // Both languages of the Welsh flagship, with the language switcher.
    let (_welsh_dir, welsh_spec) = crate::translations::welsh_flagship();
    let welsh = crate::translations::welsh_model(&welsh_spec).model.unwrap();
    for quire::backend::Output {
        path: file,
        bytes: page,
    } in html::render(&welsh, Edition::Production).unwrap()
    {
        if file.starts_with("carer/") {
            let path = tmp.path().join("welsh").join(&file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, page).unwrap();
            files.push(path.display().to_string());
        }
    }
    // Each form as shown once every page is built from its model: what the checker reads.
    let files = rendered(tmp.path(), &files);
    let vnu = crate::root().join("tests/browser/node_modules/vnu-jar/build/dist/vnu.jar");
    let mut args = vec![
        "-jar".to_string(),
        vnu.display().to_string(),
        "--errors-only".to_string(),
    ];
    args.extend(files.iter().cloned());
    let (ok, log) = crate::run(tmp.path(), "java", &args);
    assert!(ok && log.trim().is_empty(), "Nu HTML Checker errors:\n{log}");
    assert!(files.len() >= 7);
}

#[test]
fn spec_text_is_never_markup_in_a_form() {
    let text = std::fs::read_to_string(crate::root().join("tests/data/hostile.quire.yaml")).unwrap();
    let model = quire::compile("hostile.quire.yaml", &text).model.unwrap();
    let page = html::form(&model, &model.instruments[0], Edition::Production).unwrap();
    // Inside the embedded JSON, `<` never appears raw, so `</script>` cannot close the element.
    let json_start = page.find("id=\"quire-model\">").unwrap();
    let json = &page[json_start..page[json_start..].find("</script>").map(|i| i + json_start).unwrap()];
    assert!(!json[18..].contains('<'), "raw < inside the embedded model");
    // The pages as the runtime builds them from the model.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("form.html");
    std::fs::write(&file, &page).unwrap();
    let shown = rendered(tmp.path(), &[file.display().to_string()]);
    let shown = std::fs::read_to_string(&shown[0]).unwrap();
    // The markup, without the inline runtime (whose source builds the markup).
    let shown = shown[..shown.find("<script").unwrap_or(shown.len())].to_string();
    assert!(shown.contains("<section class=\"page\" id=\"page-0\""));
    for raw in ["<script>alert", "<b>bold", "</textarea>", "<angle>", "<no>"] {
        assert!(!shown.contains(raw), "`{raw}` reached the page as markup");
    }
    assert!(
        shown.contains("&lt;script&gt;alert") && shown.contains("{ braces }"),
        "escaped text, and `{{`…`}}` as literal braces"
    );
}

/// The form's inflater against Node's zlib (tests/browser/inflate.cjs): every level,
/// strategy and window size, stored blocks past 64 KiB, streams cut short.
#[test]
fn the_forms_inflater_reads_what_zlib_deflates() {
    let (ok, log) = crate::run(&crate::root().join("tests/browser"), "node", &["inflate.cjs"]);
    assert!(ok && log.starts_with("ok "), "{log}");
}

/// A spec long enough that its form carries its later pages deflated: 12 sections of 40
/// questions, half of them routed on earlier answers, with choice lists and a grid.
fn long_spec() -> String {
    let mut s = String::from(
        "survey:\n  id: long\n  title: A long form\n  version: \"1\"\nchoices:\n  yn:\n    - { code: 1, value: \"yes\", label: \"Yes\" }\n    - { code: 2, value: \"no\", label: \"No\" }\nsections:\n",
    );
    for sec in 0..12 {
        s.push_str(&format!("  - id: s{sec}\n    title: Section {sec} <é>\n    items:\n"));
        for i in 0..40 {
            let n = sec * 40 + i;
            let body = match n % 4 {
                0 => format!("type: single, text: \"Question {n}: do you agree?\", choices: yn"),
                1 => format!("type: integer, text: \"How many times ({n})?\", min: 0, max: 100"),
                2 => format!("type: text, text: \"Tell us more about {n} & why\", max_length: 200"),
                _ => format!(
                    "type: grid, text: \"Rate these ({n})\", choices: yn, rows: [{{ id: a, label: Row A }}, {{ id: b, label: Row B }}]"
                ),
            };
            let cond = match n % 4 {
                1 if n > 4 => format!(", ask_if: \"q{} == 'yes'\"", n - 1),
                3 => format!(", ask_if: \"q{} == 'yes' or q{} > {}\"", n - 3, n - 2, n % 50),
                _ => String::new(),
            };
            s.push_str(&format!("      - {{ id: q{n}, {body}{cond} }}\n"));
        }
    }
    s
}

#[test]
fn a_long_form_carries_its_later_pages_deflated_and_unpacks_them_as_written() {
    let compiled = quire::compile("long.yaml", &long_spec());
    assert!(
        !compiled.has_errors(),
        "{}",
        quire::backend::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
    );
    let model = compiled.model.unwrap();
    let instrument = &model.instruments[0];
    let page = html::form(&model, instrument, Edition::Production).unwrap();
    let plain = html::form_model(&model, instrument, Edition::Production);
    // The packed parts are short, and the inflater comes with them.
    assert!(page.contains("\"rest\":\"") && page.contains("var QuireInflate"));
    let carried = |id: &str| {
        let start = page.find(&format!("id=\"{id}\">")).unwrap();
        page[start..].find("</script>").unwrap()
    };
    let written = serde_json::to_string(&plain).unwrap().len();
    assert!(
        (carried("quire-model") + carried("quire-record")) * 3 < written,
        "{} and {} bytes carried, of {written}",
        carried("quire-model"),
        carried("quire-record")
    );
    let tmp = tempfile::tempdir().unwrap();
    let (form, json) = (tmp.path().join("form.html"), tmp.path().join("model.json"));
    std::fs::write(&form, &page).unwrap();
    std::fs::write(&json, serde_json::to_string(&plain).unwrap()).unwrap();
    let script = crate::root().join("tests/browser/packed.cjs");
    let (ok, log) = crate::run(
        tmp.path(),
        "node",
        &[script.as_os_str(), form.as_os_str(), json.as_os_str()],
    );
    assert!(ok && log.starts_with("same "), "{log}");
    // A short form (the flagship's) carries everything as plain JSON, without the inflater.
    let flagship = crate::flagship();
    let short = html::form(&flagship, &flagship.instruments[0], Edition::Production).unwrap();
    assert!(!short.contains("\"rest\":") && !short.contains("var QuireInflate"));
}

/// The runtime is small: its size is recorded in docs/BENCHMARKS.md.
#[test]
fn runtime_stays_small() {
    let size = include_str!("../../crates/quire-backends/src/templates/runtime.js").len()
        + include_str!("../../crates/quire-backends/src/templates/form.js").len();
    assert!(size < 75_000, "form runtime grew to {size} bytes");
    // The inflater, which only a long form carries.
    let inflater = include_str!("../../crates/quire-backends/src/templates/inflate.js").len();
    assert!(inflater < 7_000, "the inflater grew to {inflater} bytes");
}
