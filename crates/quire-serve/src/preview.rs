//! `quire preview SPEC`: the spec in, a local page of its web forms and paper editions out,
//! rebuilt on every save (notify watches the folders of the spec and the files it includes)
//! and reloaded in the browser.
//! When the spec is broken, `check`'s diagnostics show over the last good build, which
//! stays visible.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use notify::{RecursiveMode, Watcher};
use serde_json::json;

/// What the preview shows: the last good build, and the current problems if any.
#[derive(Default)]
pub struct Preview {
    /// Bumped on every rebuild, good or bad: pages reload when it changes.
    pub generation: u64,
    /// The survey's title, for the index page.
    pub title: String,
    /// Each audience's web forms: (production, pilot).
    pub forms: BTreeMap<String, (String, String)>,
    /// The paper editions, by file name, as PDFs.
    pub papers: BTreeMap<String, Vec<u8>>,
    /// `check`'s report when the spec does not compile.
    pub error: Option<String>,
    /// The hash of every file the last build read: a rebuild of the same files changes
    /// nothing, so the page does not reload (and keeps what was typed into the form).
    pub fingerprint: Option<String>,
}

type Shared = Arc<RwLock<Preview>>;

/// Compiles the spec and, when it compiles, replaces the build; otherwise keeps it and
/// records the diagnostics.
pub fn rebuild(spec: &Path, state: &Shared) {
    let name = spec.display().to_string();
    let mut fingerprint = None;
    let read = quire_core::input::read_text(spec, quire_core::input::Kind::Spec).map_err(String::from);
    let outcome = read.and_then(|text| {
        let compiled = quire_core::compile_with(&name, &text, &quire_backends::compile_options());
        let texts: Vec<&str> = compiled
            .sources
            .iter()
            .flat_map(|(_, s)| [s.name.as_str(), s.text.as_str()])
            .collect();
        fingerprint = Some(quire_core::model::content_hash(&texts));
        match &compiled.model {
            Some(m) if !compiled.has_errors() => Ok(m.clone()),
            _ => Err(quire_backends::diagnostics::render(
                &compiled.diagnostics,
                &compiled.sources,
                false,
            )),
        }
    });
    let mut p = state.write().unwrap_or_else(|e| e.into_inner());
    if fingerprint.is_some() && p.fingerprint == fingerprint {
        return;
    }
    p.fingerprint = fingerprint;
    p.generation += 1;
    match outcome.and_then(|model| built(&model).map(|b| (model, b))) {
        Ok((model, (forms, papers))) => {
            p.title = model.survey.title.plain();
            p.forms = forms;
            p.papers = papers;
            p.error = None;
        }
        Err(report) => p.error = Some(report),
    }
}

/// Each audience's web form (with its audience's label) and the paper editions, typeset
/// when this server typesets, through the backends' table of targets; or why not.
#[allow(clippy::type_complexity)]
fn built(
    model: &quire_core::model::Questionnaire,
) -> Result<(BTreeMap<String, (String, String)>, BTreeMap<String, Vec<u8>>), String> {
    use quire_backends::target::{BuildOptions, Target};
    let mut forms = BTreeMap::new();
    for i in &model.instruments {
        let label = model
            .audiences
            .iter()
            .find(|a| a.id == i.audience)
            .map(|a| a.label.clone())
            .unwrap_or_default();
        let form = quire_backends::html::form(model, i, quire_backends::html::Edition::Production)
            .map_err(|e| e.to_string())?;
        forms.insert(i.audience.clone(), (label, form));
    }
    let papers = if cfg!(feature = "pdf") {
        Target::Pdf
    } else {
        Target::Paper
    };
    let written = (papers.info().write)(model, &BuildOptions::default()).map_err(|e| e.to_string())?;
    Ok((forms, written.files.into_iter().map(|f| (f.path, f.bytes)).collect()))
}

/// The spec and every file it includes, as paths.
fn read_files(spec: &Path) -> Vec<PathBuf> {
    let name = spec.display().to_string();
    let text = quire_core::input::read_text(spec, quire_core::input::Kind::Spec).unwrap_or_default();
    let compiled = quire_core::compile_with(&name, &text, &quire_backends::compile_options());
    let mut files: Vec<PathBuf> = compiled.sources.iter().map(|(_, s)| PathBuf::from(&s.name)).collect();
    if files.is_empty() {
        files.push(spec.to_path_buf());
    }
    files
}

