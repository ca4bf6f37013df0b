//! Call recognisers and local type guessing: whether a call is an acquisition, a
//! blocking call, a stream or pointer read, and what type the body shows for a
//! receiver (a declaration, a constructor, a parameter).
//!
//! It answers questions about syntax and the variable environment; it records nothing.

use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    /// `recv.method()` with no arguments where `method` hands out a guard.
    pub(super) fn acquisition<'e>(
        &self,
        e: &'e syn::Expr,
    ) -> Option<(
        &'e syn::ExprMethodCall,
        &'a crate::model::known::GuardMethod,
    )> {
        let syn::Expr::MethodCall(mc) = strip(e) else {
            return None;
        };
        Some((mc, self.acquisition_method(mc, true)?))
    }

    /// The guard method `mc` calls, if it is an acquisition. `awaited` says the call
    /// is directly `.await`ed.
    pub(super) fn acquisition_method(
        &self,
        mc: &syn::ExprMethodCall,
        awaited: bool,
    ) -> Option<&'a crate::model::known::GuardMethod> {
        if !mc.args.is_empty() {
            return None;
        }
        self.acquisition_method_named(mc, &mc.method.to_string(), awaited)
    }

    pub(super) fn acquisition_method_named(
        &self,
        mc: &syn::ExprMethodCall,
        name: &str,
        awaited: bool,
    ) -> Option<&'a crate::model::known::GuardMethod> {
        if !mc.args.is_empty() {
            return None;
        }
        self.lock_method_on(&mc.receiver, name, awaited)
    }

    /// The guard method `recv.name()` calls, if it is an acquisition.
    fn lock_method_on(
        &self,
        recv: &syn::Expr,
        name: &str,
        awaited: bool,
    ) -> Option<&'a crate::model::known::GuardMethod> {
        let method = self.fw.known.guard_method(name).filter(|m| !m.shard)?;
        if self.is_stream(recv) {
            return None;
        }
        if name == "read" && self.is_pointer_like(recv) {
            return None;
        }
        // On a lock declared async, `lock()` without `.await` makes a future.
        let waits_by_await = !method.is_try && !name.starts_with("blocking_");
        if !awaited && waits_by_await && self.declared_lock(recv).0 {
            return None;
        }
        Some(method)
    }

    /// `recv.name()` calls a method of the file whose body is one acquisition
    /// ([`GuardFn`]): the lock it takes, named in this body (the receiver put in
    /// place of the callee's `self`), and the guard method. Only when the receiver is
    /// a place and its type picks one such method: a receiver of the method's own
    /// type, or, for a method of a lock type (`impl HandyRwLock for RwLock<T>`), a
    /// lock or a receiver of unknown type when every method of the name is one.
    pub(super) fn guard_fn_method(
        &self,
        mc: &syn::ExprMethodCall,
        name: &str,
        awaited: bool,
    ) -> Option<(syn::Expr, &'a crate::model::known::GuardMethod, GuardFn)> {
        if awaited || !mc.args.is_empty() {
            return None;
        }
        let decls = self.fw.guard_fns.get(name)?;
        place_segments(&mc.receiver)?;
        let recv = strip_borrows(&mc.receiver);
        let owner = match path_var(recv).as_deref() {
            Some("self") => self.body.self_ty.as_deref().map(type_head),
            _ => self.receiver_type(recv),
        };
        let methods = decls.iter().filter(|d| d.owner.is_some());
        let picked: Vec<&FnDecl> = match owner.as_deref() {
            Some(t) if decls.iter().any(|d| d.owner.as_deref() == Some(t)) => {
                methods.filter(|d| d.owner.as_deref() == Some(t)).collect()
            }
            Some(t) if !is_guard_lock(t) => return None,
            _ => methods.collect(),
        };
        let mut found: Option<&GuardFn> = None;
        for d in &picked {
            let g = d.guard.as_ref()?;
            match found {
                None => found = Some(g),
                Some(f) if f.root == GuardRoot::SelfLock && g.root == f.root => {
                    if f.method != g.method {
                        return None;
                    }
                }
                Some(_) => return None,
            }
        }
        let g = found?;
        let lock = match g.root {
            GuardRoot::SelfField if owner.is_some() => rebase(&g.lock, recv)?,
            GuardRoot::SelfLock => recv.clone(),
            _ => return None,
        };
        let method = self.lock_method_on(&lock, &g.method, false)?;
        Some((lock, method, g.clone()))
    }

    /// `name()` calls a local closure or a free function of the file whose body is
    /// one acquisition: the lock it takes and the guard method.
    pub(super) fn guard_fn_call(
        &self,
        c: &syn::ExprCall,
        awaited: bool,
    ) -> Option<(syn::Expr, &'a crate::model::known::GuardMethod, GuardFn)> {
        if awaited || !c.args.is_empty() {
            return None;
        }
        let syn::Expr::Path(p) = strip(&c.func) else {
            return None;
        };
        let id = p.path.get_ident().filter(|_| p.qself.is_none())?;
        let g = match self.lookup_ident(id) {
            Some(v) => v.lock_fn.as_deref()?.clone(),
            None => {
                let decls = self.fw.guard_fns.get(&id.to_string())?;
                let mut free = decls
                    .iter()
                    .filter(|d| d.owner.is_none() && d.module[..] == self.body.module[..]);
                let d = free.next()?;
                if free.next().is_some() {
                    return None;
                }
                d.guard.clone().filter(|g| g.root == GuardRoot::Fixed)?
            }
        };
        let method = self.lock_method_on(&g.lock, &g.method, false)?;
        Some((g.lock.clone(), method, g))
    }

    /// `|| self.m.lock().unwrap()`: a closure with no parameters whose body is one
    /// acquisition of a place.
    pub(super) fn lock_closure(&self, e: &syn::Expr) -> Option<GuardFn> {
        let syn::Expr::Closure(c) = strip(e) else {
            return None;
        };
        if !c.inputs.is_empty() || c.asyncness.is_some() {
            return None;
        }
        let held = held_shape(tail_of(&c.body)?, self.fw.known)?;
        let HeldAt::Lock(recv, method, wrapped) = held.at else {
            return None;
        };
        place_segments(recv)?;
        Some(GuardFn {
            lock: strip_borrows(recv).clone(),
            root: GuardRoot::Fixed,
            method,
            wrapped,
            in_value: held.in_value,
        })
    }

    pub(super) fn is_stream(&self, recv: &syn::Expr) -> bool {
        match strip(recv) {
            syn::Expr::Call(c) => match strip(&c.func) {
                syn::Expr::Path(p) => p
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| self.fw.known.is_stream_fn(&s.ident.to_string())),
                _ => false,
            },
            e => path_var(e)
                .and_then(|n| self.lookup(&n).and_then(|v| v.ty.clone()))
                .is_some_and(|t| matches!(t.as_str(), "Stdout" | "Stdin" | "Stderr")),
        }
    }

    /// `ptr.read()` is a raw-pointer read, not an `RwLock`: inside `unsafe`, or on a
    /// pointer-producing expression.
    pub(super) fn is_pointer_like(&self, recv: &syn::Expr) -> bool {
        match strip(recv) {
            syn::Expr::Cast(_) => true,
            syn::Expr::MethodCall(m) => [
                "add",
                "offset",
                "sub",
                "as_ptr",
                "as_mut_ptr",
                "cast",
                "byte_add",
                "get",
            ]
            .iter()
            .any(|n| m.method == n),
            e => {
                self.unsafe_depth > 0
                    && !place_segments(e)
                        .and_then(|s| s.last().cloned())
                        .is_some_and(|l| l.to_ascii_lowercase().contains("lock"))
            }
        }
    }

    pub(super) fn blocking_method(
        &self,
        name: &str,
        n_args: usize,
        recv: &syn::Expr,
    ) -> Option<Blocking> {
        let candidates = self.fw.known.blocking_methods(name);
        if candidates.is_empty() {
            return None;
        }
        let recv_ty = self.receiver_type(recv);
        for m in candidates {
            if m.args != n_args {
                continue;
            }
            let needed = match (&m.receivers, &m.async_receivers) {
                (Some(r), _) => Some(r),
                (None, Some(r)) if self.is_async => Some(r),
                _ => None,
            };
            if let Some(needed) = needed {
                if !recv_ty.as_ref().is_some_and(|t| needed.contains(t)) {
                    continue;
                }
            }
            return Some(Blocking {
                name: name.to_string(),
                why: m.why.clone(),
            });
        }
        None
    }

    /// The type name of a receiver, from locals, parameters and constructors.
    pub(super) fn receiver_type(&self, recv: &syn::Expr) -> Option<String> {
        self.expr_types(recv).filter(|t| !t.contains(','))
    }

    /// The type name(s) of an expression's value, comma-separated for tuples.
    pub(super) fn expr_types(&self, e: &syn::Expr) -> Option<String> {
        match strip(e) {
            syn::Expr::Path(_) => self.lookup_ident(path_ident(e)?).and_then(|v| v.ty.clone()),
            syn::Expr::Reference(r) => self.expr_types(&r.expr),
            syn::Expr::Try(t) => self.expr_types(&t.expr),
            syn::Expr::Field(f) => self.field_type(f),
            // A struct literal builds the type it names (`Self` is the impl's).
            syn::Expr::Struct(st) if st.qself.is_none() => {
                let name = st.path.segments.last()?.ident.to_string();
                if name == "Self" {
                    self.body
                        .self_ty
                        .as_deref()
                        .and_then(crate::model::type_name_of)
                } else {
                    name.starts_with(|c: char| c.is_ascii_uppercase())
                        .then_some(name)
                }
            }
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = strip(&c.func) else {
                    return None;
                };
                let segs = path_segments(&p.path);
                let full = self.fw.imports.resolve(&segs);
                if let Some(tys) = self.fw.known.constructor(&full) {
                    return Some(tys.join(","));
                }
                if is_async_path(&full) || segs.len() < 2 {
                    return None;
                }
                let ty = &segs[segs.len() - 2];
                let func = &segs[segs.len() - 1];
                let is_ctor = matches!(
                    func.as_str(),
                    "new"
                        | "open"
                        | "create"
                        | "create_new"
                        | "connect"
                        | "connect_timeout"
                        | "bind"
                        | "options"
                        | "default"
                        | "with_capacity"
                );
                (is_ctor && ty.starts_with(|c: char| c.is_ascii_uppercase())).then(|| ty.clone())
            }
            syn::Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let inner = self.expr_types(&m.receiver);
                match name.as_str() {
                    "unwrap" | "expect" | "unwrap_or_else" => inner,
                    "arg" | "args" | "env" | "envs" | "env_clear" | "env_remove"
                    | "current_dir" | "stdin" | "stdout" | "stderr" | "uid" | "gid"
                        if inner.as_deref() == Some("Command") =>
                    {
                        inner
                    }
                    "spawn" if inner.as_deref() == Some("Command") => Some("Child".into()),
                    "read" | "write" | "create" | "append" | "truncate"
                        if inner.as_deref() == Some("OpenOptions") =>
                    {
                        inner
                    }
                    "open" if inner.as_deref() == Some("OpenOptions") => Some("File".into()),
                    "clone" => inner,
                    _ => self
                        .fw
                        .known
                        .method_type(inner.as_deref()?, &name)
                        .map(str::to_string),
                }
            }
            _ => None,
        }
    }

    /// The type name of `base.field`, from the declaration of the field in a struct
    /// of this file: the struct is `self`'s type or the type the body shows for
    /// `base`; an `Arc`, `Box` or `Rc` around the field's type is seen through.
    fn field_type(&self, f: &syn::ExprField) -> Option<String> {
        let syn::Member::Named(field) = &f.member else {
            return None;
        };
        let owner = match path_var(&f.base).as_deref() {
            Some("self") => self
                .body
                .self_ty
                .as_deref()
                .map(|t| t.split('<').next().unwrap_or(t).to_string()),
            _ => self.receiver_type(&f.base),
        }?;
        let field = field.to_string();
        let (_, ty) = self
            .fw
            .fields
            .get(&owner)?
            .iter()
            .find(|(n, _)| *n == field)?;
        self.fw.type_name(strip_pointer(ty))
    }

    /// The guard a `for` loop iterates over as a whole: `g`, `&g`, `&mut g`,
    /// `g.iter()` or `g.iter_mut()` with `g` a variable holding a guard.
    pub(super) fn iterated_guard(&self, e: &syn::Expr) -> Option<GuardId> {
        let e = match strip(e) {
            syn::Expr::Reference(r) => &r.expr,
            syn::Expr::MethodCall(m)
                if m.args.is_empty() && (m.method == "iter" || m.method == "iter_mut") =>
            {
                &m.receiver
            }
            e => e,
        };
        self.lookup(&path_var(e)?)?.guard
    }

    /// The element type of the sequence a guard protects, when its lock is a field
    /// path from `self` through structs of this file and the lock's declared type
    /// is a `Mutex` or `RwLock` of a `Vec` or `VecDeque` (`idle: Mutex<Vec<Conn>>`
    /// gives `Conn`).
    pub(super) fn guarded_elem_type(&self, g: GuardId) -> Option<String> {
        let segs = self.scopes.guards.get(g)?.lock.segments.as_deref()?;
        let (root, fields) = segs.split_first()?;
        if root != "self" || fields.is_empty() {
            return None;
        }
        let mut owner = self.body.self_ty.as_deref()?;
        owner = owner.split('<').next().unwrap_or(owner);
        let mut ty = None;
        for field in fields {
            let (_, t) = self
                .fw
                .fields
                .get(owner)?
                .iter()
                .find(|(n, _)| n == field)?;
            let t = strip_pointer(t);
            owner = t.split('<').next().unwrap_or(t);
            ty = Some(t);
        }
        let lock = ty?;
        let inner = ["Mutex<", "RwLock<"]
            .iter()
            .find_map(|l| lock.strip_prefix(l))?
            .strip_suffix('>')?;
        let elem = ["Vec<", "VecDeque<"]
            .iter()
            .find_map(|c| inner.strip_prefix(c))?
            .strip_suffix('>')?;
        self.fw.type_name(strip_pointer(elem))
    }

    /// `map.get(&k)` on a receiver whose type is a shard map (`DashMap`): the guard
    /// method and the map's type name. A `get` on a receiver of unknown type is a
    /// plain collection's read.
    pub(super) fn shard_acquisition(
        &self,
        mc: &syn::ExprMethodCall,
        name: &str,
    ) -> Option<(&'a crate::model::known::GuardMethod, &'static str)> {
        let method = self.fw.known.guard_method(name).filter(|m| m.shard)?;
        let shard_map = crate::model::known::shard_map_in;
        let declared = path_var(&mc.receiver)
            .and_then(|name| self.lookup(&name))
            .and_then(|v| v.ty_text.as_deref())
            .and_then(shard_map);
        let map = match declared {
            Some(map) => map,
            None => shard_map(&self.expr_types(&mc.receiver)?)?,
        };
        Some((method, map))
    }

    /// What the declarations in view say about a lock receiver: whether it is an
    /// async lock, and the lock type (`Mutex`...). Locals and parameters first, then
    /// the file's statics.
    pub(super) fn declared_lock(&self, recv: &syn::Expr) -> (bool, Option<String>) {
        let Some(name) = path_var(recv) else {
            return (false, None);
        };
        if let Some(v) = self.lookup(&name) {
            return (v.is_async_lock, v.lock_ty.clone());
        }
        match self.fw.statics.get(&name) {
            Some(ty) => (
                self.fw
                    .imports
                    .is_async_lock_type(ty, &self.fw.known.async_locks),
                lock_type_in(ty),
            ),
            None => (false, None),
        }
    }

    pub(super) fn is_refcell(&self, recv: &syn::Expr) -> bool {
        match path_var(recv) {
            Some(name) => self.lookup(&name).is_some_and(|v| v.is_refcell),
            None => false,
        }
    }
}

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
) -> Box<[crate::flow::guard_fns::GuardFnFact]> {
    let mut out = Vec::new();
    for (name, decls) in fns {
        for d in decls {
            let (Some(owner), Some(g)) = (&d.owner, &d.guard) else {
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
            guard,
            via: None,
        });
    }
}

