//! The lock map (`--lock-graph dot|mermaid`) and the declared lock order
//! (`lock-order`, rule `declared-lock-order`), through the built binary.
//!
//! The `dot` output is read back by a small parser of the DOT language written here
//! ([`Dot::parse`]: graphs, subgraphs, node, edge and attribute statements, quoted
//! strings), so that the test does not depend on Graphviz; when a `dot` program is
//! installed (`/usr/bin/dot` or `/usr/local/bin/dot`), the output is also rendered
//! with `dot -Tsvg`, which must accept it. CI does not install Graphviz, so there
//! only the parser checks it.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::bin::{self, Run, SYNCLINT};

const LIMIT: Duration = Duration::from_secs(600);

/// A crate with an inversion: `load` takes `files` then `state`, `evict` the
/// reverse; `touch` takes `state` then the static `LOG`, which nothing inverts.
const CACHE: &str = r#"use std::sync::Mutex;

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub struct Cache {
    files: Mutex<Vec<String>>,
    state: Mutex<u8>,
}

impl Cache {
    pub fn load(&self) {
        let files = self.files.lock().unwrap();
        let mut state = self.state.lock().unwrap();
        *state = files.len() as u8;
    }

    pub fn evict(&self) {
        let state = self.state.lock().unwrap();
        let mut files = self.files.lock().unwrap();
        files.truncate(*state as usize);
    }

    pub fn touch(&self) {
        let state = self.state.lock().unwrap();
        LOG.lock().unwrap().push(state.to_string());
    }
}
"#;

const MANIFEST: &str = "[package]\nname = \"cache\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

fn cache_crate() -> tempfile::TempDir {
    let dir = bin::tempdir();
    bin::write(dir.path(), "Cargo.toml", MANIFEST);
    bin::write(dir.path(), "src/lib.rs", CACHE);
    dir
}

fn synclint(dir: &Path, args: &[&str]) -> Run {
    bin::run(bin::command(SYNCLINT, dir, args), LIMIT)
}

/// A parsed DOT graph: its nodes with their attributes, and its edges.
#[derive(Debug, Default)]
struct Dot {
    nodes: BTreeMap<String, BTreeMap<String, String>>,
    edges: Vec<(String, String, BTreeMap<String, String>)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Id(String),
    Quoted(String),
    Punct(&'static str),
}

impl Dot {
    /// Parses `text` as one `digraph`; an error says where it stopped.
    fn parse(text: &str) -> Result<Dot, String> {
        let toks = tokens(text)?;
        let mut p = Parser { toks, at: 0 };
        let mut dot = Dot::default();
        p.keyword("digraph")?;
        if matches!(p.peek(), Some(Tok::Id(_) | Tok::Quoted(_))) {
            p.at += 1;
        }
        p.punct("{")?;
        p.stmts(&mut dot)?;
        p.punct("}")?;
        if p.at != p.toks.len() {
            return Err(format!("tokens after the graph: {:?}", &p.toks[p.at..]));
        }
        Ok(dot)
    }

    fn label(&self, node: &str) -> &str {
        self.nodes
            .get(node)
            .and_then(|a| a.get("label"))
            .map_or("", String::as_str)
    }

