//! Fetches the pinned front-end packages (`npm ci`, only when they are
//! missing) and embeds the files the browser needs into the binary, so a
//! checkout runs with one command and the binary needs no files at run time.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let frontend = manifest.join("frontend");
    let kern = frontend.join("node_modules/@kern-ux/native/dist");
    println!("cargo:rerun-if-changed=frontend/package-lock.json");
    println!("cargo:rerun-if-changed=frontend/node_modules/@kern-ux/native/package.json");
    println!("cargo:rerun-if-changed=assets");
    if !kern.join("kern.min.css").exists() {
        let status = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&frontend)
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => panic!(
                "`npm ci` in {} failed with {s}; Node >= 20 with npm is required",
                frontend.display()
            ),
            Err(e) => {
                panic!("could not run npm ({e}); install Node >= 20 with npm, then build again")
            }
        }
    }
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    // Only what the pages use: the minified stylesheet and the fonts its
    // font stylesheet references (the package ships 22 unreferenced cuts).
    files.push(("kern/kern.min.css".into(), kern.join("kern.min.css")));
    let fonts_css = kern.join("fonts/fira-sans.css");
    files.push(("kern/fonts/fira-sans.css".into(), fonts_css.clone()));
    let css = std::fs::read_to_string(&fonts_css).unwrap_or_default();
    for part in css.split("url(").skip(1) {
        let target = part
            .split(')')
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '"' || c == '\'')
            .trim_start_matches("./");
        if target.ends_with(".woff2") {
            files.push((
                format!("kern/fonts/{target}"),
                kern.join("fonts").join(target),
            ));
        }
    }
    let own = manifest.join("assets");
    collect(&own, &own, "", &mut files);
    files.sort();
    // Copy into OUT_DIR and embed from there: the generated code then holds
    // no path of this checkout, so another clone sharing the target
    // directory (CI) can never leave it pointing at files that are gone.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let mut hasher = Sha256::new();
    let mut out = String::from(
        "/// Embedded assets: (path under /assets/, bytes).\npub static ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for (url, path) in &files {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        hasher.update(url.as_bytes());
        hasher.update(&bytes);
        let dest = out_dir.join("assets").join(url);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        std::fs::write(&dest, &bytes)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
        out.push_str(&format!(
            "    ({url:?}, include_bytes!(concat!(env!(\"OUT_DIR\"), {:?}))),\n",
            format!("/assets/{url}")
        ));
    }
    out.push_str("];\n");
    let version = hex::encode(hasher.finalize());
    out.push_str(&format!(
        "/// Changes whenever any asset changes; appended to asset URLs to bust caches.\npub const ASSET_VERSION: &str = {:?};\n",
        version.get(..12).unwrap_or("0")
    ));
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("assets.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("cannot write assets.rs: {e}"));
}

fn collect(root: &Path, dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, prefix, out);
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "css" | "woff2" | "js" | "svg" | "ico" | "png") {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        out.push((
            format!("{prefix}{rel}"),
            path.canonicalize().unwrap_or(path.clone()),
        ));
    }
}
