//! Provider crates as data: the `[package.metadata.vision-sdk]` table of each provider crate.
//!
//! `demo`, `bench` and the `metadata` step of `cargo xtask ci` iterate over the workspace members
//! that declare this table, so adding a provider touches only its own crate:
//!
//! ```toml
//! [package.metadata.vision-sdk]
//! provider = "groundlight"                 # short name, used in messages and docs tables
//! key-env = ["GROUNDLIGHT_API_TOKEN"]      # set (any of them): the demo talks to the real service
//! docs-env = ["GROUNDLIGHT_API_TOKEN", "GROUNDLIGHT_ENDPOINT"] # must appear in README.md's table
//! demo = "quickstart"                      # the example `cargo xtask demo` runs
//!
//! [[package.metadata.vision-sdk.benches]]  # one per bench `cargo xtask bench` knows
//! name = "roundtrip"                       # `cargo xtask bench roundtrip`
//! about = "what it measures"
//! target = "roundtrip"                     # the `[[bench]]` target (default: `name`)
//! python-requirements = "benches/requirements.txt" # installed into target/bench-venv first
//!
//! [[package.metadata.vision-sdk.benches]]  # a peak-RSS run instead of a `[[bench]]` target:
//! name = "upload-rss"
//! about = "peak RSS of ..."
//! example = "upload_rss"                   # built in release, run under `/usr/bin/time -v`
//! args = ["1024"]
//! ```
//!
//! Features come from the targets' `required-features`, never from this table.

use serde_json::Value;

use crate::util::{Package, Workspace};

/// The key of the table under `[package.metadata]`.
pub(crate) const TABLE: &str = "vision-sdk";

/// One provider crate, as declared by its `[package.metadata.vision-sdk]` table.
#[derive(Debug)]
pub(crate) struct Provider<'a> {
    pub(crate) package: &'a Package,
    /// Short provider name (`groundlight`).
    pub(crate) provider: String,
    /// Variables that hold the API key; when one is set, the demo uses the real service.
    pub(crate) key_env: Vec<String>,
    /// Variables the user-facing docs must list for this provider.
    pub(crate) docs_env: Vec<String>,
    /// The example `cargo xtask demo` runs.
    pub(crate) demo: Option<String>,
    pub(crate) benches: Vec<Bench>,
}

impl Provider<'_> {
    pub(crate) fn name(&self) -> &str {
        &self.package.name
    }

    /// The first key variable that is set (non-empty), if any.
    pub(crate) fn key_set(&self) -> Option<&str> {
        self.key_env
            .iter()
            .map(String::as_str)
            .find(|var| std::env::var_os(var).is_some_and(|value| !value.is_empty()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bench {
    /// The name `cargo xtask bench` takes.
    pub(crate) name: String,
    /// One line: what it measures.
    pub(crate) about: String,
    pub(crate) kind: BenchKind,
    /// A pip requirements file (relative to the crate) for the Python side of the bench.
    pub(crate) python_requirements: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BenchKind {
    /// `cargo bench -p <crate> --bench <target>`.
    Target(String),
    /// Build `example` in release and report its peak RSS under `/usr/bin/time -v`.
    PeakRss { example: String, args: Vec<String> },
}

/// Every workspace member with a `[package.metadata.vision-sdk]` table, in `cargo metadata`
/// order. A malformed table is an error naming the crate and the key.
pub(crate) fn providers(ws: &Workspace) -> Result<Vec<Provider<'_>>, String> {
    ws.members
        .iter()
        .filter_map(|package| {
            let table = &package.metadata[TABLE];
            (!table.is_null()).then(|| parse(package, table))
        })
        .collect()
}

fn parse<'a>(package: &'a Package, value: &Value) -> Result<Provider<'a>, String> {
    let at = |key: &str| format!("{}: [package.metadata.{TABLE}] `{key}`", package.name);
    let table = value.as_object().ok_or_else(|| {
        format!(
            "{}: [package.metadata.{TABLE}] is not a table",
            package.name
        )
    })?;
    const KEYS: &[&str] = &["provider", "key-env", "docs-env", "demo", "benches"];
    if let Some(unknown) = table.keys().find(|key| !KEYS.contains(&key.as_str())) {
        return Err(format!(
            "{}: unknown key (expected one of {})",
            at(unknown),
            KEYS.join(", ")
        ));
    }
    let provider = opt_string(&value["provider"], &at("provider"))?
        .ok_or_else(|| format!("{} is missing", at("provider")))?;
    let benches = match &value["benches"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let at = format!(
                    "{}: [package.metadata.{TABLE}] benches[{index}]",
                    package.name
                );
                parse_bench(item, &at)
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(format!("{} must be an array of tables", at("benches"))),
    };
    Ok(Provider {
        package,
        provider,
        key_env: string_list(&value["key-env"], &at("key-env"))?,
        docs_env: string_list(&value["docs-env"], &at("docs-env"))?,
        demo: opt_string(&value["demo"], &at("demo"))?,
        benches,
    })
}

fn parse_bench(item: &Value, at: &str) -> Result<Bench, String> {
    let table = item
        .as_object()
        .ok_or_else(|| format!("{at} is not a table"))?;
    const KEYS: &[&str] = &[
        "name",
        "about",
        "target",
        "example",
        "args",
        "python-requirements",
    ];
    if let Some(unknown) = table.keys().find(|key| !KEYS.contains(&key.as_str())) {
        return Err(format!(
            "{at}: unknown key `{unknown}` (expected one of {})",
            KEYS.join(", ")
        ));
    }
    let field = |key: &str| opt_string(&item[key], &format!("{at}.{key}"));
    let name = field("name")?.ok_or_else(|| format!("{at}.name is missing"))?;
    let about = field("about")?.unwrap_or_default();
    let kind = match (field("target")?, field("example")?) {
        (Some(_), Some(_)) => return Err(format!("{at}: give `target` or `example`, not both")),
        (target, None) => BenchKind::Target(target.unwrap_or_else(|| name.clone())),
        (None, Some(example)) => BenchKind::PeakRss {
            example,
            args: string_list(&item["args"], &format!("{at}.args"))?,
        },
    };
    if matches!(kind, BenchKind::Target(_)) && !item["args"].is_null() {
        return Err(format!("{at}.args is only for `example` runs"));
    }
    Ok(Bench {
        name,
        about,
        kind,
        python_requirements: field("python-requirements")?,
    })
}

fn opt_string(value: &Value, at: &str) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if !s.trim().is_empty() => Ok(Some(s.clone())),
        _ => Err(format!("{at} must be a non-empty string")),
    }
}

