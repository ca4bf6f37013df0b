//! Control flow: `if`, `if let`, `while`, `while let` and `match`, with the drop
//! scopes of their conditions and scrutinees, the branches they walk from one
//! starting state, and the tests their bodies depend on.

use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    pub(super) fn if_expr(&mut self, i: &syn::ExprIf) -> Flow {
        let is_let = is_let_cond(&i.cond);
        self.scopes.temps.push(Vec::new());
        self.push_scope();
        let ((cond, tested), calls) = self.collecting_calls(|w| w.collecting(|w| w.cond(&i.cond)));
        let writes = self.atomic_writes(&calls);
        if !is_let {
            // An `if` condition's temporaries drop before the block runs.
            self.drop_temps_now(|_, _| true);
        }
        let before = self.save();
        // `if slot.is_none() { .. }` on an `Option` that holds a guard on other paths
        // (`slot = Some(m.lock())`): the branch runs when it holds none.
        let (empty_then, empty_else) = if is_let {
            (None, None)
        } else {
            empty_option_test(&i.cond)
        };
        // Whether the slot is empty is no read of the data its guard protects.
        let tested: Vec<GuardId> = match empty_then.or(empty_else) {
            Some(ident) => {
                let slot = self.held_in_slot(ident);
                tested.into_iter().filter(|g| !slot.contains(g)).collect()
            }
            None => tested,
        };
        if let Some(ident) = empty_then {
            self.kill_held_by(ident);
        }
        self.deps
            .cond_spans
            .push(Some(self.fw.span(expr_span(&i.cond))));
        let then = self.testing_writes(&writes, |w| {
            w.depending(&tested, |w| w.block(&i.then_branch, Tail::Expr))
        });
        self.pop_scope(None);
        let after_then = self.save();
        self.restore(before);
        if is_let && self.fw.file.edition.is_2024() {
            // Edition 2024 drops `if let` scrutinee temporaries before `else`.
            self.drop_temps_now(|_, _| true);
        } else if is_let {
            // `if let Ok(g) = m.try_lock() { .. } else { .. }`: the `else` runs
            // when nothing was taken.
            self.drop_temps_now(|w, g| w.scopes.guards[g].is_try);
        }
        if let Some(ident) = empty_else {
            self.kill_held_by(ident);
        }
        let els = match &i.else_branch {
            Some((_, e)) => {
                self.testing_writes(&writes, |w| w.depending(&tested, |w| w.expr(e, false)))
            }
            None => Flow::default(),
        };
        self.deps.cond_spans.pop();
        let after_else = self.save();
        let guards_rest = then.diverges && i.else_branch.is_none();
        if guards_rest {
            self.deps.after_writes = writes;
        }
        self.deps.last_if = Some((tested, guards_rest));
        let mut branches = Vec::new();
        if !then.diverges {
            branches.push(after_then);
        }
        if !els.diverges {
            branches.push(after_else);
        }
        let diverges = branches.is_empty() && !cond.diverges && i.else_branch.is_some();
        if !branches.is_empty() {
            self.join(branches);
        }
        let value = then.value.or(els.value);
        self.end_temps_keeping(|_, g| Some(g) == value);
        Flow {
            value,
            within: None,
            diverges: diverges || cond.diverges,
        }
    }

    /// An `if`/`while` condition; `let` parts bind into the innermost scope.
    pub(super) fn cond(&mut self, e: &syn::Expr) -> Flow {
        match e {
            syn::Expr::Let(l) => {
                // What the pattern binds was read under the guards its scrutinee used
                // (`if let Some(v) = m.read().get(k).cloned()`).
                self.deps.uses.push((true, Vec::new()));
                let f = self.expr(&l.expr, false);
                let read = self.deps.uses.pop().map(|c| c.1).unwrap_or_default();
                let first = self.scopes.blocks.last().map_or(0, |s| s.vars.len());
                self.bind_pattern(&l.pat, f.value, f.within);
                if let Some(scope) = self.scopes.blocks.last_mut() {
                    for v in scope.vars.iter_mut().skip(first) {
                        if v.guard.is_none() {
                            v.derived.clone_from(&read);
                        }
                    }
                }
                f.no_value()
            }
            syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) && is_let_cond(e) => {
                let l = self.cond(&b.left);
                let r = self.cond(&b.right);
                l.or_div(r)
            }
            syn::Expr::Paren(p) => self.cond(&p.expr),
            other => self.expr(other, false).no_value(),
        }
    }

    pub(super) fn while_expr(&mut self, wh: &syn::ExprWhile) -> Flow {
        let is_let = is_let_cond(&wh.cond);
        let before = self.save();
        self.scopes.temps.push(Vec::new());
        self.push_scope();
        let ((_, tested), calls) = self.collecting_calls(|w| w.collecting(|w| w.cond(&wh.cond)));
        let writes = self.atomic_writes(&calls);
        if !is_let {
            self.drop_temps_now(|_, _| true);
        }
        self.loops.push(false);
        self.deps.cond_spans.push(None);
        self.depending(&tested, |w| w.block(&wh.body, Tail::Expr));
        self.deps.cond_spans.pop();
        self.loops.pop();
        self.pop_scope(None);
        self.end_temps();
        let after = self.save();
        self.join(vec![before, after]);
        // `while x.compare_exchange(..).is_err() { .. }`: what follows the loop runs
        // once its condition has been tested.
        self.deps.after_writes = writes;
        Flow::default()
    }

    pub(super) fn match_expr(&mut self, m: &syn::ExprMatch) -> Flow {
        self.scopes.temps.push(Vec::new());
        let ((scrut, tested), calls) =
            self.collecting_calls(|w| w.collecting(|w| w.expr(&m.expr, false)));
        let writes = self.atomic_writes(&calls);
        let before = self.save();
        let mut branches = Vec::new();
        let mut value = None;
        let mark = self.deps.tested.len();
        self.deps.tested.extend_from_slice(&tested);
        self.deps
            .cond_spans
            .push(Some(self.fw.span(expr_span(&m.expr))));
        for arm in &m.arms {
            self.restore(before.clone());
            // `match m.try_lock() { Err(_) => .. }`: no guard was taken in that arm.
            if let Some(g) = scrut.value.filter(|&g| self.scopes.guards[g].is_try) {
                if is_failure_pattern(&arm.pat) {
                    self.kill(g);
                }
            }
            self.push_scope();
            self.bind_pattern(&arm.pat, scrut.value, scrut.within);
            if let syn::Pat::Guard(g) = &arm.pat {
                self.scopes.temps.push(Vec::new());
                self.expr(&g.guard, false);
                self.end_temps();
            }
            self.scopes.temps.push(Vec::new());
            // The `Err(_)` arm of a `compare_exchange` is where it failed.
            let arm_writes = if is_failure_pattern(&arm.pat) {
                &[][..]
            } else {
                &writes[..]
            };
            let f = self.testing_writes(arm_writes, |w| w.expr(&arm.body, false));
            self.end_temps_keeping(|_, g| Some(g) == f.value);
            self.pop_scope(f.value);
            if !f.diverges {
                branches.push(self.save());
                value = value.or(f.value);
            }
        }
        self.deps.tested.truncate(mark);
        self.deps.cond_spans.pop();
        let diverges = branches.is_empty() && !m.arms.is_empty();
        if branches.is_empty() {
            self.restore(before);
        } else {
            self.join(branches);
        }
        self.end_temps_keeping(|_, g| Some(g) == value);
        Flow {
            value,
            within: None,
            diverges: diverges || scrut.diverges,
        }
    }
}

/// The variable an `if` condition tests empty in its `then` branch (`x.is_none()`,
/// `!x.is_some()`, either side of `&&`) or in its `else` branch (`x.is_some()`,
/// `!x.is_none()`).
pub(super) fn empty_option_test(
    cond: &syn::Expr,
) -> (Option<&proc_macro2::Ident>, Option<&proc_macro2::Ident>) {
    if let syn::Expr::Binary(b) = strip(cond) {
        if matches!(b.op, syn::BinOp::And(_)) {
            let then = empty_option_test(&b.left)
                .0
                .or_else(|| empty_option_test(&b.right).0);
            return (then, None);
        }
    }
    let (negated, e) = match strip(cond) {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => (true, strip(&u.expr)),
        other => (false, other),
    };
    let syn::Expr::MethodCall(mc) = e else {
        return (None, None);
    };
    if !mc.args.is_empty() {
        return (None, None);
    }
    let Some(ident) = path_ident(&mc.receiver) else {
        return (None, None);
    };
    let empty_then = match mc.method.to_string().as_str() {
        "is_none" => !negated,
        "is_some" => negated,
        _ => return (None, None),
    };
    if empty_then {
        (Some(ident), None)
    } else {
        (None, Some(ident))
    }
}
