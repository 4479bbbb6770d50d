//! Clarifai: `shared/specs/clarifai/proto/clarifai/api/status/status_code.proto` (the
//! `clarifai.api.status.StatusCode` enum) → `crates/clarifai-rs/src/status/generated.rs`.
//!
//! The proto enum has `option allow_alias = true`: several names may share one number
//! (`INPUT_DOWNLOAD_SUCCESS` = `INPUT_SUCCESS` = 30000). The generated file holds:
//! * one associated constant per name on the hand-written open newtype `StatusCode(i32)`
//!   (aliases included; `[deprecated = true]` → `#[deprecated]`), documented with the proto's
//!   comment for that entry;
//! * `name_of(i32)` → the canonical (first declared) name of a number;
//! * `aliases_of(i32)` → the later names of a number;
//! * `code_of(&str)` → the number of any name, aliases included;
//! * `ALL`: every distinct number in declaration order.
//!
//! Parsing is line-based and strict: a line inside the enum body is a comment, blank, the
//! `option allow_alias` line, part of the `reserved` list, or `NAME = NUMBER [options];`.
//! Anything else is an error, so a re-pinned proto with a new construct fails loudly.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The proto, relative to the shared folder.
pub(crate) const SPEC_PATH: &str = "specs/clarifai/proto/clarifai/api/status/status_code.proto";

/// SHA-256 of the proto the committed file was generated from (clarifai-nodejs-grpc 9f554085,
/// "GRPC clients version 12.4.5"; same status codes as clarifai-grpc 12.6.0). To re-pin after a
/// proto update: review the proto diff, put the new hash here, run `cargo xtask codegen`,
/// review the generated diff.
pub(crate) const SPEC_SHA256: &str =
    "0480dec2692c531124f30b79ee64011728e2ef01dc599258e0b451b1edc347ac";

/// The generated file, relative to the workspace root.
pub(crate) const OUTPUT_PATH: &str = "crates/clarifai-rs/src/status/generated.rs";

/// One `NAME = NUMBER` entry of the enum.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    name: String,
    number: i32,
    deprecated: bool,
    /// The entry's comment: the comment lines directly above it (but not a section heading),
    /// then a trailing `//` comment.
    doc: Vec<String>,
    /// The section heading that starts at this entry (a comment line right after a blank line,
    /// such as `// Clarifai Connection Codes: 11xxx`); rendered as a plain comment.
    section: Option<String>,
}

/// Generates the Rust source (unformatted) of the status-code tables from the proto text.
pub(crate) fn generate(proto: &str) -> Result<String, String> {
    let entries = parse(proto)?;
    Ok(render(&entries))
}

/// Parses the body of `enum StatusCode { … }`.
fn parse(proto: &str) -> Result<Vec<Entry>, String> {
    let mut lines = proto.lines().enumerate();
    lines
        .by_ref()
        .find(|(_, line)| line.trim() == "enum StatusCode {")
        .ok_or("no `enum StatusCode {` line")?;

    let mut entries: Vec<Entry> = Vec::new();
    let mut pending_doc: Vec<String> = Vec::new();
    let mut pending_section: Option<String> = None;
    let mut after_blank = true;
    let mut in_reserved = false;
    let mut closed = false;
    for (index, raw) in lines {
        let at = index + 1;
        let line = raw.trim();
        if in_reserved {
            check_reserved_list(line.trim_end_matches(';'), at)?;
            in_reserved = !line.ends_with(';');
            continue;
        }
        if line == "}" {
            closed = true;
            break;
        }
        if line.is_empty() {
            // A blank line ends a comment block; the next comment line starts a section.
            pending_doc.clear();
            after_blank = true;
            continue;
        }
        if let Some(comment) = line.strip_prefix("//") {
            let comment = comment.trim().to_owned();
            if after_blank && !looks_like_entry(&comment) {
                pending_section = Some(comment);
            } else {
                pending_doc.push(comment);
            }
            after_blank = false;
            continue;
        }
        after_blank = false;
        if line == "option allow_alias = true;" {
            continue;
        }
        if let Some(rest) = line.strip_prefix("reserved") {
            check_reserved_list(rest.trim().trim_end_matches(';'), at)?;
            in_reserved = !line.ends_with(';');
            continue;
        }
        let mut entry = parse_entry(line, at)?;
        let mut doc = std::mem::take(&mut pending_doc);
        // Commented-out entries (`//SUCCESS_WARNING_API_DEPRECATED = 10001;`) are not docs.
        doc.retain(|l| !looks_like_entry(l));
        doc.append(&mut entry.doc);
        entry.doc = doc;
        entry.section = pending_section.take();
        if entries.iter().any(|e| e.name == entry.name) {
            return Err(format!("line {at}: `{}` is declared twice", entry.name));
        }
        entries.push(entry);
    }
    if !closed {
        return Err("`enum StatusCode` is not closed".to_owned());
    }
    if entries.is_empty() {
        return Err("`enum StatusCode` has no entries".to_owned());
    }
    Ok(entries)
}