/// A list of strings; a single string is accepted as a one-element list.
fn string_list(value: &Value, at: &str) -> Result<Vec<String>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{at} must be a list of strings"))
            })
            .collect(),
        _ => Err(format!("{at} must be a list of strings")),
    }
}

/// Checks every provider table against the crate it sits in and against the user docs: the demo
/// example exists, bench targets and requirement files exist, bench names are unique, every
/// `docs-env` variable is in the README's "Against the real services" table and every `key-env`
/// variable in `docs/testing.md`. Returns the list of problems (empty: all good).
pub(crate) fn check(ws: &Workspace, readme: &str, testing_md: &str) -> Result<Vec<String>, String> {
    let providers = providers(ws)?;
    let mut problems = Vec::new();
    let mut bench_names: Vec<(&str, &str)> = Vec::new();
    let readme_table = section(readme, "## Against the real services");
    let testing_table = section(testing_md, "## Running against the real services");
    for p in &providers {
        let name = p.name();
        if p.key_env.is_empty() {
            problems.push(format!("{name}: `key-env` is empty"));
        }
        match &p.demo {
            None => problems.push(format!("{name}: no `demo` example declared")),
            Some(demo) if !p.package.has_target("example", demo) => problems.push(format!(
                "{name}: `demo = \"{demo}\"` but the crate has no example `{demo}`"
            )),
            Some(_) => {}
        }
        for bench in &p.benches {
            if let Some((_, other)) = bench_names.iter().find(|(n, _)| *n == bench.name) {
                problems.push(format!(
                    "{name}: bench `{}` is also declared by {other}",
                    bench.name
                ));
            }
            bench_names.push((&bench.name, name));
            let (kind, target) = match &bench.kind {
                BenchKind::Target(target) => ("bench", target),
                BenchKind::PeakRss { example, .. } => ("example", example),
            };
            if !p.package.has_target(kind, target) {
                problems.push(format!(
                    "{name}: bench `{}` needs a `{kind}` target `{target}`, which the crate lacks",
                    bench.name
                ));
            }
            if let Some(req) = &bench.python_requirements
                && !p.package.dir.join(req).is_file()
            {
                problems.push(format!(
                    "{name}: bench `{}`: python-requirements `{req}` does not exist",
                    bench.name
                ));
            }
        }
        for var in &p.docs_env {
            if !mentions(readme_table, var) {
                problems.push(format!(
                    "{name}: `{var}` (docs-env) is missing from README.md \"Against the real services\""
                ));
            }
        }
        for var in &p.key_env {
            if !mentions(testing_table, var) {
                problems.push(format!(
                    "{name}: `{var}` (key-env) is missing from docs/testing.md \"Running against the real services\""
                ));
            }
        }
    }
    Ok(problems)
}

/// Whether `text` shows the variable as code: `` `VAR` `` or `` `VAR=value` ``.
fn mentions(text: &str, var: &str) -> bool {
    text.contains(&format!("`{var}`")) || text.contains(&format!("`{var}="))
}

