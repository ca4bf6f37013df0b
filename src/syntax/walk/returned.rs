//! Guards handed back by functions: which functions and methods of a file return
//! a guard of one of their locks (perhaps inside a value), how they are handed
//! between the files of a crate, and the shapes of body that count as one.
//!
//! Like `recognise`, it answers questions about syntax; it records nothing.

use super::*;

/// The functions and methods among `items` (and their inline modules), by name,
/// each with the acquisition its body is, if it is one ([`GuardFn`]): a method
/// taking `&self` or a free function with no parameters, neither `async`, whose
/// return type names a guard and whose body is one acquisition of a field of `self`,
/// of `self` in an `impl` of a lock type, or of a static, perhaps through
/// `unwrap`-like calls. A body that does more (`.clone()` of the data, a `len()`)
/// returns no guard of the lock, and a call of it takes none here.
pub(super) fn collect_guard_fns(
    items: &[syn::Item],
    fw: &FileWalker<'_>,
) -> HashMap<String, Vec<FnDecl>> {
    let mut out = HashMap::default();
    collect_guard_fns_in(items, fw, &[], &mut out);
    resolve_via(&mut out);
    out
}

/// The file's methods that hand back a guard of a lock of `self`, as facts for the
/// other files of the crate.
pub(super) fn export_guard_fns(
    fns: &HashMap<String, Vec<FnDecl>>,
    file_module: &[String],
) -> Box<[crate::flow::guard_fns::GuardFnFact]> {
    let mut out = Vec::new();
    for (name, decls) in fns {
        for d in decls {
            let Some(g) = &d.guard else {
                continue;
            };
            let Some(owner) = &d.owner else {
                // A free function locking a static of the file (the only free
                // function with a guard): named by its module, its lock by the
                // static's name.
                let Some(lock) = path_var(&g.lock).filter(|_| g.root == GuardRoot::Fixed) else {
                    continue;
                };
                let module: Vec<String> = file_module.iter().chain(&d.module).cloned().collect();
                out.push(crate::flow::guard_fns::GuardFnFact {
                    name: name.clone(),
                    owner: String::new(),
                    lock: Box::new([lock]),
                    module: Some(module.into()),
                    method: g.method.clone(),
                    wrapped: g.wrapped,
                    in_value: g.in_value,
                });
                continue;
            };
            let lock: Box<[String]> = match g.root {
                GuardRoot::SelfField => match place_segments(&g.lock) {
                    Some(segs) => segs.into_iter().skip(1).collect(),
                    None => continue,
                },
                GuardRoot::SelfLock => Box::default(),
                GuardRoot::Fixed => continue,
            };
            out.push(crate::flow::guard_fns::GuardFnFact {
                name: name.clone(),
                owner: owner.clone(),
                lock,
                module: None,
                method: g.method.clone(),
                wrapped: g.wrapped,
                in_value: g.in_value,
            });
        }
    }
    // The table is a hash map: the facts are sorted so that the dump is stable.
    out.sort_by(|a, b| (&a.owner, &a.name).cmp(&(&b.owner, &b.name)));
    out.into()
}

