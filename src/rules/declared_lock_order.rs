//! `declared-lock-order`: a lock taken while a lock declared after it in the
//! configuration's `lock-order` is held. Page: rules/declared-lock-order.md.
//!
//! It reads the declared order from the analysis and the orders from the lock-order
//! graph's edges; it does not check the names (the run reports a name that is no
//! lock as a configuration error) and finds no cycles (`lock-order-inversion` does).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::graph::OrderEdge;
use crate::report::finding::Finding;
use crate::rules::support::{chain_text, hop_labels, label};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `declared-lock-order` rule.
    DeclaredLockOrder,
    "declared-lock-order",
    Deny
}

impl Rule for DeclaredLockOrder {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        let groups = cx.declared_order();
        if groups.iter().all(Vec::is_empty) {
            return;
        }
        // Each name's places: (group, position in it); a lock may be in several
        // hierarchies.
        let mut place: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (g, names) in groups.iter().enumerate() {
            for (i, name) in names.iter().enumerate() {
                place.entry(name.as_str()).or_default().push((g, i));
            }
        }
        // The verdict of each (held, taken) pair of names, found once: the first
        // group that lists the taken lock before the held one. Each name is listed
        // at most once per group, in group order, so a binary search finds its place.
        let mut verdicts: HashMap<(Cow<str>, Cow<str>), Option<usize>> = HashMap::new();
        for e in cx.edges() {
            let (held, taken) = (e.from.name(), e.to.name());
            let key = (held, taken);
            let against = match verdicts.get(&key) {
                Some(v) => *v,
                None => {
                    let v = against(&place, &key.0, &key.1);
                    verdicts.insert(key, v);
                    v
                }
            };
            if let Some(g) = against {
                out.push(finding(cx, e, &groups[g]));
            }
        }
    }
}

/// The first group in which `taken` is listed before `held`.
fn against(place: &HashMap<&str, Vec<(usize, usize)>>, held: &str, taken: &str) -> Option<usize> {
    let held_at = place.get(held)?;
    let taken_at = place.get(taken)?;
    held_at.iter().find_map(|&(g, h)| {
        let i = taken_at.binary_search_by_key(&g, |&(tg, _)| tg).ok()?;
        (taken_at[i].1 < h).then_some(g)
    })
}

/// The finding for one order against a declared one: at the acquisition when the
/// holder takes the lock itself, else at the holder's call that leads to it.
fn finding(cx: &RuleCx<'_>, e: &OrderEdge, group: &[String]) -> Finding {
    let held = e.from.name();
    let taken = e.to.name();
    let holder = cx.callee_name(e.holder);
    let primary = e.chain.first().map_or(e.taken_site, |h| h.site);
    let mut labels = vec![label(
        e.held_site,
        format!("`{held}` acquired here, in `{holder}`"),
    )];
    labels.extend(hop_labels(&e.chain));
    labels.push(label(
        e.taken_site,
        format!("`{taken}` acquired while `{held}` is held"),
    ));
    let declared: Vec<String> = group.iter().map(|n| format!("`{n}`")).collect();
    META.finding(
        primary,
        format!(
            "`{taken}` taken while `{held}` is held in `{holder}`{}, against the declared lock order {}",
            chain_text(&e.chain),
            declared.join(" → ")
        ),
        labels,
        format!("take `{taken}` before `{held}`, or release `{held}` first"),
    )
}