/// Serves the preview on `listen` until stopped, rebuilding on every change to `spec`.
pub async fn run(spec: PathBuf, listen: SocketAddr) -> Result<(), quire_core::Error> {
    let state: Shared = Arc::new(RwLock::new(Preview::default()));
    rebuild(&spec, &state);
    // Editors save by writing in place or by renaming a new file over the old: watch the
    // folders of the spec and of every file it includes, and rebuild when an event names one.
    let files = read_files(&spec);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let targets: std::collections::HashSet<std::ffi::OsString> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_os_string()))
        .collect();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        // Only a change of content counts: reading the spec (which every rebuild does) is an
        // event too, and reacting to it rebuilt and reloaded the page for ever.
        if let Ok(ev) = ev
            && matches!(
                ev.kind,
                notify::EventKind::Create(_)
                    | notify::EventKind::Modify(_)
                    | notify::EventKind::Remove(_)
                    | notify::EventKind::Access(notify::event::AccessKind::Close(notify::event::AccessMode::Write))
            )
            && !matches!(
                ev.kind,
                notify::EventKind::Modify(notify::event::ModifyKind::Metadata(_))
            )
            && ev
                .paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| targets.contains(n)))
        {
            let _ = tx.send(());
        }
    })
    .map_err(|e| format!("cannot watch the spec: {e}"))?;
    let mut folders: Vec<PathBuf> = files
        .iter()
        .map(|f| {
            f.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        })
        .collect();
    folders.sort();
    folders.dedup();
    for folder in &folders {
        watcher
            .watch(folder, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch `{}`: {e}", folder.display()))?;
    }
    {
        let (state, spec) = (state.clone(), spec.clone());
        std::thread::spawn(move || {
            while rx.recv().is_ok() {
                // A save is often several events: wait for them to settle, then build once.
                std::thread::sleep(Duration::from_millis(150));
                while rx.try_recv().is_ok() {}
                rebuild(&spec, &state);
            }
        });
    }
    let app = Router::new()
        .route("/", get(index))
        .route("/__preview/state", get(status))
        .route("/paper/{file}", get(paper))
        .route("/{audience}/", get(form))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    eprintln!(
        "preview of {} at http://{listen}/ (rebuilt on every save; Ctrl-C stops)",
        spec.display()
    );
    axum::serve(listener, app).await.map_err(|e| e.to_string())?;
    drop(watcher);
    Ok(())
}

/// The banner and reload script every preview page carries.
const LIVE: &str = r#"<div id="quire-preview-problems" role="alert" hidden style="position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;margin:0;background:#fff4f4;border-top:5px solid #b10e1e;padding:1rem;font:14px/1.4 monospace;white-space:pre-wrap;z-index:10"></div>
<script>
(function () {
  var seen = null;
  function poll() {
    fetch("/__preview/state", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.generation !== seen && !s.error) { location.reload(); return; }
      seen = s.generation;
      var box = document.getElementById("quire-preview-problems");
      box.hidden = !s.error;
      box.textContent = s.error ? "The spec does not check: the last good build is shown.\n\n" + s.error : "";
    }).catch(function () {}).then(function () { setTimeout(poll, 400); });
  }
  poll();
})();
</script>"#;

fn with_live(page: &str) -> String {
    match page.rfind("</body>") {
        Some(i) => format!("{}{LIVE}{}", &page[..i], &page[i..]),
        None => format!("{page}{LIVE}"),
    }
}

fn esc(s: &str) -> String {
    quire_core::escape::html(s)
}

async fn index(State(state): State<Shared>) -> Html<String> {
    let p = state.read().unwrap_or_else(|e| e.into_inner());
    let forms: String = p
        .forms
        .iter()
        .map(|(id, (label, _))| format!("<li><a href=\"/{}/\">{}</a></li>", esc(id), esc(label)))
        .collect();
    let papers: String = p
        .papers
        .keys()
        .map(|n| format!("<li><a href=\"/paper/{}\">{}</a></li>", esc(n), esc(n)))
        .collect();
    Html(with_live(&format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Preview: {t}</title></head><body><main><h1>Preview: {t}</h1><h2>Web forms (pilot edition)</h2><ul>{forms}</ul><h2>Paper editions</h2><ul>{papers}</ul></main></body></html>",
        t = esc(&p.title)
    )))
}

async fn status(State(state): State<Shared>) -> Response {
    let p = state.read().unwrap_or_else(|e| e.into_inner());
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        json!({ "generation": p.generation, "error": p.error }).to_string(),
    )
        .into_response()
}

async fn form(State(state): State<Shared>, UrlPath(audience): UrlPath<String>) -> Response {
    let p = state.read().unwrap_or_else(|e| e.into_inner());
    match p.forms.get(&audience) {
        Some((_, page)) => ([(header::CACHE_CONTROL, "no-store")], Html(with_live(page))).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn paper(State(state): State<Shared>, UrlPath(file): UrlPath<String>) -> Response {
    let p = state.read().unwrap_or_else(|e| e.into_inner());
    match p.papers.get(&file) {
        Some(bytes) => {
            let kind = if file.ends_with(".pdf") {
                "application/pdf"
            } else {
                "text/plain; charset=utf-8"
            };
            (
                [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-store")],
                bytes.clone(),
            )
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