/// Adds the methods of the other files of the crate to the file's table, for the
/// names the crate has guard methods of: the file's own methods of those names and
/// the others are then weighed together, and a name two types share resolves only
/// where the receiver's type picks one.
pub(super) fn import_guard_fns(
    fns: &mut HashMap<String, Vec<FnDecl>>,
    crate_fns: &CrateGuardFns,
    file: FileId,
) {
    for (name, f) in crate_fns.others(file) {
        if let Some((g, module)) = f.guard.as_ref().and_then(|g| Some((g, g.module.as_ref()?))) {
            // A free function of another file: its static, named as in its file.
            let Some(lock) = g.lock.first().and_then(|s| syn::parse_str(s).ok()) else {
                continue;
            };
            fns.entry(name.to_string()).or_default().push(FnDecl {
                owner: None,
                module: Vec::new(),
                foreign_module: Some(module.to_vec()),
                guard: Some(GuardFn {
                    lock,
                    root: GuardRoot::Fixed,
                    method: g.method.clone(),
                    wrapped: g.wrapped,
                    in_value: g.in_value,
                }),
                via: None,
            });
            continue;
        }
        let guard = f.guard.as_ref().and_then(|g| {
            let text = std::iter::once("self")
                .chain(g.lock.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(".");
            let lock: syn::Expr = syn::parse_str(&text).ok()?;
            Some(GuardFn {
                lock,
                root: if g.lock.is_empty() {
                    GuardRoot::SelfLock
                } else {
                    GuardRoot::SelfField
                },
                method: g.method.clone(),
                wrapped: g.wrapped,
                in_value: g.in_value,
            })
        });
        fns.entry(name.to_string()).or_default().push(FnDecl {
            owner: f.owner.clone(),
            module: Vec::new(),
            foreign_module: None,
            guard,
            via: None,
        });
    }
}

/// Gives each method whose value is a call of another method of `self` the guard
/// that method hands back, through chains of such calls; a chain longer than a few
/// links, or a loop, resolves to nothing.
pub(super) fn resolve_via(out: &mut HashMap<String, Vec<FnDecl>>) {
    for _ in 0..4 {
        let mut found = Vec::new();
        for (name, decls) in out.iter() {
            for (i, d) in decls.iter().enumerate() {
                let Some((callee, in_value)) = d.via.as_ref().filter(|_| d.guard.is_none()) else {
                    continue;
                };
                let Some(callees) = out.get(callee) else {
                    continue;
                };
                let mut same = callees.iter().filter(|c| c.owner == d.owner);
                let (Some(c), None) = (same.next(), same.next()) else {
                    continue;
                };
                if let Some(g) = c.guard.as_ref().filter(|g| g.root != GuardRoot::Fixed) {
                    let mut g = g.clone();
                    g.in_value |= *in_value;
                    found.push((name.clone(), i, g));
                }
            }
        }
        if found.is_empty() {
            return;
        }
        for (name, i, g) in found {
            if let Some(d) = out.get_mut(&name).and_then(|decls| decls.get_mut(i)) {
                d.guard = Some(g);
            }
        }
    }
}

pub(super) fn collect_guard_fns_in(
    items: &[syn::Item],
    fw: &FileWalker<'_>,
    module: &[String],
    out: &mut HashMap<String, Vec<FnDecl>>,
) {
    for item in items {
        let mut add = |name: String,
                       owner: Option<String>,
                       guard: Option<GuardFn>,
                       via: Option<(String, bool)>| {
            out.entry(name).or_default().push(FnDecl {
                owner,
                module: module.to_vec(),
                foreign_module: None,
                guard,
                via,
            });
        };
        match item {
            syn::Item::Fn(f) => {
                let guard = guard_body(&f.sig, &f.block, fw.known, false).and_then(|held| {
                    let HeldAt::Lock(recv, method, wrapped) = held.at else {
                        return None;
                    };
                    path_var(recv)
                        .is_some_and(|n| is_static_name(&n) && fw.statics.contains_key(&n))
                        .then(|| GuardFn {
                            lock: recv.clone(),
                            root: GuardRoot::Fixed,
                            method,
                            wrapped,
                            in_value: held.in_value,
                        })
                });
                add(f.sig.ident.to_string(), None, guard, None);
            }
            syn::Item::Impl(imp) => {
                let ty = type_text(&imp.self_ty);
                let owner = type_head(&ty);
                let is_lock = is_guard_lock(&type_head(strip_pointer(&ty)));
                for it in &imp.items {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    let held = guard_body(&f.sig, &f.block, fw.known, true);
                    let mut via = None;
                    let guard = held.and_then(|held| {
                        let (recv, method, wrapped) = match held.at {
                            HeldAt::Lock(recv, method, wrapped) => (recv, method, wrapped),
                            HeldAt::SelfCall(name) => {
                                via = Some((name, held.in_value));
                                return None;
                            }
                        };
                        let root = if path_ident(recv).is_some_and(|i| i == "self") {
                            is_lock.then_some(GuardRoot::SelfLock)?
                        } else {
                            rebase(recv, recv)?;
                            GuardRoot::SelfField
                        };
                        Some(GuardFn {
                            lock: recv.clone(),
                            root,
                            method,
                            wrapped,
                            in_value: held.in_value,
                        })
                    });
                    add(f.sig.ident.to_string(), Some(owner.clone()), guard, via);
                }
            }
            syn::Item::Trait(tr) => {
                for it in &tr.items {
                    if let syn::TraitItem::Fn(f) = it {
                        if f.default.is_some() {
                            add(
                                f.sig.ident.to_string(),
                                Some(tr.ident.to_string()),
                                None,
                                None,
                            );
                        }
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    let mut inner = module.to_vec();
                    inner.push(m.ident.to_string());
                    collect_guard_fns_in(items, fw, &inner, out);
                }
            }
            _ => {}
        }
    }
}

/// The guard a function's body hands back: an acquisition (its receiver, its guard
/// method and whether the guard goes through `unwrap`-like calls), or a call of
/// another method of `self`, perhaps inside a value that holds it. The signature
/// must take `&self` (a method) or nothing (a free function) and not be `async`;
/// a bare acquisition must name a guard in its return type, a value holding one
/// needs a return type that is not a reference.
pub(super) fn guard_body<'e>(
    sig: &syn::Signature,
    block: &'e syn::Block,
    known: &Known,
    method: bool,
) -> Option<Held<'e>> {
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return None;
    };
    if sig.asyncness.is_some() || matches!(**ret, syn::Type::Reference(_)) {
        return None;
    }
    let takes_self_ref = |a: &syn::FnArg| matches!(a, syn::FnArg::Receiver(r) if matches!(r.kind, syn::ReceiverKind::Reference(..)));
    let params_fit = match (method, sig.inputs.len()) {
        (true, 1) => sig.inputs.first().is_some_and(takes_self_ref),
        (false, 0) => true,
        _ => false,
    };
    if !params_fit {
        return None;
    }
    let [syn::Stmt::Expr(tail, None)] = block.stmts.as_slice() else {
        return None;
    };
    let held = held_shape(tail, known)?;
    let bare_lock = matches!(held.at, HeldAt::Lock(..)) && !held.in_value;
    if bare_lock && !returns_guard(&sig.output) {
        return None;
    }
    if matches!(held.at, HeldAt::SelfCall(_)) && !method {
        return None;
    }
    Some(held)
}

