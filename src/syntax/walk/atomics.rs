//! The shapes of an atomic `store`'s value that one read-modify-write replaces
//! exactly (`StoreUpdate`): `x.store(x.load(o) + n, o2)` and, after
//! `let v = x.load(o);`, `x.store(v + n, o2)`. The rule that reports a split
//! update reads them to offer `fetch_add` and its kin as a fix.
//!
//! Only what the syntax settles is recorded: the loaded value appears once, the
//! rest of the value is operators, literals, places and side-effect-free integer
//! methods (so evaluating it before the update, or again in a `fetch_update` retry,
//! changes nothing), the store is a statement of its own, and every text taken is
//! the file's own at the position the parser gives (not written by a macro). It
//! does not decide whether the pair is a hazard, nor which ordering the fix uses.

use syn::spanned::Spanned;

use crate::flow::{AtomicOrdering, StoreUpdate, UpdateOp};

use super::syntax::{is_place, path_ident, place_segments, strip};
use super::BodyWalker;

/// Methods of the integer types that compute a value from their receiver and
/// arguments alone, as a `fetch_update` closure may run them more than once.
const PURE_METHODS: &[&str] = &[
    "saturating_add",
    "saturating_sub",
    "saturating_mul",
    "wrapping_add",
    "wrapping_sub",
    "wrapping_mul",
    "wrapping_neg",
    "max",
    "min",
    "pow",
    "rotate_left",
    "rotate_right",
];

/// The name the closure of a `fetch_update` gives the current value.
const CURRENT: &str = "current";

/// Where the loaded value appears in a store's value.
enum Loaded {
    /// `x.load(o)` written in place.
    Inline(AtomicOrdering),
    /// A variable bound to the load: its event and ordering.
    Var(usize, AtomicOrdering),
}

