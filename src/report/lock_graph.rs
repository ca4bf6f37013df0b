//! The lock map: the lock-order graph of each crate as plain data ([`LockGraph`]),
//! and its two printers, Graphviz `dot` and Mermaid (`--lock-graph dot|mermaid`).
//!
//! A node is a lock, named as findings name it (`Cache.files`, a static's path); an
//! edge is "taken while holding", with how many acquisitions take that order, one
//! site (`file:line`, the first in file order) and the function holding the first
//! lock there. Edges of an inverted pair (both orders taken) and of a longer cycle
//! are red, and the locks of a cycle too; an order that no other thread can meet
//! (taken under exclusive access, or on a lock private to one call, which
//! `lock-order-inversion` leaves out) is dashed grey.
//!
//! Every text from the checked tree (lock names, paths, function names) is escaped
//! for the output: in `dot` a quoted string with `\` and `"` escaped, in Mermaid a
//! quoted label with `"`, `#`, `<`, `>`, `&`, `` ` `` and `|` written as entity codes;
//! control and bidi characters are written as `\u{..}` in both ([`escape`]).
//! Node ids are made here (`c0_n1`), never from names.
//!
//! This module does not build the graph (the crate root does, from the analysis)
//! and writes nothing but the graph.

use std::io::{self, Write};

use crate::report::escape::{self, Keep};
use crate::report::finding::Span;
use crate::source::SourceMap;

/// The lock-order graph of every crate of a run that has an order.
#[derive(Clone, Debug, Default)]
pub struct LockGraph {
    /// One graph per crate, in the order of the crates' first files.
    pub crates: Vec<CrateGraph>,
}

/// The locks of one crate and the orders between them.
#[derive(Clone, Debug, Default)]
pub struct CrateGraph {
    /// The crate, as shown when the run has several: its package folder's name.
    pub name: String,
    /// The locks that take part in an order, sorted by name.
    pub locks: Vec<MapLock>,
    /// The orders, sorted by (from, to) lock.
    pub orders: Vec<MapOrder>,
}

/// A node of the map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapLock {
    /// The lock's name, as findings print it.
    pub name: String,
    /// Whether it is on a cycle of orders that can meet.
    pub in_cycle: bool,
}

/// An edge of the map: `to` taken while `from` is held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapOrder {
    /// The lock held, an index into [`CrateGraph::locks`].
    pub from: usize,
    /// The lock taken, an index into [`CrateGraph::locks`].
    pub to: usize,
    /// How many (held, taken) acquisition pairs take this order.
    pub count: usize,
    /// Where the first of them takes `to`.
    pub site: Span,
    /// The function holding `from` there (`helper`, `Cache::load`).
    pub holder: String,
    /// How the order stands against the others.
    pub kind: OrderKind,
}

/// How an order stands against the other orders of its crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderKind {
    /// No cycle passes through it.
    Plain,
    /// It is on a cycle of three or more locks, and the reverse order is not taken.
    Cycle,
    /// The reverse order is taken too: an inverted pair.
    Inverted,
    /// No other thread can meet it (exclusive access, a lock private to one call).
    Unshared,
}

impl OrderKind {
    /// The class name written into the output (`class` in `dot`, a comment in
    /// Mermaid).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Plain => "order",
            OrderKind::Cycle => "cycle",
            OrderKind::Inverted => "inverted",
            OrderKind::Unshared => "unshared",
        }
    }
}

/// The formats of the lock map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz `dot` (`synclint --lock-graph dot src | dot -Tsvg > locks.svg`).
    Dot,
    /// A Mermaid flowchart, for Markdown (GitHub renders a `mermaid` code block).
    Mermaid,
}

/// Writes the map in `format`.
pub fn write(
    out: &mut impl Write,
    graph: &LockGraph,
    sources: &SourceMap,
    format: GraphFormat,
) -> io::Result<()> {
    match format {
        GraphFormat::Dot => write_dot(out, graph, sources),
        GraphFormat::Mermaid => write_mermaid(out, graph, sources),
    }
}