/// The text of the markdown section starting at `heading` (up to the next heading of the same
/// or a higher level); empty when there is no such heading.
fn section<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let Some(start) = markdown
        .match_indices(heading)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || markdown[..i].ends_with('\n'))
    else {
        return "";
    };
    let level = heading.chars().take_while(|&c| c == '#').count();
    let body = &markdown[start + heading.len()..];
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if offset > 0 && hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
            break;
        }
        offset += line.len();
    }
    &body[..offset]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::Target;
    use std::path::PathBuf;

    fn package(name: &str, metadata: Value, targets: &[(&str, &str)]) -> Package {
        Package {
            name: name.to_owned(),
            version: "0.1.0".to_owned(),
            rust_version: None,
            dir: PathBuf::from("/nonexistent").join(name),
            publishable: true,
            description: None,
            license: None,
            repository: None,
            readme: None,
            features: Vec::new(),
            dependencies: Vec::new(),
            targets: targets
                .iter()
                .map(|(kind, name)| Target {
                    name: (*name).to_owned(),
                    kinds: vec![(*kind).to_owned()],
                    required_features: Vec::new(),
                })
                .collect(),
            metadata,
        }
    }

    fn workspace(members: Vec<Package>) -> Workspace {
        Workspace {
            target_dir: PathBuf::from("/nonexistent/target"),
            members,
        }
    }

    #[test]
    fn parses_a_provider_table() {
        let meta = serde_json::json!({"vision-sdk": {
            "provider": "acme",
            "key-env": "ACME_KEY",
            "docs-env": ["ACME_KEY", "ACME_URL"],
            "demo": "quickstart",
            "benches": [
                {"name": "speed", "about": "fast?"},
                {"name": "rss", "example": "big", "args": ["1"]}
            ]
        }});
        let ws = workspace(vec![
            package("acme-rs", meta, &[("example", "quickstart")]),
            package("common", Value::Null, &[]),
        ]);
        let providers = providers(&ws).unwrap();
        assert_eq!(providers.len(), 1);
        let p = &providers[0];
        assert_eq!((p.name(), p.provider.as_str()), ("acme-rs", "acme"));
        assert_eq!(p.key_env, ["ACME_KEY"]);
        assert_eq!(p.docs_env, ["ACME_KEY", "ACME_URL"]);
        assert_eq!(p.demo.as_deref(), Some("quickstart"));
        assert_eq!(p.benches[0].kind, BenchKind::Target("speed".into()));
        assert_eq!(
            p.benches[1].kind,
            BenchKind::PeakRss {
                example: "big".into(),
                args: vec!["1".into()]
            }
        );
    }

    #[test]
    fn rejects_malformed_tables() {
        let cases = [
            (
                serde_json::json!({"key-env": ["K"]}),
                "`provider` is missing",
            ),
            (
                serde_json::json!({"provider": "a", "kee-env": []}),
                "unknown key",
            ),
            (
                serde_json::json!({"provider": "a", "key-env": 3}),
                "list of strings",
            ),
            (
                serde_json::json!({"provider": "a", "benches": [{"name": "b", "target": "t", "example": "e"}]}),
                "not both",
            ),
            (
                serde_json::json!({"provider": "a", "benches": [{"about": "x"}]}),
                "benches[0].name is missing",
            ),
        ];
        for (table, expected) in cases {
            let ws = workspace(vec![package(
                "a-rs",
                serde_json::json!({ TABLE: table }),
                &[],
            )]);
            let err = providers(&ws).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn check_reports_missing_targets_and_undocumented_variables() {
        let meta = serde_json::json!({"vision-sdk": {
            "provider": "acme",
            "key-env": ["ACME_KEY"],
            "docs-env": ["ACME_KEY", "ACME_URL"],
            "demo": "quickstart",
            "benches": [{"name": "speed", "python-requirements": "benches/req.txt"}]
        }});
        let ws = workspace(vec![package("acme-rs", meta, &[("example", "quickstart")])]);
        let readme =
            "# x\n\n## Against the real services\n\n| Acme | `ACME_KEY` |\n\n## Next\n`ACME_URL`\n";
        let testing = "## Running against the real services\n| acme-rs | `ACME_KEY` |\n";
        let problems = check(&ws, readme, testing).unwrap();
        let all = problems.join("\n");
        assert_eq!(problems.len(), 3, "{all}");
        assert!(all.contains("`bench` target `speed`"), "{all}");
        assert!(all.contains("benches/req.txt"), "{all}");
        assert!(all.contains("`ACME_URL` (docs-env) is missing"), "{all}");
    }

    #[test]
    fn sections_end_at_the_next_heading_of_their_level() {
        let md = "## A\na\n### A.1\nsub\n## B\nb\n";
        assert_eq!(section(md, "## A"), "\na\n### A.1\nsub\n");
        assert_eq!(section(md, "## B"), "\nb\n");
        assert_eq!(section(md, "## C"), "");
    }
}
