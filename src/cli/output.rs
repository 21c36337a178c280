//! An output folder and the files of one build in, the folder replaced whole out: only ever
//! a folder Quire made, never one that holds anything else.
//!
//! Every folder Quire writes carries a manifest, [`MANIFEST`], listing the files it wrote.
//! A build writes into a fresh sibling folder and swaps it in, so a failed or interrupted
//! build leaves the last good output as it was. Before that it refuses an output that is a
//! file, a folder holding the spec, or a non-empty folder with anything the manifest does not
//! list; and it removes what interrupted builds of the same output left beside it.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_USAGE, FORCE, Failure, Outcome, usage};

/// The manifest's file name, in every output folder.
pub(super) const MANIFEST: &str = ".quire-output";
/// The manifest's first line that is not a comment.
const MARK: &str = "quire-output 1";

/// Why an output folder cannot be used: a message for the user, with the way out.
#[derive(Debug)]
pub(super) struct Refusal(pub String);

/// Refuses an output that Quire may not replace. `inputs` are the files the build reads.
pub(super) fn check(out: &Path, inputs: &[&Path]) -> Result<(), Refusal> {
    let shown = out.display();
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Refusal(format!("cannot read `{shown}`: {e}"))),
    };
    if meta.file_type().is_symlink() {
        return Err(Refusal(format!(
            "`{shown}` is a symbolic link; Quire replaces its output folder whole, so give `-o` the folder itself, or a new one"
        )));
    }
    if !meta.is_dir() {
        return Err(Refusal(format!(
            "`{shown}` is a file, not a folder; give `-o` a new folder (e.g. `{shown}.out`) so nothing is overwritten"
        )));
    }
    let canonical = std::fs::canonicalize(out).map_err(|e| Refusal(format!("cannot read `{shown}`: {e}")))?;
    for input in inputs {
        if let Ok(input) = std::fs::canonicalize(input)
            && input.starts_with(&canonical)
        {
            return Err(Refusal(format!(
                "`{shown}` holds `{}`, which this build reads; give `-o` a folder of its own, e.g. `{}`",
                input.display(),
                out.join("out").display()
            )));
        }
    }
    let listed = manifest(out);
    let mut foreign = Vec::new();
    walk(out, out, &mut |rel| {
        let ours = rel == Path::new(MANIFEST) || listed.as_ref().is_some_and(|l| l.iter().any(|p| p == rel));
        if !ours {
            foreign.push(rel.display().to_string());
        }
        foreign.len() < 4
    })
    .map_err(|e| Refusal(format!("cannot read `{shown}`: {e}")))?;
    if foreign.is_empty() {
        return Ok(());
    }
    let what = if listed.is_some() {
        "files Quire did not write"
    } else {
        "files, and Quire did not make it"
    };
    Err(Refusal(format!(
        "`{shown}` holds {what} ({}{}); Quire replaces its output folder whole, so it only writes to a new or empty folder, or one it made. Choose another folder, or move those files",
        foreign.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
        if foreign.len() > 3 { ", …" } else { "" }
    )))
}

/// Writes all files, and the manifest, into a fresh sibling folder, then swaps it in for
/// `out` ([`check`] first). Leftovers of interrupted builds of `out` are removed.
pub(super) fn write(out: &Path, files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let base = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    remove_leftovers(&parent, &base);
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let tmp = parent.join(format!(".{base}.quire-new-{stamp}"));
    let old = parent.join(format!(".{base}.quire-old-{stamp}"));
    let result = (|| {
        std::fs::create_dir(&tmp)?;
        // The manifest first: a build killed while writing leaves a folder that says whose it is.
        let mut list = String::from(
            "# Written by Quire (`quire build`). The next build of this output replaces the folder whole,\n# and refuses to if it holds any file not listed here.\n",
        );
        list.push_str(MARK);
        list.push('\n');
        for (rel, _) in files {
            list.push_str(&rel.to_string_lossy());
            list.push('\n');
        }
        write_file(&tmp.join(MANIFEST), list.as_bytes())?;
        for (rel, bytes) in files {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            write_file(&path, bytes)?;
        }
        let had_old = out.exists();
        if had_old {
            std::fs::rename(out, &old)?;
        }
        if let Err(e) = std::fs::rename(&tmp, out) {
            if had_old {
                let _ = std::fs::rename(&old, out);
            }
            return Err(e);
        }
        if had_old && let Err(e) = std::fs::remove_dir_all(&old) {
            // The new output is in place; the old one is whole beside it. Say so, never
            // leave it silently.
            eprintln!(
                "warning: the previous output, moved to `{}`, could not be removed ({e}); the new build is in `{}`. Remove the old one yourself",
                old.display(),
                out.display()
            );
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The files a Quire output folder lists; `None` when it has no manifest.
fn manifest(dir: &Path) -> Option<Vec<PathBuf>> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    (lines.next()? == MARK).then(|| lines.filter(|l| !l.is_empty()).map(PathBuf::from).collect())
}

/// Calls `f` with every file under `dir`, relative to `root`, while it returns true.
fn walk(root: &Path, dir: &Path, f: &mut dyn FnMut(&Path) -> bool) -> std::io::Result<bool> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            if !walk(root, &path, f)? {
                return Ok(false);
            }
        } else if !f(path.strip_prefix(root).unwrap_or(&path)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Removes the folders interrupted builds of `base` left beside it: `.BASE.quire-new-*` and
/// `.BASE.quire-old-*`, when they are Quire's (a manifest, and nothing it does not list) or
/// empty.
fn remove_leftovers(parent: &Path, base: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix(&format!(".{base}.quire-new-"))
            .or_else(|| name.strip_prefix(&format!(".{base}.quire-old-")))
        else {
            continue;
        };
        if !rest.chars().all(|c| c.is_ascii_digit() || c == '-') {
            continue;
        }
        let path = entry.path();
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if is_dir
            && check(&path, &[]).is_ok()
            && let Err(e) = std::fs::remove_dir_all(&path)
        {
            eprintln!(
                "warning: `{}`, left by an earlier build, could not be removed ({e}); remove it yourself",
                path.display()
            );
        }
    }
}

/// Writes an output file the user named, by [`quire::written::write`]'s rule.
pub(super) fn write_output(path: &Path, bytes: &[u8], inputs: &[&Path]) -> Result<(), Failure> {
    let force = FORCE.load(std::sync::atomic::Ordering::Relaxed);
    quire::written::write(path, bytes, inputs, force).map_err(|e| usage(format!("{e}\nnothing was written")))
}

/// Writes `bytes` to `out` ([`write_output`]), or to standard output.
pub(super) fn emit(out: Option<&Path>, bytes: &[u8], inputs: &[&Path]) -> Outcome {
    use std::io::Write;
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(bytes).and_then(|_| stdout.flush()).is_err() {
                return Err(Failure::Status(EXIT_USAGE));
            }
            Ok(())
        }
        Some(path) => write_output(path, bytes, inputs),
    }
}