/// The text of an edge: "2× src/lib.rs:10 in Cache::evict".
fn edge_text(order: &MapOrder, sources: &SourceMap) -> String {
    // As the human printer shows a path: a backslash doubled, so that a name that
    // spells an escape stays distinct from the escape of a control character.
    let path = sources.get(order.site.file).display_path();
    let path = escape::path(&path);
    format!(
        "{}× {}:{} in {}",
        order.count, path, order.site.line, order.holder
    )
}

/// Whether the crates are shown apart (a run of several crates).
fn clustered(graph: &LockGraph) -> bool {
    graph.crates.len() > 1
}

/// Writes the map as a Graphviz digraph.
pub fn write_dot(out: &mut impl Write, graph: &LockGraph, sources: &SourceMap) -> io::Result<()> {
    writeln!(out, "digraph lock_order {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box, fontname=\"monospace\"];")?;
    writeln!(out, "  edge [fontname=\"monospace\", fontsize=10];")?;
    let clustered = clustered(graph);
    for (k, krate) in graph.crates.iter().enumerate() {
        let indent = if clustered { "    " } else { "  " };
        if clustered {
            writeln!(out, "  subgraph cluster_{k} {{")?;
            writeln!(out, "    label={};", dot_str(&krate.name))?;
        }
        for (i, lock) in krate.locks.iter().enumerate() {
            let style = if lock.in_cycle {
                ", color=\"red\", fontcolor=\"red\", class=\"cycle\""
            } else {
                ""
            };
            writeln!(
                out,
                "{indent}c{k}_n{i} [label={}{style}];",
                dot_str(&lock.name)
            )?;
        }
        if clustered {
            writeln!(out, "  }}")?;
        }
    }
    for (k, krate) in graph.crates.iter().enumerate() {
        for order in &krate.orders {
            let style = match order.kind {
                OrderKind::Plain => "",
                OrderKind::Cycle => ", color=\"red\", fontcolor=\"red\"",
                OrderKind::Inverted => ", color=\"red\", fontcolor=\"red\", penwidth=2",
                OrderKind::Unshared => ", color=\"grey50\", fontcolor=\"grey50\", style=\"dashed\"",
            };
            writeln!(
                out,
                "  c{k}_n{} -> c{k}_n{} [label={}{style}, class=\"{}\"];",
                order.from,
                order.to,
                dot_str(&edge_text(order, sources)),
                order.kind.as_str()
            )?;
        }
    }
    writeln!(out, "}}")
}

/// Writes the map as a Mermaid flowchart.
pub fn write_mermaid(
    out: &mut impl Write,
    graph: &LockGraph,
    sources: &SourceMap,
) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    let clustered = clustered(graph);
    let mut cycle_nodes = Vec::new();
    for (k, krate) in graph.crates.iter().enumerate() {
        let indent = if clustered { "    " } else { "  " };
        if clustered {
            writeln!(out, "  subgraph c{k}[{}]", mermaid_str(&krate.name))?;
        }
        for (i, lock) in krate.locks.iter().enumerate() {
            writeln!(out, "{indent}c{k}_n{i}[{}]", mermaid_str(&lock.name))?;
            if lock.in_cycle {
                cycle_nodes.push(format!("c{k}_n{i}"));
            }
        }
        if clustered {
            writeln!(out, "  end")?;
        }
    }
    // Mermaid styles an edge by its position among the edges, from 0.
    let mut red = Vec::new();
    let mut grey = Vec::new();
    let mut n = 0usize;
    for (k, krate) in graph.crates.iter().enumerate() {
        for order in &krate.orders {
            let arrow = match order.kind {
                OrderKind::Plain | OrderKind::Cycle => "-->",
                OrderKind::Inverted => "==>",
                OrderKind::Unshared => "-.->",
            };
            match order.kind {
                OrderKind::Cycle | OrderKind::Inverted => red.push(n.to_string()),
                OrderKind::Unshared => grey.push(n.to_string()),
                OrderKind::Plain => {}
            }
            writeln!(
                out,
                "  c{k}_n{} {arrow}|{}| c{k}_n{}",
                order.from,
                mermaid_str(&edge_text(order, sources)),
                order.to
            )?;
            n += 1;
        }
    }
    if !cycle_nodes.is_empty() {
        writeln!(
            out,
            "  classDef cycle stroke:#d00,stroke-width:2px,color:#d00"
        )?;
        writeln!(out, "  class {} cycle", cycle_nodes.join(","))?;
    }
    if !red.is_empty() {
        writeln!(
            out,
            "  linkStyle {} stroke:#d00,stroke-width:2px,color:#d00",
            red.join(",")
        )?;
    }
    if !grey.is_empty() {
        writeln!(out, "  linkStyle {} stroke:#888,color:#888", grey.join(","))?;
    }
    Ok(())
}

