//! `unsafe-send-sync`: an `unsafe impl Send` or `unsafe impl Sync` that promises
//! what the type's fields do not keep: `Rc` or raw-pointer fields sent to another
//! thread, `Cell`, `RefCell`, `UnsafeCell` or `Rc` fields shared between threads with
//! no lock around them, or a type parameter stored without the matching bound.
//! Page: rules/unsafe-send-sync.md.
//!
//! Reads the crate model only: the impls, the declared generics and field types.

use std::collections::HashMap;

use crate::config::Level;
use crate::model::{type_name_of, CrateId, FieldDecl, TypeDecl, UnsafeImpl};
use crate::report::finding::{Finding, Label, Severity};
use crate::rules::support::{is_atomic_head, is_lock_head, label, TypeTree};
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `unsafe-send-sync` rule.
pub(crate) struct UnsafeSendSync;

static META: RuleMeta = RuleMeta {
    id: "unsafe-send-sync",
    default: Level::Deny,
    doc: include_str!("../../rules/unsafe-send-sync.md"),
};

/// Containers that give each thread its own value, or that are only reached through
/// a lock: what is inside them is not shared.
const SHIELDS: &[&str] = &["PhantomData", "ThreadLocal", "CachedThreadLocal"];

/// Traits of the standard library that do not imply `Send` or `Sync`; any other
/// bound might (a crate trait with `Send` as a supertrait), so it is trusted.
const PLAIN_TRAITS: &[&str] = &[
    "Sized",
    "Clone",
    "Copy",
    "Debug",
    "Display",
    "Default",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "Fn",
    "FnMut",
    "FnOnce",
    "Into",
    "From",
    "AsRef",
    "AsMut",
    "Unpin",
    "Any",
    "Iterator",
    "IntoIterator",
    "ToString",
    "Deref",
    "DerefMut",
];

impl Rule for UnsafeSendSync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        if cx.model.unsafe_impls.is_empty() {
            return;
        }
        let mut fields: HashMap<(CrateId, &str), Vec<&FieldDecl>> = HashMap::new();
        for (k, f) in &cx.model.field_decls {
            fields.entry((*k, f.owner.as_str())).or_default().push(f);
        }
        let mut decls: HashMap<(CrateId, &str), &TypeDecl> = HashMap::new();
        for (k, t) in &cx.model.type_decls {
            decls.entry((*k, t.name.as_str())).or_insert(t);
        }
        for (krate, imp) in &cx.model.unsafe_impls {
            let Some(owner) = type_name_of(&imp.self_ty) else {
                continue;
            };
            let Some(own) = fields.get(&(*krate, owner.as_str())) else {
                continue;
            };
            let decl = decls.get(&(*krate, owner.as_str())).copied();
            let problems = check_impl(imp, own, decl);
            if let Some(f) = finding(imp, &owner, problems) {
                out.push(f);
            }
        }
    }
}

/// One reason the impl is wrong, at a field.
struct Problem {
    field: Label,
    summary: String,
}

fn check_impl(imp: &UnsafeImpl, fields: &[&FieldDecl], decl: Option<&TypeDecl>) -> Vec<Problem> {
    let is_send = imp.trait_name == "Send";
    let trees: Vec<TypeTree> = fields.iter().map(|f| TypeTree::parse(&f.ty)).collect();
    let skip = |n: &TypeTree| SHIELDS.contains(&n.head.as_str()) || is_lock_head(&n.head);
    // A type holding an atomic or a lock is a synchronisation primitive: its cells are
    // guarded by it (a spin lock's `UnsafeCell` behind an `AtomicBool`).
    let is_primitive = trees.iter().any(|t| {
        let mut nodes = Vec::new();
        t.nodes(&|n| SHIELDS.contains(&n.head.as_str()), &mut nodes);
        nodes
            .iter()
            .any(|n| is_atomic_head(&n.head) || is_lock_head(&n.head))
    });
    let bound = if is_send { "Send" } else { "Sync" };
    // Type parameters of the declaration, each with whether the impl bounds it.
    let params = generic_params(imp, decl);
    let is_bounded = |decl_param: &str| {
        params
            .iter()
            .find(|(d, _)| d == decl_param)
            .is_some_and(|(_, bounds)| bounds_satisfy(bounds, bound, is_primitive))
    };
    let mut out = Vec::new();
    for (f, tree) in fields.iter().zip(&trees) {
        let mut nodes = Vec::new();
        tree.nodes(&skip, &mut nodes);
        let offending = nodes.iter().find_map(|n| {
            let head = n.head.as_str();
            let raw = matches!(head, "*const" | "*mut" | "NonNull");
            if is_send && raw {
                // An owning pointer to a bounded type parameter (`NonNull<Node<T>>`
                // with `T: Send`) passes the bound on, as `Box<T>` would.
                let mut inner = Vec::new();
                n.nodes(&|_| false, &mut inner);
                let mut mentioned = params
                    .iter()
                    .filter(|(d, _)| inner.iter().any(|m| m.head == *d && m.args.is_empty()))
                    .peekable();
                if mentioned.peek().is_some() && mentioned.all(|(d, _)| is_bounded(d)) {
                    return None;
                }
                return Some("raw pointer".to_string());
            }
            match head {
                "Rc" => Some("`Rc`".to_string()),
                "RefCell" if !is_send => Some("`RefCell`".to_string()),
                "Cell" | "UnsafeCell" if !is_send && !is_primitive => Some(format!("`{head}`")),
                _ => None,
            }
        });
        if let Some(what) = offending {
            let why = if is_send {
                format!("{what} field `{}` cannot be sent to another thread", f.name)
            } else {
                format!(
                    "{what} field `{}` is not behind a lock and cannot be shared between threads",
                    f.name
                )
            };
            out.push(Problem {
                field: label(f.span, format!("{what} field, not behind a lock")),
                summary: why,
            });
            continue;
        }
        // A stored type parameter with no bound.
        let unbounded = params.iter().find(|(d, bounds)| {
            nodes.iter().any(|n| n.head == *d && n.args.is_empty())
                && !bounds_satisfy(bounds, bound, is_primitive)
                && !bounds_unknown(bounds)
        });
        if let Some((d, _)) = unbounded {
            out.push(Problem {
                field: label(f.span, format!("stores a `{d}`")),
                summary: format!(
                    "field `{}` stores the type parameter `{d}`, which the impl does not bound by `{bound}`",
                    f.name
                ),
            });
        }
    }
    out
}

