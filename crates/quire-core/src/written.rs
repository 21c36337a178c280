//! A file a command writes for the user (`-o data.csv`, a PO file, an imported spec) in,
//! the file in place out: never over the command's own input, and never over a file Quire
//! did not write unless told `--force`.
//!
//! Quire knows its files by a ledger beside them, [`LEDGER`] in the same folder: each file it
//! wrote there, by name, with the hash of what it wrote. A file still holding exactly that is
//! Quire's to replace; one changed since, or never written by Quire, is the user's. Output
//! folders of `quire build` follow the same rule through their own manifest.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The ledger's file name, in each folder Quire wrote a file to.
pub const LEDGER: &str = ".quire-written";

/// Entries the ledger keeps at most (the oldest go first).
const MAX_ENTRIES: usize = 10_000;

/// Writes `bytes` to `path` atomically (a sibling temporary file renamed over it), unless
/// `path` is one of `inputs`, or exists and is not Quire's (without `force`). The error is
/// the message for the user.
pub fn write(path: &Path, bytes: &[u8], inputs: &[&Path], force: bool) -> Result<(), crate::Error> {
    let shown = path.display();
    let same = |a: &Path| {
        std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(path).ok())
            .is_some_and(|(a, b)| a == b)
    };
    if inputs.iter().any(|i| same(i)) {
        return Err(crate::Error::from(format!(
            "`{shown}` is this command's input; write the output to another file"
        )));
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(crate::Error::from(format!("cannot write `{shown}`: {e}"))),
        Ok(meta) if !meta.is_file() => {
            return Err(crate::Error::from(format!(
                "`{shown}` is not a regular file (a folder, a link or a device); give `-o` a file name"
            )));
        }
        Ok(_) if force => {}
        Ok(_) if is_ours(path) => {}
        Ok(_) => {
            return Err(crate::Error::from(format!(
                "`{shown}` exists and Quire did not write it (or it was changed since); choose another file name, or add `--force` to replace it"
            )));
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot write `{shown}`: {e}"))?;
    }
    let tmp = sibling(path);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(crate::Error::from(format!("cannot write `{shown}`: {e}")));
    }
    remember(path, bytes);
    Ok(())
}

/// Whether `path` holds exactly what Quire last wrote there.
pub fn is_ours(path: &Path) -> bool {
    let (Some(ledger), Some(name), Ok(bytes)) = (ledger_of(path), name_of(path), std::fs::read(path)) else {
        return false;
    };
    let hash = hash(&bytes);
    read_ledger(&ledger).iter().any(|(h, p)| *p == name && *h == hash)
}

fn sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.quire-tmp-{}", std::process::id()))
}

fn hash(bytes: &[u8]) -> String {
    // The model's FNV-1a over the bytes as text and their length; a changed file changes it.
    crate::model::content_hash(&[&String::from_utf8_lossy(bytes), &bytes.len().to_string()])
}

fn name_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    (!name.contains('\n')).then(|| name.to_string())
}

fn ledger_of(path: &Path) -> Option<PathBuf> {
    Some(path.with_file_name(LEDGER)).filter(|_| path.file_name().is_some())
}

/// (hash, file name) per line.
fn read_ledger(ledger: &Path) -> Vec<(String, String)> {
    let Ok(text) = crate::input::read_text(ledger, crate::input::Kind::Spec) else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .map(|(h, p)| (h.to_string(), p.to_string()))
        .collect()
}

/// Records what Quire wrote at `path`. Best effort: without a ledger, the next write of
/// the same file asks for `--force`, which loses nothing.
fn remember(path: &Path, bytes: &[u8]) {
    let (Some(ledger), Some(name)) = (ledger_of(path), name_of(path)) else {
        return;
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut entries: Vec<(String, String)> = read_ledger(&ledger)
        .into_iter()
        .filter(|(_, p)| *p != name && dir.join(p).exists())
        .collect();
    entries.push((hash(bytes), name));
    let skip = entries.len().saturating_sub(MAX_ENTRIES);
    let mut text = String::from(
        "# Files Quire wrote in this folder, with the hash of what it wrote: it replaces\n# them on the next run, and asks for --force before replacing any other file.\n",
    );
    for (h, p) in &entries[skip..] {
        text.push_str(h);
        text.push(' ');
        text.push_str(p);
        text.push('\n');
    }
    let tmp = sibling(&ledger);
    if std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, &ledger))
        .is_err()
    {
        let _ = std::fs::remove_file(&tmp);
    }
}
