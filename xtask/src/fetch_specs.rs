//! `cargo xtask fetch-specs`: download the pinned third-party specs from their public origins.
//!
//! The files land in `<workspace>/target/shared-cache/` in the shared folder's layout
//! (`specs/groundlight/public-api.yaml`, ...), where codegen (`util::shared_path`) and the tests
//! (the testkit) look after `$VISION_SDK_SHARED_DIR` and `../shared`. Every file is verified
//! against its pinned SHA-256 before it replaces anything; a file already in the cache with the
//! right hash is not downloaded again.
//!
//! [`SPECS`] is the one table of (path, origin, sha256). A few files of `shared/specs/` have no
//! public origin (captured from a locally run server, or derived by a script); they are listed
//! with how they were made and reported, not fetched.
//!
//! `VISION_SDK_SPECS_MIRROR=<base URL>` replaces every origin by `<base URL>/<path>`, i.e. a
//! server serving a copy of the shared folder (`python3 -m http.server -d ../shared`); that is
//! how the download is tested offline. Downloads go through `curl` (no HTTP stack in xtask).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::codegen::sha256_hex;
use crate::util;

/// Overrides every origin: `<mirror>/<path>`.
pub(crate) const MIRROR_ENV: &str = "VISION_SDK_SPECS_MIRROR";

/// A pinned spec file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// Relative to the shared folder (and to the cache).
    pub(crate) path: &'static str,
    pub(crate) origin: Origin,
    /// Lower-case hex SHA-256 of the file.
    pub(crate) sha256: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin {
    /// A public URL serving exactly the pinned bytes (pinned to a commit).
    Url(&'static str),
    /// No public copy: how the file was made (see the specs' README in the shared folder).
    Unpublished(&'static str),
}

/// Every pinned third-party spec of the shared folder. Provenance: `shared/specs/*/README.md`
/// and `shared/protocols/*.md`.
pub(crate) const SPECS: &[Spec] = &[
    // groundlight/python-sdk `spec/public-api.yaml` at main 1b375958 (shared/protocols/groundlight.md §0).
    Spec {
        path: "specs/groundlight/public-api.yaml",
        origin: Origin::Url(
            "https://raw.githubusercontent.com/groundlight/python-sdk/1b375958b079870a81a818c1a222f4f822967180/spec/public-api.yaml",
        ),
        sha256: "67bbf7b0639723993f8bcb30f6cd6eaf2b4c18b97a19b12230768fd8c16bba51",
    },
    // Harvest of https://serverless.roboflow.com/openapi.json kept verbatim by api-evangelist/roboflow
    // (the live URL changes; this commit is what was pinned).
    Spec {
        path: "specs/roboflow/serverless-openapi-v1.3.8.json",
        origin: Origin::Url(
            "https://raw.githubusercontent.com/api-evangelist/roboflow/7af01759e84c102851eedeb969176122578ab356/openapi/_original/roboflow-inference-openapi.json",
        ),
        sha256: "6934f252bd178ba85ead8ccb4998a7280e996edb1329f9e63deeb12dcce7a949",
    },
    Spec {
        path: "specs/roboflow/selfhosted-openapi-v1.8.3.json",
        origin: Origin::Unpublished(
            "`GET /openapi.json` of a locally run `inference[http]==1.8.3` server \
             (shared/protocols/roboflow-local-server/run_local_server.py)",
        ),
        sha256: "e996c8903b1d9f4d84acd8422faa42640a4614877048897bbcb544a612845be5",
    },
    // api-evangelist/clarifai `openapi/_original/openapi.json` (last changed in 6987cbbb).
    Spec {
        path: "specs/clarifai/clarifai-v2-swagger.json",
        origin: Origin::Url(
            "https://raw.githubusercontent.com/api-evangelist/clarifai/6987cbbb62daee9684dcb290f76e643c1d57ec51/openapi/_original/openapi.json",
        ),
        sha256: "605be3e9f9b9e0db1768241c515348e140685f2bbf673b409a7d7fa47d8a260c",
    },
    // Clarifai/clarifai-nodejs-grpc at 9f554085 ("GRPC clients version 12.4.5"), `proto/...`.
    Spec {
        path: "specs/clarifai/proto/clarifai/api/service.proto",
        origin: Origin::Url(
            "https://raw.githubusercontent.com/Clarifai/clarifai-nodejs-grpc/9f5540854a26bf4bec9d5965c2c0f4f2e0822274/proto/clarifai/api/service.proto",
        ),
        sha256: "fad826ebacc9e3d2129c3b2c470650b251dbe2fe9d2ba93fa4485ea5d022960f",
    },
    Spec {
        path: "specs/clarifai/proto/clarifai/api/resources.proto",
        origin: Origin::Url(
            "https://raw.githubusercontent.com/Clarifai/clarifai-nodejs-grpc/9f5540854a26bf4bec9d5965c2c0f4f2e0822274/proto/clarifai/api/resources.proto",
        ),
        sha256: "ba39729ab1a0d0195962d2bdc6f7e3d908386b0da9be391766e12a28313e6798",
    },
    Spec {
        path: "specs/clarifai/proto/clarifai/api/status/status_code.proto",
        origin: Origin::Url(
            "https://raw.githubusercontent.com/Clarifai/clarifai-nodejs-grpc/9f5540854a26bf4bec9d5965c2c0f4f2e0822274/proto/clarifai/api/status/status_code.proto",
        ),
        sha256: "0480dec2692c531124f30b79ee64011728e2ef01dc599258e0b451b1edc347ac",
    },
    Spec {
        path: "specs/clarifai/proto/clarifai/api/status/status.proto",
        origin: Origin::Url(
            "https://raw.githubusercontent.com/Clarifai/clarifai-nodejs-grpc/9f5540854a26bf4bec9d5965c2c0f4f2e0822274/proto/clarifai/api/status/status.proto",
        ),
        sha256: "21344369191bb71d922eb9244b647c749d621e8377b53bd6f0918720c5173290",
    },
    Spec {
        path: "specs/clarifai/proto/clarifai/api/utils/extensions.proto",
        origin: Origin::Url(
            "https://raw.githubusercontent.com/Clarifai/clarifai-nodejs-grpc/9f5540854a26bf4bec9d5965c2c0f4f2e0822274/proto/clarifai/api/utils/extensions.proto",
        ),
        sha256: "e4a77528afc96eec3e9131edee6d7aaba833a50637efdac71d85becc3939e5de",
    },
    Spec {
        path: "specs/clarifai/routes-clarifai-grpc-12.6.0.json",
        origin: Origin::Unpublished(
            "extracted from the compiled descriptors of the clarifai-grpc 12.6.0 wheel (PyPI) \
             by a script (shared/specs/clarifai/README.md)",
        ),
        sha256: "330bd5630c8c335b0dbc54ae1ba1162eb112efe3f84d09abe86604782dfb076f",
    },
];

/// What happened to one file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// Already in the cache with the pinned hash.
    Cached,
    Downloaded,
    /// No public origin; nothing to download.
    Unpublished,
}

/// Entry point of `cargo xtask fetch-specs`.
pub(crate) fn run() -> Result<(), String> {
    let mirror = std::env::var(MIRROR_ENV).ok().filter(|m| !m.is_empty());
    let dest = util::shared_cache_dir();
    println!("fetch-specs: into {}", dest.display());
    if let Some(mirror) = &mirror {
        println!("fetch-specs: {MIRROR_ENV}={mirror} replaces the origins");
    }
    let report = fetch_all(SPECS, mirror.as_deref(), &dest);
    let mut failures = Vec::new();
    for (spec, result) in SPECS.iter().zip(report) {
        match result {
            Ok(Fetched::Cached) => println!("  cached      {}", spec.path),
            Ok(Fetched::Downloaded) => println!("  downloaded  {}", spec.path),
            Ok(Fetched::Unpublished) => {
                let how = match spec.origin {
                    Origin::Unpublished(how) => how,
                    Origin::Url(url) => url,
                };
                println!("  not public  {} ({how})", spec.path);
            }
            Err(err) => {
                println!("  FAILED      {}", spec.path);
                failures.push(err);
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} specs could not be fetched:\n  - {}",
            failures.len(),
            SPECS.len(),
            failures.join("\n  - ")
        ))
    }
}