/// Gives each method whose value is a call of another method of `self` the guard
/// that method hands back, through chains of such calls; a chain longer than a few
/// links, or a loop, resolves to nothing.
fn resolve_via(out: &mut HashMap<String, Vec<FnDecl>>) {
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

fn collect_guard_fns_in(
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
                        let root = if path_var(recv).as_deref() == Some("self") {
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
fn guard_body<'e>(
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
struct Held<'e> {
    at: HeldAt<'e>,
    /// The guard is inside the value (a field of a struct literal, an element of a
    /// tuple, the argument of `Some`, `Wrapper` or `Box::new`), not the value itself.
    in_value: bool,
}

enum HeldAt<'e> {
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
fn held_shape<'e>(e: &'e syn::Expr, known: &Known) -> Option<Held<'e>> {
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
            if mc.args.is_empty() && path_var(&mc.receiver).as_deref() == Some("self") =>
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
fn is_holder_constructor(func: &syn::Expr) -> bool {
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
fn returns_guard(output: &syn::ReturnType) -> bool {
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
fn lock_shape<'e>(e: &'e syn::Expr, known: &Known) -> Option<(&'e syn::Expr, String, bool)> {
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
fn tail_of(e: &syn::Expr) -> Option<&syn::Expr> {
    match strip(e) {
        syn::Expr::Block(b) => match b.block.stmts.as_slice() {
            [syn::Stmt::Expr(tail, None)] => tail_of(tail),
            _ => None,
        },
        other => Some(other),
    }
}

/// `place` (a chain of fields from `self`) with `root` in place of `self`.
fn rebase(place: &syn::Expr, root: &syn::Expr) -> Option<syn::Expr> {
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
fn strip_borrows(e: &syn::Expr) -> &syn::Expr {
    match strip(e) {
        syn::Expr::Reference(r) => strip_borrows(&r.expr),
        other => other,
    }
}

/// The head of a type as written, without its path and arguments: `Shared` for
/// `crate::Shared<T>`.
fn type_head(ty: &str) -> String {
    let ty = ty.trim_start_matches('&').trim_start();
    let path = ty.split('<').next().unwrap_or(ty);
    path.rsplit("::").next().unwrap_or(path).trim().to_string()
}

/// A type as written without the `Arc`, `Box` or `Rc` around it.
fn strip_pointer(ty: &str) -> &str {
    let mut ty = ty;
    for wrapper in ["Arc<", "Box<", "Rc<", "std::sync::Arc<"] {
        if let Some(inner) = ty.strip_prefix(wrapper).and_then(|t| t.strip_suffix('>')) {
            ty = inner;
        }
    }
    ty
}

/// The named fields of the structs among `items` (and their inline modules), with
/// their types as written, by struct name.
pub(super) fn collect_fields(
    items: &[syn::Item],
    out: &mut HashMap<String, Vec<(String, String)>>,
) {
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                let fields = s
                    .fields
                    .iter()
                    .filter_map(|f| Some((f.ident.as_ref()?.to_string(), type_text(&f.ty))))
                    .collect();
                // Two structs of one name in a file (in two modules): neither is known.
                let name = s.ident.to_string();
                out.entry(name)
                    .and_modify(|known| known.clear())
                    .or_insert(fields);
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_fields(items, out);
                }
            }
            _ => {}
        }
    }
}

