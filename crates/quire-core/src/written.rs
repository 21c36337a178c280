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
    may_write(path, inputs, force)?;
    let tmp = sibling(path);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(crate::Error::from(format!("cannot write `{}`: {e}", path.display())));
    }
    remember(path, &hash(bytes));
    Ok(())
}

/// Puts the file `from` (written by Quire beside `path`, in the same folder) at `path` by
/// [`write`]'s rule, without reading it into memory: renamed over `path` once it is on the
/// disk. `from` is left where it is when the rule refuses.
pub fn place(path: &Path, from: &Path, inputs: &[&Path], force: bool) -> Result<(), crate::Error> {
    may_write(path, inputs, force)?;
    std::fs::File::open(from)
        .and_then(|f| f.sync_all())
        .and_then(|_| std::fs::rename(from, path))
        .map_err(|e| crate::Error::from(format!("cannot write `{}`: {e}", path.display())))?;
    if let Ok(h) = hash_file(path) {
        remember(path, &h);
    }
    Ok(())
}

/// Whether `path` may be written: not one of `inputs`, and new, Quire's, or `force`d. Makes
/// its folder.
fn may_write(path: &Path, inputs: &[&Path], force: bool) -> Result<(), crate::Error> {
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
    Ok(())
}

/// Whether `path` holds exactly what Quire last wrote there.
pub fn is_ours(path: &Path) -> bool {
    let (Some(ledger), Some(name)) = (ledger_of(path), name_of(path)) else {
        return false;
    };
    let Ok(hash) = hash_file(path) else {
        return false;
    };
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

/// [`hash`] of a file's content, read a block at a time: a database copy of gigabytes is
/// hashed in 64 KiB. The text is decoded as [`String::from_utf8_lossy`] does, a sequence cut
/// by the end of a block carried over to the next.
fn hash_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    const BLOCK: usize = 64 * 1024;
    let mut file = std::fs::File::open(path)?;
    let mut h = Fnv::new();
    let mut buf = vec![0u8; BLOCK + 4];
    let (mut carried, mut total) = (0usize, 0u64);
    loop {
        let n = file.read(&mut buf[carried..carried + BLOCK])?;
        total += n as u64;
        let end = n == 0;
        let filled = carried + n;
        carried = h.lossy(&buf[..filled], end);
        if end {
            break;
        }
        buf.copy_within(filled - carried..filled, 0);
    }
    h.bytes(&[0]);
    h.bytes(total.to_string().as_bytes());
    h.bytes(&[0]);
    Ok(format!("{:016x}", h.0))
}

/// FNV-1a, as [`crate::model::content_hash`] computes it, fed piece by piece.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Feeds `bytes` decoded as [`String::from_utf8_lossy`] does; unless `end`, a sequence
    /// cut short at the end is not decoded: how many bytes of it to carry over.
    fn lossy(&mut self, bytes: &[u8], end: bool) -> usize {
        let mut carry = 0;
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            self.bytes(chunk.valid().as_bytes());
            let bad = chunk.invalid();
            if bad.is_empty() {
                continue;
            }
            let cut_short = std::str::from_utf8(bad).is_err_and(|e| e.error_len().is_none());
            if !end && chunks.peek().is_none() && cut_short {
                carry = bad.len();
            } else {
                self.bytes("\u{FFFD}".as_bytes());
            }
        }
        carry
    }
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
fn remember(path: &Path, hash: &str) {
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
    entries.push((hash.to_string(), name));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's hash read a block at a time is the hash of its bytes at once, whatever the
    /// bytes (valid text, sequences cut by a block's end, invalid ones, binary).
    #[test]
    fn a_file_hashes_as_its_bytes_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces: [&[u8]; 7] = [
            b"ab",
            "é".as_bytes(),
            "€".as_bytes(),
            "😀".as_bytes(),
            &[0xff],
            &[0xe2, 0x82],
            &[0xf0, 0x9f, 0x98],
        ];
        for case in 0..40 {
            // Around one and two blocks, so that every kind of sequence meets a block's end.
            let target = [0, 1, 65_535, 65_536, 65_537, 131_071, 131_073][case % 7] + (next() % 5) as usize;
            let mut bytes = Vec::with_capacity(target + 4);
            while bytes.len() < target {
                if case % 5 == 4 {
                    bytes.push(next() as u8);
                } else {
                    bytes.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
                }
            }
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(
                hash_file(&path).unwrap(),
                hash(&bytes),
                "case {case}, {} bytes",
                bytes.len()
            );
        }
    }

    /// A file put in place is Quire's to replace next time; one changed since is not.
    #[test]
    fn a_placed_file_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("copy.db");
        let from = dir.path().join(".copy.db.tmp");
        std::fs::write(&from, [0u8, 159, 146, 150, 1, 2, 3]).unwrap();
        place(&out, &from, &[], false).unwrap();
        assert!(!from.exists() && is_ours(&out));
        std::fs::write(&from, b"second").unwrap();
        place(&out, &from, &[], false).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"second");
        std::fs::write(&out, b"changed by hand").unwrap();
        std::fs::write(&from, b"third").unwrap();
        assert!(place(&out, &from, &[], false).is_err(), "replaced a file changed since");
        assert!(from.exists(), "the refused file was not left where it was");
    }
}