/// Fetches every spec into `dest` (one result per spec, in order). With `mirror`, every file
/// (also an unpublished one: a mirror serves a whole shared folder) comes from `<mirror>/<path>`.
pub(crate) fn fetch_all(
    specs: &[Spec],
    mirror: Option<&str>,
    dest: &Path,
) -> Vec<Result<Fetched, String>> {
    specs
        .iter()
        .map(|spec| fetch_one(spec, mirror, dest))
        .collect()
}

fn fetch_one(spec: &Spec, mirror: Option<&str>, dest: &Path) -> Result<Fetched, String> {
    let target = dest.join(spec.path);
    if fs::read(&target).is_ok_and(|bytes| sha256_hex(&bytes) == spec.sha256) {
        return Ok(Fetched::Cached);
    }
    let url = match (mirror, spec.origin) {
        (Some(mirror), _) => format!("{}/{}", mirror.trim_end_matches('/'), spec.path),
        (None, Origin::Url(url)) => url.to_owned(),
        (None, Origin::Unpublished(_)) => return Ok(Fetched::Unpublished),
    };
    let dir = target
        .parent()
        .ok_or_else(|| format!("bad spec path `{}`", spec.path))?;
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let partial = partial_path(&target);
    let result = download(&url, &partial).and_then(|()| {
        let bytes = fs::read(&partial)
            .map_err(|e| format!("cannot read the download {}: {e}", partial.display()))?;
        let actual = sha256_hex(&bytes);
        if actual != spec.sha256 {
            return Err(format!(
                "{}: sha256 mismatch: {url} served {} bytes with sha256 {actual}, pinned {}; \
                 nothing was replaced (if the origin legitimately changed, review the new file \
                 and re-pin it in xtask/src/fetch_specs.rs and the codegen table)",
                spec.path,
                bytes.len(),
                spec.sha256
            ));
        }
        fs::rename(&partial, &target)
            .map_err(|e| format!("cannot move the download to {}: {e}", target.display()))
    });
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result.map(|()| Fetched::Downloaded)
}

fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    target.with_file_name(name)
}

/// `curl` `url` into `to`: fails on HTTP errors, follows redirects, retries transient failures.
fn download(url: &str, to: &Path) -> Result<(), String> {
    let mut command = Command::new("curl");
    command
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--retry",
            "2",
            "--connect-timeout",
            "20",
            "--output",
        ])
        .arg(to)
        .arg(url);
    let output = util::capture(&mut command)
        .map_err(|e| format!("{e} (fetch-specs downloads with curl; install it)"))?;
    if output.success {
        Ok(())
    } else {
        Err(format!("downloading {url}: {}", output.stderr.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::net::TcpListener;

    /// A loopback HTTP/1.1 server serving files below `root`, one connection at a time.
    fn serve(root: PathBuf) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // Drain the headers.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request_line.split(' ').nth(1).unwrap_or("/");
                let file = root.join(path.trim_start_matches('/'));
                let response = match fs::read(&file) {
                    Ok(body) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend(body);
                        r
                    }
                    Err(_) => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&response);
            }
        });
        base
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn downloads_verifies_caches_and_rejects_mismatches() {
        let served = temp_dir("served");
        fs::create_dir_all(served.join("specs/acme")).unwrap();
        fs::write(served.join("specs/acme/api.yaml"), b"openapi: 3.0.3\n").unwrap();
        fs::write(served.join("specs/acme/tampered.json"), b"{\"evil\": true}").unwrap();
        let good = sha256_hex(b"openapi: 3.0.3\n");
        let base = serve(served.clone());
        let specs = [
            Spec {
                path: "specs/acme/api.yaml",
                origin: Origin::Url("https://unreachable.invalid/api.yaml"),
                sha256: Box::leak(good.clone().into_boxed_str()),
            },
            Spec {
                path: "specs/acme/tampered.json",
                origin: Origin::Unpublished("by hand"),
                sha256: Box::leak(sha256_hex(b"{}").into_boxed_str()),
            },
            Spec {
                path: "specs/acme/missing.proto",
                origin: Origin::Url("https://unreachable.invalid/missing.proto"),
                sha256: "00",
            },
        ];
        let dest = temp_dir("cache");
        let results = fetch_all(&specs, Some(&base), &dest);
        assert_eq!(results[0], Ok(Fetched::Downloaded));
        assert_eq!(
            fs::read(dest.join("specs/acme/api.yaml")).unwrap(),
            b"openapi: 3.0.3\n"
        );
        let mismatch = results[1].as_ref().unwrap_err();
        assert!(mismatch.contains("sha256 mismatch"), "{mismatch}");
        assert!(!dest.join("specs/acme/tampered.json").exists());
        assert!(!dest.join("specs/acme/tampered.json.partial").exists());
        let missing = results[2].as_ref().unwrap_err();
        assert!(missing.contains("404"), "{missing}");

        // Second run: the verified file is not downloaded again (even with the server gone).
        let results = fetch_all(&specs[..1], Some("http://127.0.0.1:9"), &dest);
        assert_eq!(results[0], Ok(Fetched::Cached));
        // A corrupted cache entry is replaced.
        fs::write(dest.join("specs/acme/api.yaml"), b"corrupt").unwrap();
        assert_eq!(
            fetch_all(&specs[..1], Some(&base), &dest)[0],
            Ok(Fetched::Downloaded)
        );
        // Without a mirror, an unpublished file is reported, not fetched.
        assert_eq!(
            fetch_all(&specs[1..2], None, &dest)[0],
            Ok(Fetched::Unpublished)
        );
        let _ = fs::remove_dir_all(&served);
        let _ = fs::remove_dir_all(&dest);
    }

    #[test]
    fn the_table_is_well_formed() {
        for (i, spec) in SPECS.iter().enumerate() {
            assert!(spec.path.starts_with("specs/"), "{}", spec.path);
            assert_eq!(spec.sha256.len(), 64, "{}", spec.path);
            assert!(
                spec.sha256
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            assert!(SPECS[i + 1..].iter().all(|other| other.path != spec.path));
            if let Origin::Url(url) = spec.origin {
                assert!(url.starts_with("https://"), "{url}");
            }
        }
    }

    #[test]
    fn codegen_pins_agree_with_the_fetch_table() {
        for generator in crate::codegen::GENERATORS {
            let spec = SPECS
                .iter()
                .find(|spec| spec.path == generator.spec)
                .unwrap_or_else(|| panic!("{} is not in fetch_specs::SPECS", generator.spec));
            assert_eq!(spec.sha256, generator.sha256, "{}", generator.spec);
        }
    }
}
