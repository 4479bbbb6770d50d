//! Unpacking a dataset export archive (the ZIP of `Dataset.export`) per split into a folder.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The SDK's name for "every split" (`split='all'`, its default).
pub const ALL_SPLITS: &str = "all";

/// The archive's format marker, which the SDK reads and drops (not written out).
const MIMETYPE: &str = "mimetype";

/// The options of [`Dataset::export_to`](crate::Dataset::export_to) (the SDK's `split`,
/// `local_archive_path`, and how long to wait for the server to build the archive).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportOptions {
    /// Only this split (the archive's top folder); `None` or [`ALL_SPLITS`] for all.
    pub split: Option<String>,
    /// An already-downloaded archive to unpack: no request is made.
    pub local_archive_path: Option<PathBuf>,
    /// How long to wait for the export to be ready (default 10 minutes).
    pub timeout: std::time::Duration,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            split: None,
            local_archive_path: None,
            timeout: std::time::Duration::from_secs(600),
        }
    }
}

impl ExportOptions {
    /// Only the split `split`.
    pub fn split(mut self, split: impl Into<String>) -> Self {
        self.split = Some(split.into());
        self
    }

    /// Unpack this local archive instead of asking the server for one.
    pub fn local_archive_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.local_archive_path = Some(path.into());
        self
    }

    /// How long to wait for the server's export.
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// What [`Dataset::export_to`](crate::Dataset::export_to) wrote: the files of each split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportedDataset {
    /// The folder everything was written under.
    pub save_path: PathBuf,
    /// Split name (the member's top folder in the archive; `""` for top-level files) → the
    /// files written for it, in archive order.
    pub splits: BTreeMap<String, Vec<PathBuf>>,
}

impl ExportedDataset {
    /// Every file written, split by split.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.splits.values().flatten().map(PathBuf::as_path)
    }
}

/// Unpacks `archive` (ZIP bytes) into `save_path`, mirroring the archive's folders; only the
/// members under the top folder `split` unless `split` is `None` or [`ALL_SPLITS`].
///
/// Every member is checked before anything is written: a corrupt archive is
/// [`Error::CorruptArchive`], a member path that is absolute or climbs out of `save_path`
/// (zip-slip) is [`Error::UnsafeArchivePath`]. A split the archive lacks is
/// [`Error::InvalidInput`].
pub(crate) fn unpack(
    archive: &[u8],
    save_path: &Path,
    split: Option<&str>,
) -> Result<ExportedDataset> {
    let corrupt = |e: zip::result::ZipError| Error::CorruptArchive {
        reason: e.to_string(),
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).map_err(corrupt)?;
    let wanted = split.filter(|s| !s.is_empty() && *s != ALL_SPLITS);

    // Pass 1: validate every member path, pick the selected ones.
    let mut selected = Vec::new();
    let mut seen_splits = Vec::<String>::new();
    for index in 0..zip.len() {
        let member = zip.by_index_raw(index).map_err(corrupt)?;
        let name = member.name().map_err(corrupt)?.into_owned();
        let relative = safe_relative(&name)?;
        if member.is_dir() || name == MIMETYPE {
            continue;
        }
        let split_name = split_of(&relative);
        if !seen_splits.contains(&split_name) {
            seen_splits.push(split_name.clone());
        }
        if wanted.is_none_or(|w| w == split_name) {
            selected.push((index, name, relative, split_name));
        }
    }
    if let Some(w) = wanted
        && selected.is_empty()
    {
        return Err(Error::user(format!(
            "the export archive has no split `{w}` (it has: {})",
            seen_splits.join(", ")
        )));
    }

    // Pass 2: write.
    let mut out = ExportedDataset {
        save_path: save_path.to_owned(),
        splits: BTreeMap::new(),
    };
    for (index, name, relative, split_name) in selected {
        let mut member = zip.by_index(index).map_err(corrupt)?;
        let mut contents =
            Vec::with_capacity(usize::try_from(member.size()).unwrap_or(0).min(1 << 24));
        member
            .read_to_end(&mut contents)
            .map_err(|e| Error::CorruptArchive {
                reason: format!("member `{name}`: {e}"),
            })?;
        let target = save_path.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        std::fs::write(&target, &contents).map_err(|source| Error::Io {
            path: target.clone(),
            source,
        })?;
        out.splits.entry(split_name).or_default().push(target);
    }
    Ok(out)
}

/// The member's path relative to the target folder, or [`Error::UnsafeArchivePath`] when it
/// is absolute, has a drive/root prefix or a `..` (checked on the raw name, both separators).
fn safe_relative(name: &str) -> Result<PathBuf> {
    let unsafe_path = || Error::UnsafeArchivePath {
        member: name.to_owned(),
    };
    if name.contains('\0') || name.starts_with('/') || name.starts_with('\\') {
        return Err(unsafe_path());
    }
    let mut relative = PathBuf::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err(unsafe_path()),
            part if part.contains(':') => return Err(unsafe_path()),
            part => relative.push(part),
        }
    }
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(unsafe_path());
    }
    Ok(relative)
}

/// The split of a member: its top folder, or `""` for a top-level file.
fn split_of(relative: &Path) -> String {
    let mut parts = relative.components();
    match (parts.next(), parts.next()) {
        (Some(first), Some(_)) => first.as_os_str().to_string_lossy().into_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths() {
        assert_eq!(
            safe_relative("train/a.json").unwrap(),
            PathBuf::from("train").join("a.json")
        );
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "\\x",
            "C:/x",
            "a\\..\\..\\x",
        ] {
            assert!(
                matches!(safe_relative(bad), Err(Error::UnsafeArchivePath { .. })),
                "{bad}"
            );
        }
        assert_eq!(split_of(Path::new("train/a")), "train");
        assert_eq!(split_of(Path::new("a")), "");
    }
}