impl BodyWalker<'_, '_, '_> {
    /// The load a `let` initializer is, when it is one written alone:
    /// `x.load(Ordering::Acquire)`, just recorded as a call.
    pub(super) fn loaded_by(&self, init: &syn::Expr) -> Option<(usize, AtomicOrdering)> {
        let syn::Expr::MethodCall(mc) = strip(init) else {
            return None;
        };
        let ordering = load_ordering(mc)?;
        Some((self.recorded_call(init)?, ordering))
    }

    /// A variable written through `v += 1` or `&mut v` no longer holds its load.
    pub(super) fn forget_load(&mut self, place: &syn::Expr) {
        if let Some(ident) = path_ident(place) {
            let name = ident.to_string();
            if let Some(v) = self.lookup_mut(&name) {
                v.loaded = None;
            }
        }
    }

    /// The read-modify-write shape of `mc`, a call `x.store(value, ordering)` whose
    /// result is dropped, given the earlier calls its arguments read.
    pub(super) fn store_update(
        &self,
        mc: &syn::ExprMethodCall,
        arg_calls: &[usize],
    ) -> Option<Box<StoreUpdate>> {
        if mc.method != "store" || mc.args.len() != 2 || arg_calls.is_empty() {
            return None;
        }
        if self.text_of(mc.method.span())? != "store" {
            return None;
        }
        let target = place_segments(&mc.receiver)?;
        let (ordering, ordering_path) = self.ordering_arg(&mc.args[1])?;
        let value = strip(&mc.args[0]);
        let mut found = Vec::new();
        if !self.is_pure(value, &target, &mut found) || found.len() != 1 {
            return None;
        }
        let (at, loaded) = found.pop()?;
        let (load, load_ordering) = match loaded {
            // The value's only recorded call is this load.
            Loaded::Inline(o) => match arg_calls {
                [li] => (*li, o),
                _ => return None,
            },
            Loaded::Var(li, o) => (li, o),
        };
        if !arg_calls.contains(&load) {
            return None;
        }
        let (op, operand) = self.exact_op(value, at).or_else(|| {
            let text = self.text_of(value.span())?;
            let start = self.fw.span(value.span()).start;
            let (from, to) = (at.start.checked_sub(start)?, at.end.checked_sub(start)?);
            let mentions_current = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == CURRENT);
            if mentions_current || to > text.len() || from > to {
                return None;
            }
            let template = format!("{}{CURRENT}{}", text.get(..from)?, text.get(to..)?);
            Some((UpdateOp::Update, template))
        })?;
        Some(Box::new(StoreUpdate {
            load,
            load_ordering,
            ordering,
            ordering_path: ordering_path.into(),
            op,
            operand: operand.into(),
        }))
    }

    /// The operation the value applies, when one `fetch_*` method does it exactly,
    /// with its operand's text: the loaded value (at `at`) is one side of `+`, `|`,
    /// `&` or `^`, the left of `-`, or the receiver of `max`, `min`,
    /// `wrapping_add` or `wrapping_sub`.
    fn exact_op(
        &self,
        value: &syn::Expr,
        at: crate::report::finding::Span,
    ) -> Option<(UpdateOp, String)> {
        let is_at = |e: &syn::Expr| {
            let s = self.fw.span(e.span());
            s.start == at.start && s.end == at.end
        };
        let (op, operand) = match value {
            syn::Expr::Binary(b) => {
                let op = match b.op {
                    syn::BinOp::Add(_) => UpdateOp::Add,
                    syn::BinOp::Sub(_) => UpdateOp::Sub,
                    syn::BinOp::BitOr(_) => UpdateOp::Or,
                    syn::BinOp::BitAnd(_) => UpdateOp::And,
                    syn::BinOp::BitXor(_) => UpdateOp::Xor,
                    _ => return None,
                };
                if is_at(&b.left) {
                    (op, &*b.right)
                } else if is_at(&b.right) && op != UpdateOp::Sub {
                    (op, &*b.left)
                } else {
                    return None;
                }
            }
            syn::Expr::MethodCall(m) if m.args.len() == 1 && is_at(&m.receiver) => {
                let op = match m.method.to_string().as_str() {
                    "max" => UpdateOp::Max,
                    "min" => UpdateOp::Min,
                    "wrapping_add" => UpdateOp::Add,
                    "wrapping_sub" => UpdateOp::Sub,
                    _ => return None,
                };
                (op, &m.args[0])
            }
            _ => return None,
        };
        Some((op, self.text_of(operand.span())?.to_string()))
    }

    /// Whether `e` is made of operators, literals, places and pure integer methods,
    /// with every use of the loaded value of `target` pushed to `found`; a use of a
    /// variable bound to that load counts as one.
    fn is_pure(
        &self,
        e: &syn::Expr,
        target: &[String],
        found: &mut Vec<(crate::report::finding::Span, Loaded)>,
    ) -> bool {
        match e {
            syn::Expr::Paren(p) => self.is_pure(&p.expr, target, found),
            syn::Expr::Lit(_) => true,
            syn::Expr::Path(p) => {
                if let Some(ident) = path_ident(e) {
                    if let Some(v) = self.lookup_ident(ident) {
                        if let Some((li, o)) = v.loaded {
                            found.push((self.fw.span(p.span()), Loaded::Var(li, o)));
                        }
                        // A variable of the body holding a guard is not a number.
                        return v.guard.is_none();
                    }
                }
                p.qself.is_none()
            }
            syn::Expr::Field(f) => is_place(&f.base),
            syn::Expr::Cast(c) => self.is_pure(&c.expr, target, found),
            syn::Expr::Unary(u) => {
                matches!(u.op, syn::UnOp::Neg(_) | syn::UnOp::Not(_))
                    && self.is_pure(&u.expr, target, found)
            }
            syn::Expr::Binary(b) => {
                !super::syntax::is_compound_assign(&b.op)
                    && self.is_pure(&b.left, target, found)
                    && self.is_pure(&b.right, target, found)
            }
            syn::Expr::MethodCall(m) => {
                if let Some(ordering) = load_ordering(m) {
                    if place_segments(&m.receiver).as_deref() == Some(target) {
                        found.push((self.fw.span(m.span()), Loaded::Inline(ordering)));
                        return true;
                    }
                    return false;
                }
                m.turbofish.is_none()
                    && PURE_METHODS.iter().any(|n| m.method == n)
                    && self.is_pure(&m.receiver, target, found)
                    && m.args.iter().all(|a| self.is_pure(a, target, found))
            }
            _ => false,
        }
    }

    /// The ordering an argument names (`Ordering::Release`, `SeqCst`), with the
    /// text written before the variant.
    fn ordering_arg(&self, arg: &syn::Expr) -> Option<(AtomicOrdering, String)> {
        let syn::Expr::Path(p) = strip(arg) else {
            return None;
        };
        let last = p.path.segments.last()?;
        let ordering = AtomicOrdering::from_name(&last.ident.to_string())?;
        let text = self.text_of(arg.span())?;
        let prefix = text.strip_suffix(ordering.name())?;
        let plain = prefix
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':');
        (plain && (prefix.is_empty() || prefix.ends_with("::")))
            .then(|| (ordering, prefix.to_string()))
    }

    /// The file's text at a span, when the span is the file's own (a token a macro
    /// wrote has the invocation's position, whose text is the invocation's).
    fn text_of(&self, span: proc_macro2::Span) -> Option<&str> {
        let s = self.fw.span(span);
        self.fw
            .file
            .text
            .get(s.start..s.end)
            .filter(|t| !t.is_empty())
    }
}

/// The ordering of `x.load(Ordering::Acquire)`, when the call is a `load` with one
/// argument that names an ordering.
fn load_ordering(mc: &syn::ExprMethodCall) -> Option<AtomicOrdering> {
    if mc.method != "load" || mc.args.len() != 1 {
        return None;
    }
    let syn::Expr::Path(p) = strip(&mc.args[0]) else {
        return None;
    };
    AtomicOrdering::from_name(&p.path.segments.last()?.ident.to_string())
}
