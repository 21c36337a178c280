//! `quire.ir.json` (quire-ir/4) says each thing once, and loses nothing: an outside reader
//! (tests/tools/quire_ir.py, written from docs/spec.md) expands it into the model's full
//! form, which must be Quire's model, field for field, for every spec the suite has.

use quire::model::Questionnaire;
use serde_json::Value;

/// `full` (the model's own serialization) and `read` (the reader's expansion) say the same,
/// under the rules that only shorten: an absent field is null, false or empty; a plain text
/// is a string; one wording for all the holder's audiences is that wording's text.
fn same(full: &Value, read: Option<&Value>, audiences: Option<&Value>, path: &str) -> Result<(), String> {
    let is_default = |v: &Value| match v {
        Value::Null | Value::Bool(false) => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    let Some(read) = read else {
        return if is_default(full) {
            Ok(())
        } else {
            Err(format!("{path}: left out, but is {full}"))
        };
    };
    match (full, read) {
        (Value::Object(f), _) if !read.is_object() => {
            // A plain text as its string.
            if let Some(Value::Array(segments)) = f.get("segments")
                && f.len() == 1
                && let [Value::Object(s)] = segments.as_slice()
                && s.get("kind") == Some(&Value::String("literal".into()))
                && s.get("text") == Some(read)
            {
                return Ok(());
            }
            Err(format!("{path}: {read} stands for {full}"))
        }
        (Value::Array(items), _) if !read.is_array() => {
            // One wording for all.
            if let [Value::Object(w)] = items.as_slice()
                && w.len() == 2
                && w.get("audiences") == audiences
            {
                return same(&w["text"], Some(read), None, &format!("{path}/text"));
            }
            Err(format!("{path}: {read} stands for {full}"))
        }
        (Value::Object(f), Value::Object(r)) => {
            let holder = f.get("audiences");
            for (k, v) in f {
                same(v, r.get(k), holder, &format!("{path}/{k}"))?;
            }
            match r.keys().find(|k| !f.contains_key(*k)) {
                Some(k) => Err(format!("{path}/{k}: not in the model")),
                None => Ok(()),
            }
        }
        (Value::Array(f), Value::Array(r)) => {
            if f.len() != r.len() {
                return Err(format!("{path}: {} entries, the model has {}", r.len(), f.len()));
            }
            for (i, (a, b)) in f.iter().zip(r).enumerate() {
                same(a, Some(b), audiences, &format!("{path}/{i}"))?;
            }
            Ok(())
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
        _ if full == read => Ok(()),
        _ => Err(format!("{path}: {read}, the model has {full}")),
    }
}

fn models() -> Vec<(String, Questionnaire)> {
    let mut out = Vec::new();
    for path in crate::clean_specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let compiled = quire::compile(&path.display().to_string(), &text);
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        out.push((name, compiled.model.expect("clean spec")));
    }
    for file in ["routing.quire.yaml", "hostile.quire.yaml", "submit.quire.yaml"] {
        let text = std::fs::read_to_string(crate::root().join("tests/data").join(file)).unwrap();
        out.push((file.into(), quire::compile(file, &text).model.unwrap()));
    }
    // Rosters (not yet built by the other targets): nested items, units, row choosers.
    let household = std::fs::read_to_string(crate::root().join("tests/rosters/household.yaml")).unwrap();
    let options = quire::Options {
        unbuilt_rosters: true,
        ..quire::backend::compile_options()
    };
    out.push((
        "household".into(),
        quire::compile_with("household.yaml", household, &options)
            .model
            .expect("household"),
    ));
    let (_dir, welsh) = crate::translations::welsh_flagship();
    out.push(("welsh".into(), crate::translations::welsh_model(&welsh).model.unwrap()));
    out.extend(crate::platforms::generated_specs(40, 0x1e_5eed));
    out
}

/// Every model written, read back by the outside reader, and compared.
fn read_back(models: &[(String, Questionnaire)]) -> Vec<(String, Value, Value)> {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec![crate::root().join("tests/tools/quire_ir.py").display().to_string()];
    for (i, (_, m)) in models.iter().enumerate() {
        let ir = tmp.path().join(format!("{i}.ir.json"));
        std::fs::write(&ir, quire::backend::ir::render(m)).unwrap();
        args.push(ir.display().to_string());
        args.push(tmp.path().join(format!("{i}.full.json")).display().to_string());
    }
    let (ok, log) = crate::run(tmp.path(), "python3", &args);
    assert!(ok, "the outside reader failed:\n{log}");
    models
        .iter()
        .enumerate()
        .map(|(i, (name, m))| {
            let read = std::fs::read_to_string(tmp.path().join(format!("{i}.full.json"))).unwrap();
            (
                name.clone(),
                serde_json::to_value(m).unwrap(),
                serde_json::from_str(&read).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_ir_reads_back_as_the_model() {
    let models = models();
    assert!(models.len() >= 50, "{} models", models.len());
    let mut questions = 0;
    for (name, full, read) in read_back(&models) {
        if let Err(e) = same(&full, Some(&read), None, "") {
            panic!("{name}: the IR read back differs from the model at {e}");
        }
        questions += full["instruments"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["sections"].as_array().unwrap())
            .map(|s| s["items"].as_array().unwrap().len())
            .sum::<usize>();
    }
    assert!(questions > 500, "{questions} items compared");
}

#[test]
fn a_change_to_the_model_is_seen_in_the_ir() {
    // The comparison can fail: a question renumbered in the model, a universe condition
    // dropped from the file, an option's label changed.
    let model = crate::flagship();
    let (_, full, read) = read_back(&[("concord".into(), model)]).remove(0);
    assert!(same(&full, Some(&read), None, "").is_ok());
    let mut renumbered = read.clone();
    renumbered["instruments"][1]["sections"][0]["items"][1]["number"] = "Q99".into();
    assert!(same(&full, Some(&renumbered), None, "").is_err());
    let mut widened = read.clone();
    let v = renumbered["variables"]
        .as_array()
        .unwrap()
        .iter()
        .position(|v| v["universe"][0].get("condition").is_some())
        .unwrap();
    widened["variables"][v]["universe"][0]
        .as_object_mut()
        .unwrap()
        .remove("condition");
    assert!(same(&full, Some(&widened), None, "").is_err());
    let mut relabelled = read;
    let items = relabelled["instruments"][0]["sections"][1]["items"]
        .as_array_mut()
        .unwrap();
    let q = items.iter_mut().find(|q| q.get("options").is_some()).unwrap();
    q["options"][0]["label"] = "Something else".into();
    assert!(same(&full, Some(&relabelled), None, "").is_err());
}

#[test]
fn the_flagship_ir_is_about_twice_its_spec() {
    let spec = std::fs::read_to_string(crate::root().join("questionnaires/concord/concord.yaml")).unwrap();
    let ir = quire::backend::ir::render(&crate::flagship());
    let ratio = ir.len() as f64 / spec.len() as f64;
    // docs/BENCHMARKS.md records the sizes; this keeps a regression from passing unseen.
    assert!(ratio < 2.0, "quire.ir.json is {ratio:.2}× the spec");
    let v: Value = serde_json::from_slice(&ir).unwrap();
    assert_eq!(v["format"], "quire-ir/4");
}