/// `s` as a `dot` quoted string: control and bidi characters escaped, then `\` and
/// `"` escaped, so that no text ends the string or spells a `dot` escape (`\n`,
/// `\N`, `\G`).
pub fn dot_str(s: &str) -> String {
    let shown = escape::text(s, Keep::Nothing);
    let mut out = String::with_capacity(shown.len() + 2);
    out.push('"');
    for c in shown.chars() {
        if matches!(c, '\\' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `s` as a Mermaid quoted label: control and bidi characters escaped, and every
/// character Mermaid or its HTML labels read (`"`, `#`, `<`, `>`, `&`, `` ` ``, `|`)
/// written as an entity code (`#quot;`, `#35;`).
pub fn mermaid_str(s: &str) -> String {
    let shown = escape::text(s, Keep::Nothing);
    let mut out = String::with_capacity(shown.len() + 2);
    out.push('"');
    for c in shown.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::sample_sources;

    fn sample() -> (LockGraph, SourceMap) {
        let (sources, a, _) = sample_sources();
        let site = Span {
            file: a,
            start: 0,
            end: 1,
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 6,
        };
        let order = |from, to, kind| MapOrder {
            from,
            to,
            count: 2,
            site,
            holder: "Cache::f".to_string(),
            kind,
        };
        let lock = |name: &str, in_cycle| MapLock {
            name: name.to_string(),
            in_cycle,
        };
        let graph = LockGraph {
            crates: vec![CrateGraph {
                name: "p".to_string(),
                locks: vec![
                    lock("Cache.files", true),
                    lock("Cache.state", true),
                    lock("a\"b\\n\u{1b}#|", false),
                ],
                orders: vec![
                    order(0, 1, OrderKind::Inverted),
                    order(1, 0, OrderKind::Inverted),
                    order(1, 2, OrderKind::Plain),
                ],
            }],
        };
        (graph, sources)
    }

    #[test]
    fn dot_marks_the_inverted_pair_and_escapes_names() {
        let (graph, sources) = sample();
        let mut out = Vec::new();
        write_dot(&mut out, &graph, &sources).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with("digraph lock_order {\n"), "{text}");
        assert!(
            text.contains("c0_n0 [label=\"Cache.files\", color=\"red\""),
            "{text}"
        );
        assert!(
            text.contains("c0_n0 -> c0_n1 [label=\"2× src/a.rs:3 in Cache::f\", color=\"red\""),
            "{text}"
        );
        assert!(text.contains(r#"[label="a\"b\\n\\u{1b}#|"]"#), "{text}");
        assert!(!text.contains('\u{1b}'));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn mermaid_uses_made_ids_and_entity_codes() {
        let (graph, sources) = sample();
        let mut out = Vec::new();
        write_mermaid(&mut out, &graph, &sources).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with("flowchart LR\n"), "{text}");
        assert!(
            text.contains("  c0_n2[\"a#quot;b\\n\\u{1b}#35;#124;\"]\n"),
            "{text}"
        );
        assert!(
            text.contains("  c0_n0 ==>|\"2× src/a.rs:3 in Cache::f\"| c0_n1\n"),
            "{text}"
        );
        assert!(text.contains("  linkStyle 0,1 stroke:#d00"), "{text}");
        assert!(text.contains("  class c0_n0,c0_n1 cycle\n"), "{text}");
        assert!(!text.contains('\u{1b}'));
    }
}