pub(super) fn is_async_path(full: &str) -> bool {
    let first = full.split("::").next().unwrap_or_default();
    ASYNC_CRATES.contains(&first)
}

pub(super) fn expr_mentions_refcell(e: &syn::Expr) -> bool {
    match strip(e) {
        syn::Expr::Call(c) => {
            let is_new = match strip(&c.func) {
                syn::Expr::Path(p) => {
                    let segs = path_segments(&p.path);
                    segs.iter().any(|s| s == "RefCell")
                }
                _ => false,
            };
            is_new || c.args.iter().any(expr_mentions_refcell)
        }
        syn::Expr::MethodCall(m) if m.method == "clone" => expr_mentions_refcell(&m.receiver),
        _ => false,
    }
}

/// The lock type a type as written is or wraps: `Mutex` for `Arc<Mutex<T>>`,
/// `RwLock` for `LazyLock<RwLock<T>>`; raw locks (`RawMutex`) are not guard locks.
pub(super) fn lock_type_in(ty: &str) -> Option<String> {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter_map(|w| w.rsplit("::").next())
        .find(|last| is_guard_lock(last))
        .map(str::to_string)
}

/// The type a constructor expression builds, as a type string:
/// `Arc::new(Mutex::new(0))` gives `Arc<Mutex<>>`. Empty when it is not a chain of
/// `Type::new`-like calls.
pub(super) fn constructed_type(e: &syn::Expr) -> String {
    match strip(e) {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = strip(&c.func) else {
                return String::new();
            };
            let segs = path_segments(&p.path);
            if segs.len() < 2 {
                return String::new();
            }
            let ty = segs[..segs.len() - 1].join("::");
            let inner = c.args.first().map(constructed_type).unwrap_or_default();
            format!("{ty}<{inner}>")
        }
        syn::Expr::MethodCall(m) if m.method == "into" || m.method == "clone" => {
            constructed_type(&m.receiver)
        }
        _ => String::new(),
    }
}

/// The struct a `let` initializer builds with a literal (`Foo { .. }`).
pub(super) fn struct_literal_type(e: &syn::Expr) -> Option<String> {
    match strip(e) {
        syn::Expr::Struct(s) => Some(compact(
            &quote::ToTokens::to_token_stream(&s.path).to_string(),
        )),
        _ => None,
    }
}

/// `cv.wait_timeout(g, d)` (possibly unwrapped): its value is a `(guard, timeout)` pair.
pub(super) fn is_timeout_wait(e: &syn::Expr) -> bool {
    match strip(e) {
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if matches!(name.as_str(), "unwrap" | "expect") {
                return is_timeout_wait(&m.receiver);
            }
            name.starts_with("wait_timeout")
        }
        syn::Expr::Try(t) => is_timeout_wait(&t.expr),
        _ => false,
    }
}
