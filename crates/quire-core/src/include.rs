//! `include:` in, every included file read and parsed once out, before the spec is read.
//!
//! A spec may include **fragments**: YAML files holding `choices`, `sections` and `derived`
//! (shared demographics across studies, a standard scale's choice lists). Top-level
//! `include: [file, …]` merges a fragment's choice lists and derived variables; an entry
//! `- include: file` among `sections` puts the fragment's sections there. Paths are relative
//! to the file that includes them. Missing files, cycles and fragments with other keys are
//! located errors, and the model's content hash covers every file read.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{Source, SourceId, Sources, Span};
use crate::yaml::{self, Node, Value};

/// Reads an included file: (the root spec, the file that includes it, the path written) →
/// (its name, its text), or why it cannot be read.
pub type Loader = fn(&str, &str, &str) -> Result<(String, String), crate::Error>;

/// Most files one compilation reads, and how deep includes nest.
pub const MAX_FILES: usize = 64;
/// How deep includes may nest.
pub const MAX_DEPTH: usize = 16;

/// Included fragments, by the include's span: the fragment's source and root, or `None`
/// when it could not be read (already reported).
pub type Fragments = HashMap<Span, Option<(SourceId, Node)>>;

/// The file-system loader: `path` relative to the directory of `from`, and inside the root
/// spec's project (its git repository, or its folder), so a spec cannot read, and quote in
/// its diagnostics, any file of the machine. Only regular files are read ([`crate::input`]).
pub fn read_file(root: &str, from: &str, path: &str) -> Result<(String, String), crate::Error> {
    let file = resolve(from, path);
    let project = project_folder(root);
    let inside = match (std::fs::canonicalize(&file), std::fs::canonicalize(&project)) {
        (Ok(f), Ok(p)) => f.starts_with(p),
        // A file that is not there is reported as missing below; a project folder that cannot
        // be resolved contains nothing.
        (Err(_), Ok(_)) => true,
        _ => false,
    };
    if !inside {
        return Err(crate::Error::from(format!(
            "`{}` is outside the spec's project `{}` (its git repository, or its folder); a spec includes only files there (`--allow-includes-anywhere` lifts this)",
            file.display(),
            project.display()
        )));
    }
    read_file_anywhere(root, from, path)
}

/// [`read_file`] without the project-folder rule (`--allow-includes-anywhere`).
pub fn read_file_anywhere(_root: &str, from: &str, path: &str) -> Result<(String, String), crate::Error> {
    let file = resolve(from, path);
    let name = file.display().to_string();
    let text = crate::input::read_text(&file, crate::input::Kind::Spec)?;
    Ok((name, text))
}

/// What a spec's includes may read: the git repository the spec is in (a study's shared
/// fragments sit beside its specs), or the spec's own folder when it is in none.
fn project_folder(root: &str) -> std::path::PathBuf {
    let folder = match std::path::Path::new(root).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let Ok(canonical) = std::fs::canonicalize(&folder) else {
        return folder;
    };
    canonical
        .ancestors()
        .find(|a| a.join(".git").exists())
        .map(std::path::Path::to_path_buf)
        .unwrap_or(folder)
}

/// `path` relative to the folder of `from`, with `.` and `..` folded.
fn resolve(from: &str, path: &str) -> std::path::PathBuf {
    let base = std::path::Path::new(from).parent().unwrap_or(std::path::Path::new(""));
    let joined = base.join(path);
    let mut clean = std::path::PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if clean.file_name().is_some() => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// The includes a node tree asks for: top-level `include` and `- include:` among `sections`.
fn includes(root: &Node) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    let Value::Map(entries) = &root.value else { return out };
    for (k, v) in entries {
        match (k.as_str(), &v.value) {
            (Some("include"), Value::Seq(items)) => {
                out.extend(items.iter().filter_map(|i| i.as_str().map(|s| (i.span, s.to_string()))))
            }
            (Some("include"), Value::Str(s)) => out.push((v.span, s.clone())),
            (Some("sections"), Value::Seq(items)) => {
                for item in items {
                    if let Value::Map(fields) = &item.value {
                        for (fk, fv) in fields {
                            if fk.as_str() == Some("include")
                                && let Some(s) = fv.as_str()
                            {
                                out.push((fv.span, s.to_string()));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Reads every file `root` includes, and theirs, into `sources`.
pub fn load(
    root: &Node,
    id: SourceId,
    sources: &mut Sources,
    loader: Option<Loader>,
    diags: &mut Diagnostics,
) -> Fragments {
    let mut out = Fragments::new();
    let mut stack = vec![sources.get(id).name.clone()];
    visit(root, id, sources, loader, diags, &mut out, &mut stack);
    out
}

fn visit(
    node: &Node,
    id: SourceId,
    sources: &mut Sources,
    loader: Option<Loader>,
    diags: &mut Diagnostics,
    out: &mut Fragments,
    stack: &mut Vec<String>,
) {
    for (span, path) in includes(node) {
        let from = sources.get(id).name.clone();
        let Some(load) = loader else {
            diags.push(
                Diagnostic::error(
                    "include-unavailable",
                    "this spec was not read from a file, so it cannot include others",
                )
                .at(span, "nothing to read it from")
                .help("compile the spec from its file (`quire check path/to/spec.yaml`), or copy the fragment in"),
            );
            out.insert(span, None);
            continue;
        };
        if stack.len() > MAX_DEPTH || sources.iter().count() >= MAX_FILES {
            diags.push(
                Diagnostic::error(
                    "include-limit",
                    format!("includes go deeper than {MAX_DEPTH} files, or read more than {MAX_FILES}"),
                )
                .at(span, "one include too many")
                .help("include shared fragments once, from the spec itself"),
            );
            out.insert(span, None);
            continue;
        }
        match load(&stack[0], &from, &path) {
            Err(why) => {
                diags.push(
                    Diagnostic::error("include-missing", format!("cannot include `{path}`: {why}"))
                        .at(span, "included here")
                        .help("paths are relative to the file that includes them"),
                );
                out.insert(span, None);
            }
            Ok((name, _)) if stack.contains(&name) => {
                let mut circle = stack.clone();
                circle.push(name.clone());
                let start = circle.iter().position(|n| *n == name).unwrap_or(0);
                diags.push(
                    Diagnostic::error(
                        "include-cycle",
                        format!("files include each other in a circle: {}", circle[start..].join(" → ")),
                    )
                    .at(span, "includes a file that includes this one")
                    .help("move what both need into a third file that includes nothing"),
                );
                out.insert(span, None);
            }
            Ok((name, text)) => {
                let fid = sources.add(Source::new(name.clone(), text));
                match yaml::parse(sources.get(fid), fid) {
                    Err(d) => {
                        diags.push(*d);
                        out.insert(span, None);
                    }
                    Ok(root) => {
                        stack.push(name);
                        visit(&root, fid, sources, loader, diags, out, stack);
                        stack.pop();
                        out.insert(span, Some((fid, root)));
                    }
                }
            }
        }
    }
}