/// The declaration's type parameters as the impl binds them, each with the bounds the
/// impl puts on it (its own parameter's bounds and `where` clauses that name it).
fn generic_params(imp: &UnsafeImpl, decl: Option<&TypeDecl>) -> Vec<(String, String)> {
    let Some(decl) = decl else {
        return Vec::new();
    };
    let self_ty = TypeTree::parse(&imp.self_ty);
    let mut out = Vec::new();
    for (pos, arg) in self_ty.args.iter().enumerate() {
        let Some(decl_param) = decl.generics.get(pos) else {
            break;
        };
        if !arg.args.is_empty() {
            continue;
        }
        let Some((_, bounds)) = imp.params.iter().find(|(p, _)| *p == arg.head) else {
            // A concrete type argument (`Cache<String>`): nothing to bound.
            continue;
        };
        let mut all = bounds.clone();
        for (p, b) in &imp.params {
            if p != &arg.head && mentions_word(p, &arg.head) {
                all.push('+');
                all.push_str(b);
            }
        }
        out.push((decl_param.clone(), all));
    }
    out
}

/// Whether `text` has `word` as a whole word.
fn mentions_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// The trait names in a bound list (`?Sized+Send+'static` gives `Sized`, `Send`).
fn bound_names(bounds: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in bounds.chars().chain(std::iter::once('+')) {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c == '+' && depth == 0 {
            let b = cur.trim().trim_start_matches('?');
            if !b.is_empty() && !b.starts_with('\'') {
                let path = b.split(['<', '(']).next().unwrap_or(b);
                let name = path.rsplit("::").next().unwrap_or(path).trim();
                out.push(name.to_string());
            }
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    out
}

/// Whether the bounds give what the impl needs: `Send` for `Send`; `Sync` for
/// `Sync`, or `Send` for a synchronisation primitive (a lock hands each thread the
/// value in turn, as `Mutex<T>: Sync` needs only `T: Send`).
fn bounds_satisfy(bounds: &str, bound: &str, is_primitive: bool) -> bool {
    let names = bound_names(bounds);
    names.iter().any(|n| n == bound)
        || (bound == "Sync" && is_primitive && names.iter().any(|n| n == "Send"))
}

/// Whether a bound names a trait that might imply `Send`/`Sync` (any trait not known
/// to the standard library as one that does not).
fn bounds_unknown(bounds: &str) -> bool {
    bound_names(bounds)
        .iter()
        .any(|n| !PLAIN_TRAITS.contains(&n.as_str()) && n != "Send" && n != "Sync")
}

fn finding(imp: &UnsafeImpl, owner: &str, problems: Vec<Problem>) -> Option<Finding> {
    let first = problems.first()?;
    let more = match problems.len() {
        1 => String::new(),
        2 => " (and 1 more field)".to_string(),
        n => format!(" (and {} more fields)", n - 1),
    };
    let message = format!(
        "`unsafe impl {} for {}` promises what its fields do not keep: {}{more}",
        imp.trait_name, imp.self_ty, first.summary
    );
    let mut labels = vec![label(
        imp.span,
        format!("`{}` promised here", imp.trait_name),
    )];
    labels.extend(problems.into_iter().map(|p| p.field));
    let help = if imp.trait_name == "Send" {
        format!("bound the impl's type parameters by `Send`, replace `Rc` with `Arc`, or keep `{owner}` on one thread")
    } else {
        format!("put the cells behind a `Mutex` or `RwLock`, use atomics, bound the type parameters by `Sync`, or remove the impl and keep `{owner}` on one thread")
    };
    Some(Finding {
        rule: META.id,
        severity: Severity::Deny,
        primary: imp.span,
        message,
        labels,
        help,
    })
}