/// What a function's (or closure's) value holds of a guard.
pub(super) struct Held<'e> {
    pub(super) at: HeldAt<'e>,
    /// The guard is inside the value (a field of a struct literal, an element of a
    /// tuple, the argument of `Some`, `Wrapper` or `Box::new`), not the value itself.
    pub(super) in_value: bool,
}

pub(super) enum HeldAt<'e> {
    /// An acquisition: its receiver, its guard method, and whether it goes through
    /// `unwrap`-like calls.
    Lock(&'e syn::Expr, String, bool),
    /// A call of a method of `self` with no arguments, by name, whose own value may
    /// be a guard.
    SelfCall(String),
}

/// The guard `e` is or holds, if it is one acquisition, a call of a method of
/// `self` with no arguments, or a struct literal, tuple or constructor call with
/// exactly one part that is one of these (any depth). A value with two such parts
/// holds two guards, which this does not follow.
pub(super) fn held_shape<'e>(e: &'e syn::Expr, known: &Known) -> Option<Held<'e>> {
    if let Some((recv, method, wrapped)) = lock_shape(e, known) {
        return Some(Held {
            at: HeldAt::Lock(recv, method, wrapped),
            in_value: false,
        });
    }
    let parts: Vec<&syn::Expr> = match strip(e) {
        syn::Expr::Struct(s) if s.rest.is_none() => s.fields.iter().map(|f| &f.expr).collect(),
        syn::Expr::Tuple(t) => t.elems.iter().collect(),
        syn::Expr::Call(c) if is_holder_constructor(&c.func) => c.args.iter().collect(),
        syn::Expr::MethodCall(mc)
            if mc.args.is_empty() && path_ident(&mc.receiver).is_some_and(|i| i == "self") =>
        {
            let name = mc.method.to_string();
            if known.guard_method(&name).is_some() || known.is_passthrough(&name) {
                return None;
            }
            return Some(Held {
                at: HeldAt::SelfCall(name),
                in_value: false,
            });
        }
        _ => return None,
    };
    let mut found = None;
    for part in parts {
        if let Some(held) = held_shape(part, known) {
            if found.is_some() {
                return None;
            }
            found = Some(held);
        }
    }
    found.map(|held| Held {
        in_value: true,
        ..held
    })
}

