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
        if !is_place(&mc.receiver) {
            return None;
        }
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
        if p.qself.is_some() {
            return None;
        }
        if let Some(g) = self.foreign_guard_fn(&p.path) {
            let method = self.lock_method_on(&g.lock, &g.method, false)?;
            return Some((g.lock.clone(), method, g));
        }
        let id = p.path.get_ident()?;
        let g = match self.lookup_ident(id) {
            Some(v) => v.lock_fn.as_deref()?.clone(),
            None => {
                let decls = self.fw.guard_fns.get(&id.to_string())?;
                let mut free = decls.iter().filter(|d| {
                    d.owner.is_none()
                        && d.foreign_module.is_none()
                        && d.module[..] == self.body.module[..]
                });
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

    /// A call of a free function of another file of the crate that hands back a
    /// guard of a static: the path, after the file's imports, names its module
    /// (`crate::a::state`, `super::a::state`, `a::state` from the parent module, or
    /// `state` through `use crate::a::state`), and exactly one such function fits.
    /// A plain name that a local or a function of this file may be is left alone.
    fn foreign_guard_fn(&self, path: &syn::Path) -> Option<GuardFn> {
        let segs = path_segments(path);
        let name = segs.last()?;
        let decls = self.fw.guard_fns.get(name)?;
        if !decls.iter().any(|d| d.foreign_module.is_some()) {
            return None;
        }
        if segs.len() == 1 {
            let id = path.get_ident()?;
            if self.lookup_ident(id).is_some() {
                return None;
            }
        }
        let full = self.fw.imports.resolve(&segs);
        let parts: Vec<&str> = full.split("::").collect();
        let (_, quals) = parts.split_last()?;
        let mut base: Vec<String> = self
            .fw
            .module
            .iter()
            .chain(self.body.module.iter())
            .cloned()
            .collect();
        let mut quals = quals;
        match quals.first() {
            Some(&"crate") => {
                base.clear();
                quals = &quals[1..];
            }
            Some(&"self") => quals = &quals[1..],
            Some(&"super") => {
                while quals.first() == Some(&"super") {
                    base.pop()?;
                    quals = &quals[1..];
                }
            }
            _ => {}
        }
        base.extend(quals.iter().map(|s| s.to_string()));
        let mut fits = decls.iter().filter(|d| {
            d.owner.is_none()
                && match &d.foreign_module {
                    Some(m) => *m == base,
                    // The file's own function of the name in that module.
                    None => self.fw.module.iter().chain(&d.module).eq(base.iter()),
                }
        });
        let d = fits.next()?;
        if fits.next().is_some() {
            return None;
        }
        d.foreign_module.as_ref()?;
        d.guard.clone().filter(|g| g.root == GuardRoot::Fixed)
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
        if !is_place(recv) {
            return None;
        }
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

    /// The associated function of a type whose result an initializer is, seen
    /// through `Arc::new`, `Rc::new` and `Box::new`: `Cache::new(..)`,
    /// `Self::default()`, `Arc::new(Cache::new())`, when the type may be one the
    /// crate declares (see [`Self::may_be_crate_type`]) and is not a lock type. Whether the function
    /// returns that type is the call resolver's to check.
    pub(super) fn built_by(&self, e: &syn::Expr) -> Option<BuiltBy> {
        let syn::Expr::Call(c) = strip(e) else {
            return None;
        };
        let syn::Expr::Path(p) = strip(&c.func) else {
            return None;
        };
        let segs = path_segments(&p.path);
        let (func, ty_path) = segs.split_last()?;
        let ty = ty_path.last()?;
        if matches!(ty.as_str(), "Arc" | "Rc" | "Box") && func == "new" && c.args.len() == 1 {
            let inner = self.built_by(c.args.first()?)?;
            return Some(BuiltBy {
                in_pointer: true,
                ..inner
            });
        }
        // A lock is used through its own API (acquisitions, `is_locked`), which
        // the walker reads as lock calls, not as calls into the crate.
        let is_type = ty.starts_with(|c: char| c.is_ascii_uppercase()) && !is_guard_lock(ty);
        (is_type && self.may_be_crate_type(ty_path)).then(|| BuiltBy {
            ty: ty.clone(),
            func: func.clone(),
            in_pointer: false,
        })
    }

    /// Whether a call through a field path (`self.items.push(x)`) may resolve to a
    /// method of the crate, as far as the structs of this file show: not when a
    /// field on the path is declared here with a type of the standard library
    /// (`items: Vec<T>`, `count: AtomicUsize` with `AtomicUsize` imported from
    /// `std`). A field of a struct declared elsewhere may resolve.
    pub(super) fn field_path_may_resolve(&self, recv: &LockPath) -> bool {
        let Some((root, fields)) = recv.segments.as_deref().and_then(<[String]>::split_first)
        else {
            return true;
        };
        if fields.is_empty() {
            return true;
        }
        let owner = if root == "self" {
            self.body.self_ty.as_deref().and_then(type_name_of)
        } else if let Some(ty) = &recv.root_ty {
            type_name_of(ty)
        } else {
            recv.root_built.as_ref().map(|b| b.ty.clone())
        };
        let Some(mut owner) = owner else {
            return true;
        };
        for field in fields {
            let Some((_, ty)) = self
                .fw
                .fields
                .get(&owner)
                .and_then(|decl| decl.iter().find(|(n, _)| n == field))
            else {
                return true;
            };
            if object_trait_of(ty).is_some() {
                return true;
            }
            let inner = strip_pointer(ty);
            let Some(name) = type_name_of(ty) else {
                return true;
            };
            let std_path = matches!(inner.split("::").next(), Some("std" | "core" | "alloc"));
            let std_name = !inner.contains("::") && self.is_std_type(&name);
            if std_path || std_name {
                return false;
            }
            owner = name;
        }
        true
    }

    /// Whether a type name as written, with no path, is the standard library's: a
    /// type of the prelude (`Vec`, `String`, `Box`, `Option`, `Result`) or a name
    /// imported from `std`, `core` or `alloc`.
    fn is_std_type(&self, name: &str) -> bool {
        if matches!(name, "Vec" | "String" | "Box" | "Option" | "Result") {
            return true;
        }
        let full = self.fw.imports.resolve(&[name.to_string()]);
        full != name && matches!(full.split("::").next(), Some("std" | "core" | "alloc"))
    }

    /// Whether a type path as written may name a type of the crate: `Self`, a path
    /// from `crate`, `self` or `super`, a name imported from anywhere but the
    /// standard library, or a name the file does not import that a struct of the
    /// file declares or a glob import outside the standard library may bring.
    /// The prelude's types (`Vec`, `String`, `Box`) are not.
    fn may_be_crate_type(&self, ty_path: &[String]) -> bool {
        let is_std = |p: &str| matches!(p.split("::").next(), Some("std" | "core" | "alloc"));
        let Some(first) = ty_path.first() else {
            return false;
        };
        match first.as_str() {
            "Self" | "crate" | "self" | "super" => return true,
            "Vec" | "String" | "Box" | "Option" | "Result" if ty_path.len() == 1 => return false,
            _ => {}
        }
        let full = self.fw.imports.resolve(ty_path);
        if full != ty_path.join("::") {
            return !is_std(&full);
        }
        if is_std(&full) {
            return false;
        }
        ty_path.len() > 1
            || self.fw.fields.contains_key(first)
            || self.fw.imports.globs().iter().any(|g| !is_std(g))
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
        self.lookup_ident(path_ident(e)?)?.guard
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

/// The head of a type as written, without its path and arguments: `Shared` for
/// `crate::Shared<T>`.
pub(super) fn type_head(ty: &str) -> String {
    let ty = ty.trim_start_matches('&').trim_start();
    let path = ty.split('<').next().unwrap_or(ty);
    path.rsplit("::").next().unwrap_or(path).trim().to_string()
}

/// A type as written without the `Arc`, `Box` or `Rc` around it.
pub(super) fn strip_pointer(ty: &str) -> &str {
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
    variants: &mut HashMap<String, Vec<(String, String)>>,
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
            syn::Item::Enum(e) => {
                for v in &e.variants {
                    let fields = v
                        .fields
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            let name = f
                                .ident
                                .as_ref()
                                .map_or_else(|| i.to_string(), |n| n.to_string());
                            (name, type_text(&f.ty))
                        })
                        .collect();
                    // Likewise for two enums of one name.
                    variants
                        .entry(format!("{}::{}", e.ident, v.ident))
                        .and_modify(|known| known.clear())
                        .or_insert(fields);
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_fields(items, out, variants);
                }
            }
            _ => {}
        }
    }
}

pub(super) fn is_async_path(full: &str) -> bool {
    let first = full.split(':').next().unwrap_or_default();
    ASYNC_CRATES.contains(&first)
}

pub(super) fn expr_mentions_refcell(e: &syn::Expr) -> bool {
    match strip(e) {
        syn::Expr::Call(c) => {
            let is_new = match strip(&c.func) {
                syn::Expr::Path(p) => p.path.segments.iter().any(|s| s.ident == "RefCell"),
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
        .filter_map(|w| w.rsplit(':').next())
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
            if p.path.segments.len() < 2 {
                return String::new();
            }
            let segs = path_segments(&p.path);
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