/// `NAME = NUMBER [deprecated = true]; // comment`
fn parse_entry(line: &str, at: usize) -> Result<Entry, String> {
    let bad = || format!("line {at}: not a `NAME = NUMBER;` entry: {line}");
    let (code, comment) = match line.split_once("//") {
        Some((code, comment)) => (code.trim(), Some(comment.trim())),
        None => (line, None),
    };
    let code = code.strip_suffix(';').ok_or_else(bad)?.trim();
    let (name, rest) = code.split_once('=').ok_or_else(bad)?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(bad());
    }
    let rest = rest.trim();
    let (number, options) = match rest.split_once('[') {
        Some((number, options)) => (
            number.trim(),
            Some(options.strip_suffix(']').ok_or_else(bad)?.trim()),
        ),
        None => (rest, None),
    };
    let number: i32 = number.parse().map_err(|_| bad())?;
    let deprecated = match options {
        None => false,
        Some("deprecated = true") => true,
        Some(other) => return Err(format!("line {at}: unknown enum value option `{other}`")),
    };
    Ok(Entry {
        name: name.to_owned(),
        number,
        deprecated,
        doc: comment
            .filter(|c| !c.is_empty())
            .map(|c| vec![c.to_owned()])
            .unwrap_or_default(),
        section: None,
    })
}

fn check_reserved_list(list: &str, at: usize) -> Result<(), String> {
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        item.parse::<i32>()
            .map_err(|_| format!("line {at}: unsupported `reserved` item `{item}`"))?;
    }
    Ok(())
}

fn looks_like_entry(comment: &str) -> bool {
    let Some((name, _)) = comment.split_once('=') else {
        return false;
    };
    let name = name.trim();
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && comment.trim_end().ends_with(';')
}

