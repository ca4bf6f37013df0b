//! `synclint-bench` end to end on the fixtures: one run of each measurement, with the
//! figures printed as JSON and as a table. It checks that the figures are there and
//! consistent, not how fast anything is.

use std::process::Command;

use serde_json::Value;

const BENCH: &str = env!("CARGO_BIN_EXE_synclint-bench");

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(BENCH)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .output()
        .expect("run synclint-bench")
}

#[test]
fn json_figures_on_the_fixtures() {
    let out = bench(&["--runs", "1", "--threads", "2", "--json", "fixtures"]);
    assert!(out.status.success(), "{out:?}");
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let files = r["files"].as_u64().expect("files");
    assert!(files > 10, "{r}");
    assert_eq!(r["memory_bound"], 4 * r["bytes"].as_u64().expect("bytes"));
    let figures = r["figures"].as_array().expect("figures");
    let kinds: Vec<(String, u64)> = figures
        .iter()
        .map(|f| (f["mode"].to_string(), f["threads"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(
        kinds,
        [
            ("\"floor\"".to_string(), 1),
            ("\"full\"".to_string(), 1),
            ("\"floor\"".to_string(), 2),
            ("\"full\"".to_string(), 2)
        ]
    );
    for f in figures {
        assert!(f["seconds"].as_f64().is_some_and(|s| s > 0.0), "{f}");
        assert!(f["peak_memory"].as_u64().is_some_and(|m| m > 0), "{f}");
        // Every fixture parses, and the same files are seen by both measurements.
        assert_eq!(f["files"].as_u64(), Some(files), "{f}");
        assert_eq!(f["failed"].as_u64(), Some(0), "{f}");
    }
    assert!(figures[1]["findings"].as_u64().is_some_and(|n| n > 0));
    for key in [
        "ratio_1",
        "ratio_n",
        "speedup_floor",
        "speedup_full",
        "paired_ratio_1",
        "paired_ratio_n",
        "paired_speedup_full",
        "lines_per_second",
    ] {
        assert!(r[key].as_f64().is_some_and(|x| x > 0.0), "{key}: {r}");
    }
}

#[test]
fn table_on_one_thread() {
    let out = bench(&["--runs", "1", "--threads", "1", "fixtures/double-lock"]);
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8_lossy(&out.stdout);
    for needle in ["parse-only floor", "full analysis", "full / floor", "4x"] {
        assert!(table.contains(needle), "{needle}:\n{table}");
    }
    // With one thread there is nothing to compare it with.
    assert_eq!(table.matches("parse-only floor").count(), 1, "{table}");
    assert!(!table.contains("speedup"), "{table}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn missing_folder_exits_2() {
    let out = bench(&["--runs", "1", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
