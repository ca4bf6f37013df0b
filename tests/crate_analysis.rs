//! End-to-end checks of the crate-wide analysis through the binary: a package with
//! several modules whose lock-order cycle crosses files shows every site, in human
//! and JSON output.

use std::path::Path;
use std::process::Command;

fn fixture_crate() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lock-order-inversion/cross_module")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_synclint"))
        .args(args)
        .current_dir(fixture_crate())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cross_file_cycle_in_json_names_every_site_with_its_file() {
    let (code, stdout, stderr) =
        run(&["--format", "json", "--rule", "lock-order-inversion", "src"]);
    assert_eq!(code, 1, "stderr: {stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json output parses");
    let findings = v["findings"].as_array().expect("findings array");
    assert_eq!(findings.len(), 1, "one finding per cycle: {stdout}");
    let f = &findings[0];
    assert_eq!(f["rule"], "lock-order-inversion");
    assert_eq!(f["severity"], "error");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`Server.registry`") && message.contains("`Server.sessions`"),
        "{message}"
    );
    assert!(
        message.contains("`Server::forget_names`"),
        "the call chain is named: {message}"
    );
    let sites: Vec<(String, u64)> = f["labels"]
        .as_array()
        .expect("labels array")
        .iter()
        .map(|l| {
            (
                l["file"].as_str().unwrap_or_default().to_string(),
                l["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    for want in [
        ("src/registry.rs", 5),
        ("src/registry.rs", 6),
        ("src/sessions.rs", 5),
        ("src/sessions.rs", 7),
        ("src/sessions.rs", 11),
    ] {
        assert!(
            sites
                .iter()
                .any(|(file, line)| file == want.0 && *line == want.1),
            "missing site {want:?} in {sites:?}"
        );
    }
}

#[test]
fn cross_file_cycle_in_human_output_shows_both_files() {
    let (code, stdout, stderr) = run(&["--rule", "lock-order-inversion", "src"]);
    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(stdout.contains("lock-order-inversion"), "{stdout}");
    assert!(stdout.contains("src/registry.rs"), "{stdout}");
    assert!(stdout.contains("src/sessions.rs"), "{stdout}");
    for line in [
        "let mut registry = self.registry.lock().unwrap();",
        "let mut sessions = self.sessions.lock().unwrap();",
        "self.forget_names();",
        "self.registry.lock().unwrap().clear();",
    ] {
        assert!(
            stdout.contains(line),
            "the site `{line}` is shown:\n{stdout}"
        );
    }
    assert!(stdout.contains("calls `Server::forget_names`"), "{stdout}");
}
