//! A path the user names in, its bytes out: only a regular file, and never more than the
//! limit for what it is, so `/dev/zero`, a FIFO or a 1 GB file is a message, not an
//! exhausted memory or a hang.
//!
//! Every file Quire reads from a user (specs, includes, data files, workbooks, PO files)
//! comes through [`read`]; the limits are here, in one table, and in docs/ROBUSTNESS.md.

use std::io::Read as _;
use std::path::Path;

/// What a file is, for its limit and for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A spec or an included fragment.
    Spec,
    /// A data file (CSV or JSON records, a platform's export).
    Data,
    /// An XLSForm workbook.
    Workbook,
    /// A gettext PO file.
    Translations,
}

impl Kind {
    /// The most bytes a file of this kind may have.
    pub fn limit(self) -> u64 {
        match self {
            Kind::Spec => crate::yaml::MAX_SPEC_BYTES as u64,
            Kind::Data => MAX_DATA_BYTES,
            Kind::Workbook => MAX_WORKBOOK_BYTES,
            Kind::Translations => crate::translate::MAX_PO_BYTES as u64,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Spec => "a spec",
            Kind::Data => "a data file",
            Kind::Workbook => "an XLSForm workbook",
            Kind::Translations => "a PO file",
        }
    }
}

/// A data file's limit: 256 MiB (about a million records of 100 answers).
pub const MAX_DATA_BYTES: u64 = 256 * 1024 * 1024;
/// An XLSForm workbook's limit, as stored (zipped); its parts have limits of their own.
pub const MAX_WORKBOOK_BYTES: u64 = 16 * 1024 * 1024;

/// Reads `path` whole if it is a regular file within `kind`'s limit; else why not, in the
/// user's words, naming the path.
pub fn read(path: &Path, kind: Kind) -> Result<Vec<u8>, crate::Error> {
    let shown = path.display();
    // Ask before opening: opening a FIFO waits for a writer that may never come.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read `{shown}`: {}", plain(&e)))?;
    regular(&meta, path)?;
    let limit = kind.limit();
    if meta.len() > limit {
        return Err(crate::Error::from(too_large(path, kind, Some(meta.len()))));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{shown}`: {}", plain(&e)))?;
    // The file may have been swapped between the two looks: check what was opened.
    let opened = file
        .metadata()
        .map_err(|e| format!("cannot read `{shown}`: {}", plain(&e)))?;
    regular(&opened, path)?;
    let mut bytes = Vec::with_capacity(opened.len().min(limit) as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{shown}`: {}", plain(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(crate::Error::from(too_large(path, kind, None)));
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text (a byte-order mark kept; the readers skip it).
pub fn read_text(path: &Path, kind: Kind) -> Result<String, crate::Error> {
    let bytes = read(path, kind)?;
    String::from_utf8(bytes).map_err(|e| {
        // Say where: an editor can jump to the line, and the byte tells the encoding.
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = bytes[..at].iter().rposition(|b| *b == b'\n').map(|p| p + 1).unwrap_or(0);
        let column = String::from_utf8_lossy(&bytes[line_start..at]).chars().count() + 1;
        format!(
            "`{}` is not UTF-8 text: byte 0x{:02X} at {}:{line}:{column}; save the file as UTF-8 (e.g. in your editor's \"Save with encoding\")",
            path.display(),
            bytes[at],
            path.display()
        )
        .into()
    })
}

fn regular(meta: &std::fs::Metadata, path: &Path) -> Result<(), String> {
    if meta.is_file() {
        return Ok(());
    }
    let what = if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file (a device, a pipe or a socket)"
    };
    Err(format!(
        "`{}` is {what}; Quire reads only regular files: save the content to a file and name that",
        path.display()
    ))
}

fn too_large(path: &Path, kind: Kind, size: Option<u64>) -> String {
    let mib = |n: u64| n as f64 / (1024.0 * 1024.0);
    let size = size.map(|s| format!(" ({:.1} MiB)", mib(s))).unwrap_or_default();
    format!(
        "`{}`{size} is larger than {} may be ({:.0} MiB); split it, or check it is the file you meant",
        path.display(),
        kind.noun(),
        mib(kind.limit())
    )
}

/// An I/O error in the user's words.
pub fn plain(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "there is no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_large_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("quire-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(read(&dir, Kind::Spec).unwrap_err().message.contains("is a folder"));
        if Path::new("/dev/zero").exists() {
            assert!(
                read(Path::new("/dev/zero"), Kind::Data)
                    .unwrap_err()
                    .message
                    .contains("not a regular file")
            );
        }
        let big = dir.join("big.yaml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(Kind::Spec.limit() + 1).unwrap();
        assert!(
            read(&big, Kind::Spec)
                .unwrap_err()
                .message
                .contains("larger than a spec may be")
        );
        let small = dir.join("small.yaml");
        std::fs::write(&small, "a: 1\n").unwrap();
        assert_eq!(read_text(&small, Kind::Spec).unwrap(), "a: 1\n");
        std::fs::write(&small, b"a: \xff\n").unwrap();
        assert!(read_text(&small, Kind::Spec).unwrap_err().message.contains("1:4"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