/// A call that builds a value holding its arguments: a tuple struct or variant
/// (`Some`, `Ok`, `Wrapper`), or `Box::new`.
pub(super) fn is_holder_constructor(func: &syn::Expr) -> bool {
    if is_tuple_constructor(func) {
        return true;
    }
    let syn::Expr::Path(p) = strip(func) else {
        return false;
    };
    let segs: Vec<String> = path_segments(&p.path);
    matches!(segs.as_slice(), [.., box_ty, new] if box_ty == "Box" && new == "new")
}

/// Whether a return type names a guard: a `..Guard` type (`MutexGuard`,
/// `RwLockWriteGuard`, parking_lot's), or `Ref`/`RefMut`, perhaps inside a `Result`.
pub(super) fn returns_guard(output: &syn::ReturnType) -> bool {
    let syn::ReturnType::Type(_, ty) = output else {
        return false;
    };
    type_text(ty)
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w.ends_with("Guard") || w == "Ref" || w == "RefMut")
}

/// `recv.lock()`, perhaps through `unwrap`-like calls (`.unwrap()`,
/// `.unwrap_or_else(PoisonError::into_inner)`): the receiver, the guard method and
/// whether the guard went through such a call.
pub(super) fn lock_shape<'e>(
    e: &'e syn::Expr,
    known: &Known,
) -> Option<(&'e syn::Expr, String, bool)> {
    let mut e = strip(e);
    let mut wrapped = false;
    loop {
        let syn::Expr::MethodCall(mc) = e else {
            return None;
        };
        let name = mc.method.to_string();
        if known.is_passthrough(&name) {
            wrapped = true;
            e = strip(&mc.receiver);
            continue;
        }
        if !mc.args.is_empty() || known.guard_method(&name).is_none() {
            return None;
        }
        return Some((&mc.receiver, name, wrapped));
    }
}

/// A closure body's value expression: the body, or the tail of a block that is
/// nothing else.
pub(super) fn tail_of(e: &syn::Expr) -> Option<&syn::Expr> {
    match strip(e) {
        syn::Expr::Block(b) => match b.block.stmts.as_slice() {
            [syn::Stmt::Expr(tail, None)] => tail_of(tail),
            _ => None,
        },
        other => Some(other),
    }
}

/// `place` (a chain of fields from `self`) with `root` in place of `self`.
pub(super) fn rebase(place: &syn::Expr, root: &syn::Expr) -> Option<syn::Expr> {
    match strip(place) {
        syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident("self") => Some(root.clone()),
        syn::Expr::Field(f) => Some(syn::Expr::Field(syn::ExprField {
            attrs: Vec::new(),
            base: Box::new(rebase(&f.base, root)?),
            dot_token: f.dot_token,
            member: f.member.clone(),
        })),
        _ => None,
    }
}

/// An expression without the borrows and parentheses around it.
pub(super) fn strip_borrows(e: &syn::Expr) -> &syn::Expr {
    match strip(e) {
        syn::Expr::Reference(r) => strip_borrows(&r.expr),
        other => other,
    }
}