    /// The edges as (from label, to label, attributes).
    fn labelled_edges(&self) -> Vec<(&str, &str, &BTreeMap<String, String>)> {
        self.edges
            .iter()
            .map(|(a, b, attrs)| (self.label(a), self.label(b), attrs))
            .collect()
    }
}

fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string".to_string()),
                    Some('"') => break,
                    Some('\\') => {
                        match chars.get(i + 1) {
                            // An escaped quote or backslash is that character.
                            Some(&e @ ('"' | '\\')) => s.push(e),
                            Some(&e) => return Err(format!("escape `\\{e}` in a string")),
                            None => return Err("unterminated escape".to_string()),
                        }
                        i += 2;
                    }
                    Some(&c) if c.is_control() => {
                        return Err(format!("raw control character {:?} in a string", c))
                    }
                    Some(&c) => {
                        s.push(c);
                        i += 1;
                    }
                }
            }
            i += 1;
            out.push(Tok::Quoted(s));
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Tok::Id(chars[start..i].iter().collect()));
        } else if c == '-' && chars.get(i + 1) == Some(&'>') {
            out.push(Tok::Punct("->"));
            i += 2;
        } else {
            let p = match c {
                '{' => "{",
                '}' => "}",
                '[' => "[",
                ']' => "]",
                ';' => ";",
                ',' => ",",
                '=' => "=",
                other => return Err(format!("unexpected character {other:?}")),
            };
            out.push(Tok::Punct(p));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn punct(&mut self, p: &str) -> Result<(), String> {
        match self.peek() {
            Some(Tok::Punct(q)) if *q == p => {
                self.at += 1;
                Ok(())
            }
            other => Err(format!(
                "expected `{p}`, found {other:?} at token {}",
                self.at
            )),
        }
    }

    fn keyword(&mut self, k: &str) -> Result<(), String> {
        match self.peek() {
            Some(Tok::Id(id)) if id == k => {
                self.at += 1;
                Ok(())
            }
            other => Err(format!("expected `{k}`, found {other:?}")),
        }
    }

    fn id(&mut self) -> Result<String, String> {
        match self.peek().cloned() {
            Some(Tok::Id(s) | Tok::Quoted(s)) => {
                self.at += 1;
                Ok(s)
            }
            other => Err(format!(
                "expected an id, found {other:?} at token {}",
                self.at
            )),
        }
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn stmts(&mut self, dot: &mut Dot) -> Result<(), String> {
        while !self.is_punct("}") {
            if self.peek().is_none() {
                return Err("unterminated statement list".to_string());
            }
            if matches!(self.peek(), Some(Tok::Id(k)) if k == "subgraph") {
                self.at += 1;
                if !self.is_punct("{") {
                    self.id()?;
                }
                self.punct("{")?;
                self.stmts(dot)?;
                self.punct("}")?;
            } else {
                let first = self.id()?;
                if self.is_punct("=") {
                    self.at += 1;
                    self.id()?;
                } else if ["node", "edge", "graph"].contains(&first.as_str()) {
                    self.attrs()?;
                } else if self.is_punct("->") {
                    let mut chain = vec![first];
                    while self.is_punct("->") {
                        self.at += 1;
                        chain.push(self.id()?);
                    }
                    let attrs = if self.is_punct("[") {
                        self.attrs()?
                    } else {
                        BTreeMap::new()
                    };
                    for pair in chain.windows(2) {
                        for n in pair {
                            dot.nodes.entry(n.clone()).or_default();
                        }
                        dot.edges
                            .push((pair[0].clone(), pair[1].clone(), attrs.clone()));
                    }
                } else {
                    let attrs = if self.is_punct("[") {
                        self.attrs()?
                    } else {
                        BTreeMap::new()
                    };
                    dot.nodes.entry(first).or_default().extend(attrs);
                }
            }
            if self.is_punct(";") {
                self.at += 1;
            }
        }
        Ok(())
    }

    fn attrs(&mut self) -> Result<BTreeMap<String, String>, String> {
        let mut out = BTreeMap::new();
        self.punct("[")?;
        while !self.is_punct("]") {
            let k = self.id()?;
            self.punct("=")?;
            let v = self.id()?;
            out.insert(k, v);
            if self.is_punct(",") || self.is_punct(";") {
                self.at += 1;
            }
        }
        self.punct("]")?;
        Ok(out)
    }
}

/// Renders `text` with Graphviz when it is at hand: `Some(Ok(()))` when it accepts
/// the graph, `Some(Err(message))` when it rejects it, `None` when there is none. Graphviz is the `dot` program, or else the
/// WebAssembly build `.ci/run` installs (`SYNCLINT_VIZ` names its script, run by
/// `node`).
fn graphviz_accepts(text: &str) -> Option<Result<(), String>> {
    let mut cmd = match ["/usr/bin/dot", "/usr/local/bin/dot"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
    {
        Some(dot) => {
            let mut c = Command::new(dot);
            c.arg("-Tsvg").env_clear();
            c
        }
        None => {
            let script = std::env::var_os("SYNCLINT_VIZ")?;
            let mut c = Command::new("node");
            c.arg(script);
            c
        }
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(text.as_bytes())
        .expect("write to Graphviz");
    let out = child.wait_with_output().expect("Graphviz runs");
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// Where `.ci/run` installs Graphviz (`SYNCLINT_VIZ`), it runs, accepts a graph and
/// rejects a broken one, so that the lock-map tests below check their output with it.
#[test]
fn graphviz_runs_where_ci_installs_it() {
    if std::env::var_os("SYNCLINT_VIZ").is_none() {
        return;
    }
    assert_eq!(graphviz_accepts("digraph g { a -> b }"), Some(Ok(())));
    assert!(matches!(graphviz_accepts("digraph g { a -> }"), Some(Err(m)) if !m.is_empty()));
}

#[test]
fn dot_shows_both_locks_and_the_inverted_pair() {
    let dir = cache_crate();
    let run = synclint(dir.path(), &["--lock-graph", "dot"]);
    // The graph alone on stdout; findings are not printed and do not set the code.
    run.code(0).stderr_is("");
    let dot = Dot::parse(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout));
    let labels: Vec<&str> = dot.nodes.keys().map(|n| dot.label(n)).collect();
    assert_eq!(
        labels,
        ["Cache.files", "Cache.state", "LOG"],
        "{}",
        run.stdout
    );
    let edges = dot.labelled_edges();
    assert_eq!(edges.len(), 3, "{}", run.stdout);
    let find = |a: &str, b: &str| {
        edges
            .iter()
            .find(|(x, y, _)| *x == a && *y == b)
            .map(|(_, _, attrs)| *attrs)
            .unwrap_or_else(|| panic!("no edge {a} -> {b}:\n{}", run.stdout))
    };
    let inverted = find("Cache.state", "Cache.files");
    assert_eq!(inverted["class"], "inverted");
    assert_eq!(inverted["color"], "red");
    assert_eq!(inverted["label"], "1× src/lib.rs:19 in Cache::evict");
    assert_eq!(find("Cache.files", "Cache.state")["class"], "inverted");
    let plain = find("Cache.state", "LOG");
    assert_eq!(plain["class"], "order");
    assert!(!plain.contains_key("color"));
    assert_eq!(dot.nodes["c0_n0"]["class"], "cycle");
    assert!(!dot.nodes["c0_n2"].contains_key("class"));
    if let Some(verdict) = graphviz_accepts(&run.stdout) {
        assert_eq!(verdict, Ok(()), "graphviz rejects:\n{}", run.stdout);
    }
    // The same bytes on every run and thread count.
    let again = synclint(dir.path(), &["--lock-graph", "dot", "--threads", "1"]);
    assert_eq!(again.stdout, run.stdout);
}

#[test]
fn mermaid_highlights_the_inverted_pair() {
    let dir = cache_crate();
    let run = synclint(dir.path(), &["--lock-graph", "mermaid"]);
    run.code(0).stderr_is("");
    let expected = "flowchart LR\n  \
        c0_n0[\"Cache.files\"]\n  \
        c0_n1[\"Cache.state\"]\n  \
        c0_n2[\"LOG\"]\n  \
        c0_n0 ==>|\"1× src/lib.rs:13 in Cache::load\"| c0_n1\n  \
        c0_n1 ==>|\"1× src/lib.rs:19 in Cache::evict\"| c0_n0\n  \
        c0_n1 -->|\"1× src/lib.rs:25 in Cache::touch\"| c0_n2\n  \
        classDef cycle stroke:#d00,stroke-width:2px,color:#d00\n  \
        class c0_n0,c0_n1 cycle\n  \
        linkStyle 0,1 stroke:#d00,stroke-width:2px,color:#d00\n";
    assert_eq!(run.stdout, expected);
}

#[test]
fn hostile_names_are_escaped_in_both_formats() {
    let dir = bin::tempdir();
    let name = "we\"ird\\n\u{1b}[31m|#.rs";
    bin::write(
        dir.path(),
        name,
        "static A: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n\
         static B: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n\
         fn f() { let _a = A.lock().unwrap(); let _b = B.lock().unwrap(); }\n",
    );
    let run = synclint(dir.path(), &["--lock-graph", "dot", "."]);
    run.code(0);
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    let dot = Dot::parse(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout));
    let (_, _, attrs) = dot.labelled_edges()[0];
    assert_eq!(attrs["label"], "1× we\"ird\\\\n\\u{1b}[31m|#.rs:3 in f");
    if let Some(verdict) = graphviz_accepts(&run.stdout) {
        assert_eq!(verdict, Ok(()), "graphviz rejects:\n{}", run.stdout);
    }
    let run = synclint(dir.path(), &["--lock-graph", "mermaid", "."]);
    run.code(0);
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(
        run.stdout
            .contains("c0_n0 -->|\"1× we#quot;ird\\\\n\\u{1b}[31m#124;#35;.rs:3 in f\"| c0_n1\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_file_that_does_not_parse_goes_to_stderr() {
    let dir = cache_crate();
    bin::write(dir.path(), "src/broken.rs", "fn broken() { let = 1; }\n");
    let run = synclint(dir.path(), &["--lock-graph", "dot"]);
    run.code(2).stderr_has("src/broken.rs");
    Dot::parse(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout));
}

/// The short lines of the `declared-lock-order` findings of a run.
fn declared_findings(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.contains("declared-lock-order"))
        .collect()
}

#[test]
fn exactly_the_method_against_the_declared_order_is_reported() {
    let dir = cache_crate();
    bin::write(
        dir.path(),
        "synclint.toml",
        "lock-order = [\"Cache.files\", \"Cache.state\"]\n",
    );
    let run = synclint(dir.path(), &["--format", "short"]);
    run.code(1);
    let found = declared_findings(&run);
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert!(
        found[0].starts_with("src/lib.rs:19:25: error[declared-lock-order]: `Cache.files` taken while `Cache.state` is held in `Cache::evict`"),
        "{}",
        found[0]
    );
    // The same order from the manifest's metadata table.
    let dir = cache_crate();
    bin::write(
        dir.path(),
        "Cargo.toml",
        format!("{MANIFEST}\n[package.metadata.synclint]\nlock-order = [\"Cache.files\", \"Cache.state\"]\n"),
    );
    let run = synclint(dir.path(), &["--format", "short"]);
    assert_eq!(declared_findings(&run).len(), 1, "{}", run.stdout);
    // No order declared: the rule is silent.
    let dir = cache_crate();
    let run = synclint(dir.path(), &["--format", "short"]);
    assert_eq!(declared_findings(&run), Vec::<&str>::new());
}

#[test]
fn groups_are_checked_each_on_its_own() {
    let dir = cache_crate();
    bin::write(
        dir.path(),
        "synclint.toml",
        "[[lock-order]]\nlocks = [\"LOG\", \"Cache.state\"]\n\n[[lock-order]]\nlocks = [\"Cache.state\", \"Cache.files\"]\n",
    );
    let run = synclint(dir.path(), &["--format", "short"]);
    let found = declared_findings(&run);
    assert_eq!(found.len(), 2, "{}", run.stdout);
    assert!(found[0].contains("in `Cache::load`"), "{}", found[0]);
    assert!(
        found[1].contains("`LOG` taken while `Cache.state`"),
        "{}",
        found[1]
    );
}

#[test]
fn an_unknown_lock_name_is_a_configuration_error_in_the_file() {
    let dir = cache_crate();
    bin::write(
        dir.path(),
        "synclint.toml",
        "lock-order = [\n  \"Cache.files\",\n  \"Cache.stat\",\n]\n",
    );
    let run = synclint(dir.path(), &[]);
    run.code(2)
        .stderr_has("synclint::config::unknown_lock")
        .stderr_has("`lock-order` names `Cache.stat`, which no lock of the checked")
        .stderr_has("not a lock of the checked crates")
        .stderr_has("synclint.toml:3:3")
        .stdout_is("");
}

#[test]
fn names_are_not_checked_when_a_file_could_not_be_analysed() {
    let dir = cache_crate();
    bin::write(
        dir.path(),
        "synclint.toml",
        "lock-order = [\"Cache.files\", \"Gone.lock\"]\n",
    );
    bin::write(dir.path(), "src/broken.rs", "fn broken() { let = 1; }\n");
    let run = synclint(dir.path(), &["--format", "short"]);
    run.code(2)
        .stdout_has("src/broken.rs")
        .never_shows("unknown_lock");
}

#[test]
fn several_crates_are_clusters_named_by_their_folder() {
    let dir = bin::tempdir();
    for krate in ["one", "two"] {
        bin::write(
            dir.path(),
            &format!("{krate}/Cargo.toml"),
            format!("[package]\nname = \"{krate}\"\nversion = \"0.1.0\"\n"),
        );
        bin::write(dir.path(), &format!("{krate}/src/lib.rs"), CACHE);
    }
    let run = synclint(dir.path(), &["--lock-graph", "dot", "one", "two"]);
    run.code(0)
        .stdout_has("subgraph cluster_0 {\n    label=\"one\";")
        .stdout_has("subgraph cluster_1 {\n    label=\"two\";");
    let dot = Dot::parse(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout));
    assert_eq!(dot.nodes.len(), 6, "{}", run.stdout);
    assert_eq!(dot.edges.len(), 6, "{}", run.stdout);
    assert!(
        dot.edges.iter().all(|(a, b, _)| a[..3] == b[..3]),
        "orders stay in their crate"
    );
    if let Some(verdict) = graphviz_accepts(&run.stdout) {
        assert_eq!(verdict, Ok(()), "graphviz rejects:\n{}", run.stdout);
    }
    let run = synclint(dir.path(), &["--lock-graph", "mermaid", "one", "two"]);
    run.code(0)
        .stdout_has("  subgraph c0[\"one\"]\n")
        .stdout_has("  subgraph c1[\"two\"]\n")
        .stdout_has("  linkStyle 0,1,3,4 stroke:#d00");
}

#[test]
fn a_huge_declared_order_stays_cheap() {
    // The tree chooses its configuration: 50,000 hierarchies naming the same two
    // locks, then 50,000 names that are no lock.
    let dir = cache_crate();
    let groups = "[[lock-order]]\nlocks = [\"Cache.files\", \"Cache.state\"]\n".repeat(50_000);
    bin::write(dir.path(), "synclint.toml", &groups);
    let run = synclint(dir.path(), &["--format", "short"]);
    run.code(1);
    assert_eq!(declared_findings(&run).len(), 1, "{}", run.stdout);
    assert!(run.took < Duration::from_secs(20), "took {:?}", run.took);
    let names: Vec<String> = (0..50_000).map(|i| format!("\"Gone.l{i}\"")).collect();
    bin::write(
        dir.path(),
        "synclint.toml",
        format!("lock-order = [\"Cache.files\", {}]\n", names.join(", ")),
    );
    let run = synclint(dir.path(), &[]);
    run.code(2)
        .stderr_has("`Gone.l0`")
        .stderr_has("49991 more")
        .never_shows("Gone.l9999");
    assert!(run.took < Duration::from_secs(20), "took {:?}", run.took);
}
