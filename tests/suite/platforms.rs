//! Exports to the platforms teams already run: ODK XForms, checked by ODK Validate (the
//! JavaRosa-based validator shipped in pyxform), and read back for what they must hold.

use std::path::PathBuf;

use quire::model::{Item, QuestionType};

/// ODK Validate's jar, from the pyxform that scripts/install-test-tools installs.
fn odk_validate() -> PathBuf {
    let (ok, out) = crate::run(
        &crate::root(),
        "python3",
        &["-c", "import pyxform, os; print(os.path.dirname(pyxform.__file__))"],
    );
    assert!(ok, "pyxform must be installed (scripts/test installs it): {out}");
    PathBuf::from(out.trim()).join("validators/odk_validate/bin/ODK_Validate.jar")
}

#[test]
fn every_xform_passes_odk_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for path in crate::clean_specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let model = quire::compile(&path.display().to_string(), &text).model.unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().replace('.', "_");
        for (name, xml) in quire::backend::xform::render(&model) {
            let file = tmp.path().join(format!("{stem}-{name}"));
            std::fs::write(&file, xml).unwrap();
            files.push(file);
        }
    }
    // The bilingual flagship: Welsh as an itext translation.
    let (_dir, spec) = crate::translations::welsh_flagship();
    let welsh = crate::translations::welsh_model(&spec).model.unwrap();
    for (name, xml) in quire::backend::xform::render(&welsh) {
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("<translation lang=\"Cymraeg (cy)\">") && xml.contains("Am yr arolwg hwn"));
        let file = tmp.path().join(format!("welsh-{name}"));
        std::fs::write(&file, xml).unwrap();
        files.push(file);
    }
    assert!(files.len() >= 14, "{files:?}");
    let jar = odk_validate();
    for f in &files {
        let (ok, out) = crate::run(
            tmp.path(),
            "java",
            &["-jar", jar.to_str().unwrap(), f.to_str().unwrap()],
        );
        assert!(ok && out.contains("Xform is valid"), "{}: {out}", f.display());
    }
}

#[test]
fn the_flagship_xform_holds_its_routing_codes_and_checks() {
    let model = crate::flagship();
    let patient = model.instrument("patient").unwrap();
    let xml = quire::backend::xform::form(&model, patient);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let binds: Vec<roxmltree::Node> = doc.descendants().filter(|n| n.has_tag_name("bind")).collect();
    let bind = |path: &str| binds.iter().find(|b| b.attribute("nodeset") == Some(path)).copied();
    for s in &patient.sections {
        for item in &s.items {
            let Item::Question(q) = item else { continue };
            let path = format!("/data/{}/{}", s.id, q.id);
            let b = bind(&path).unwrap_or_else(|| panic!("no bind for {path}"));
            // Routing: every routed question is relevant only when its condition holds,
            // and every question after a screening rule only when the rule did not fire.
            if q.ask_if.is_some() || !q.screens.is_empty() {
                assert!(
                    b.attribute("relevant").is_some(),
                    "{path} is routed but always relevant"
                );
            }
            if q.required && q.kind != QuestionType::Grid {
                assert_eq!(b.attribute("required"), Some("true()"), "{path}");
            }
            // Choices: the codes are the values.
            if matches!(q.kind, QuestionType::Single | QuestionType::Multiple) {
                let control = doc
                    .descendants()
                    .find(|n| n.attribute("ref") == Some(path.as_str()))
                    .unwrap();
                let values: Vec<String> = control
                    .descendants()
                    .filter(|n| n.has_tag_name("value"))
                    .filter_map(|n| n.text().map(str::to_string))
                    .collect();
                let codes: Vec<String> = q.options.iter().map(|o| o.code.to_string()).collect();
                assert_eq!(values, codes, "{path}");
            }
        }
    }
    // The study's routing, in XPath: specialist-centre staff only when one is attended.
    let sc = bind("/data/centres/sc_staff").expect("sc_staff is in the patients' form");
    assert!(
        sc.attribute("relevant")
            .unwrap_or("")
            .contains("(/data/centres/sc_attend = '1')"),
        "{:?}",
        sc.attribute("relevant")
    );
    // After a screening rule, nothing is relevant once it fired (a blank consent ends it too).
    assert!(
        sc.attribute("relevant")
            .unwrap_or("")
            .contains("not((/data/consent/consent != '1'))")
    );
    // Metadata ODK Central needs, and the screening notes.
    assert!(xml.contains(r#"jr:preload="uid""#) && xml.contains(r#"jr:preloadParams="start""#));
    assert!(xml.contains("no_consent"));
}