fn render(entries: &[Entry]) -> String {
    let mut canonical: BTreeMap<i32, &str> = BTreeMap::new();
    let mut aliases: BTreeMap<i32, Vec<&str>> = BTreeMap::new();
    let mut order: Vec<i32> = Vec::new();
    for e in entries {
        match canonical.entry(e.number) {
            std::collections::btree_map::Entry::Occupied(_) => {
                aliases.entry(e.number).or_default().push(&e.name);
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(&e.name);
                order.push(e.number);
            }
        }
    }
    let alias_count: usize = aliases.values().map(Vec::len).sum();

    let mut out = String::new();
    out.push_str(
        "// @generated by `cargo xtask codegen` from \
         shared/specs/clarifai/proto/clarifai/api/status/status_code.proto.\n\
         // Do not edit by hand; see xtask/src/codegen/clarifai.rs.\n\n",
    );
    let _ = writeln!(
        out,
        "//! The `clarifai.api.status.StatusCode` table: {} names, {} distinct codes, {} aliases.\n",
        entries.len(),
        order.len(),
        alias_count
    );
    out.push_str("use super::StatusCode;\n\n");

    out.push_str("impl StatusCode {\n");
    for e in entries {
        if let Some(section) = &e.section {
            let _ = writeln!(out, "\n    // {section}");
        }
        let mut doc: Vec<String> = e.doc.iter().map(|l| escape_doc(l)).collect();
        if let Some(first) = canonical.get(&e.number).filter(|first| **first != e.name) {
            if !doc.is_empty() {
                doc.push(String::new());
            }
            doc.push(format!("Alias of [`{first}`](Self::{first})."));
        }
        if doc.is_empty() {
            doc.push(format!("`{}` ({}).", e.name, e.number));
        }
        for line in doc {
            if line.is_empty() {
                out.push_str("    ///\n");
            } else {
                let _ = writeln!(out, "    /// {line}");
            }
        }
        if e.deprecated {
            out.push_str("    #[deprecated]\n");
        }
        let _ = writeln!(
            out,
            "    pub const {}: StatusCode = StatusCode({});",
            e.name, e.number
        );
    }
    out.push_str("}\n\n");

    out.push_str(
        "/// Every distinct code, in declaration order.\npub(super) const ALL: &[StatusCode] = &[\n",
    );
    for n in &order {
        let _ = writeln!(out, "    StatusCode({n}),");
    }
    out.push_str("];\n\n");

    out.push_str(
        "/// The canonical (first declared) name of a code.\n\
         pub(super) fn name_of(code: i32) -> Option<&'static str> {\n    Some(match code {\n",
    );
    for (n, name) in &canonical {
        let _ = writeln!(out, "        {n} => \"{name}\",");
    }
    out.push_str("        _ => return None,\n    })\n}\n\n");

    out.push_str(
        "/// The other names of a code (`allow_alias`), in declaration order.\n\
         pub(super) fn aliases_of(code: i32) -> &'static [&'static str] {\n    match code {\n",
    );
    for (n, names) in &aliases {
        let list: Vec<String> = names.iter().map(|a| format!("\"{a}\"")).collect();
        let _ = writeln!(out, "        {n} => &[{}],", list.join(", "));
    }
    out.push_str("        _ => &[],\n    }\n}\n\n");

    out.push_str(
        "/// The code of a name, aliases included.\n\
         pub(super) fn code_of(name: &str) -> Option<i32> {\n    Some(match name {\n",
    );
    let by_name: BTreeSet<(&str, i32)> = entries.iter().map(|e| (&*e.name, e.number)).collect();
    for (name, n) in by_name {
        let _ = writeln!(out, "        \"{name}\" => {n},");
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    out
}

/// Doc comments are Markdown: keep proto comments from turning into links, HTML or headings.
fn escape_doc(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '[' | ']' | '<' | '>' | '*' | '_' | '`' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "syntax = \"proto3\";\n\
        enum StatusCode {\n\
        \x20 option allow_alias = true;\n\
        \x20 reserved\n\
        \x20     25407, 33000,\n\
        \x20     52003;\n\
        \n\
        \x20 // to be revised\n\
        \x20 ZERO = 0;\n\
        \n\
        \x20 // Generic\n\
        \x20 SUCCESS = 10000;\n\
        \x20 MOVED = 10050; // Respond with Http status 307\n\
        \x20 //OLD_THING = 10001;\n\
        \x20 // invalid token. Deprecated.\n\
        \x20 CONN_TOKEN_INVALID = 11001 [deprecated = true];\n\
        \x20 INPUT_SUCCESS = 30000;\n\
        \x20 INPUT_DOWNLOAD_SUCCESS = 30000 [deprecated = true];\n\
        }\n";

    #[test]
    fn parses_entries_docs_aliases_and_deprecation() {
        let entries = parse(SAMPLE).unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "ZERO",
                "SUCCESS",
                "MOVED",
                "CONN_TOKEN_INVALID",
                "INPUT_SUCCESS",
                "INPUT_DOWNLOAD_SUCCESS"
            ]
        );
        // A comment right after a blank line is a section heading, not a doc.
        assert!(entries[0].doc.is_empty());
        assert_eq!(entries[0].section.as_deref(), Some("to be revised"));
        assert!(entries[1].doc.is_empty());
        assert_eq!(entries[1].section.as_deref(), Some("Generic"));
        assert_eq!(entries[2].section, None);
        assert_eq!(entries[2].doc, ["Respond with Http status 307"]);
        // The commented-out entry is dropped, the comment below it kept.
        assert_eq!(entries[3].doc, ["invalid token. Deprecated."]);
        assert!(entries[3].deprecated && entries[5].deprecated && !entries[4].deprecated);
        assert_eq!(entries[5].number, 30000);
    }

    #[test]
    fn renders_tables_with_canonical_names_and_aliases() {
        let source = generate(SAMPLE).unwrap();
        assert!(source.contains("pub const SUCCESS: StatusCode = StatusCode(10000);"));
        assert!(
            source.contains("    // Generic\n    /// `SUCCESS` (10000).\n"),
            "{source}"
        );
        assert!(source.contains("#[deprecated]\n    pub const INPUT_DOWNLOAD_SUCCESS"));
        assert!(source.contains("Alias of [`INPUT_SUCCESS`](Self::INPUT_SUCCESS)."));
        assert!(source.contains("30000 => \"INPUT_SUCCESS\","));
        assert!(source.contains("30000 => &[\"INPUT_DOWNLOAD_SUCCESS\"],"));
        assert!(source.contains("\"INPUT_DOWNLOAD_SUCCESS\" => 30000,"));
        assert!(
            source.contains("6 names, 5 distinct codes, 1 aliases"),
            "{source}"
        );
        // 30000 appears once in ALL.
        assert_eq!(source.matches("    StatusCode(30000),").count(), 1);
    }

    #[test]
    fn rejects_unknown_constructs() {
        let err = parse("enum StatusCode {\n  FOO = bar;\n}\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        let err = parse("enum StatusCode {\n  FOO = 1 [packed = true];\n}\n").unwrap_err();
        assert!(err.contains("unknown enum value option"), "{err}");
        let err = parse("enum StatusCode {\n  FOO = 1;\n  FOO = 2;\n}\n").unwrap_err();
        assert!(err.contains("declared twice"), "{err}");
        assert!(parse("enum StatusCode {\n  FOO = 1;\n").is_err());
        assert!(parse("message X {}").is_err());
    }

    #[test]
    fn escapes_markdown_in_docs() {
        assert_eq!(escape_doc("a [b] <c> d_e"), "a \\[b\\] \\<c\\> d\\_e");
    }
}
