//! Per-function guard-lifetime facts: for every fn, method, closure and async block
//! body, where each guard is acquired (of which lock), where it dies, and what happens
//! while it lives (`.await`s, calls, blocking calls).
//!
//! The walker in [`crate::syntax::walk`] produces these facts from a syntax tree once;
//! rules only read them; this module is plain data and names no syntax type. Lock identities here are syntactic (the receiver as written); resolving them
//! to crate-wide locks is the model's job.

pub mod guard_fns;
pub mod methods;

use crate::report::finding::{FileId, Span};

/// Index of a guard in [`Body::guards`].
pub type GuardId = usize;

/// What kind of body this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// A free function (`fn f()`), at any nesting.
    Fn,
    /// A function inside an `impl` or `trait`.
    Method,
    /// A closure; `async` closures have `is_async` set.
    Closure,
    /// An `async { }` block.
    AsyncBlock,
}

pub use crate::model::known::GuardKind;

/// The syntactic identity of a lock: the receiver expression of the acquisition,
/// as a path of segments (`self.inner.state` is `["self", "inner", "state"]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockPath {
    /// The receiver as written, without whitespace.
    pub text: String,
    /// The receiver as field/path segments when it is a plain place expression,
    /// with `let` aliases of the root variable followed (`let m = &self.state;`
    /// makes `m` the path `self.state`).
    pub segments: Option<Vec<String>>,
    /// The declared type of the root variable (a parameter, an annotated `let`, a
    /// struct literal), as written.
    pub root_ty: Option<String>,
    /// Where the root variable was declared (a body and position), when it is a
    /// local or parameter: a closure's captured variable names its parent's.
    pub root_origin: Option<String>,
    /// The associated function whose result the root variable holds, when it has
    /// no declared type (`let c = Cache::new();`): set on call receivers only.
    pub root_built: Option<Box<BuiltBy>>,
}

/// A local bound to the result of an associated function of a type
/// (`Cache::new()`, `Self::default()`, `Arc::new(Cache::new())`): what the call
/// resolver needs to type it, once it knows what the function returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BuiltBy {
    /// The type the function is called on, as written (last segment: `Cache`, `Self`).
    pub ty: String,
    /// The function (`new`, `default`, `open`).
    pub func: String,
    /// The value was put in an `Arc`, `Rc` or `Box` (`Arc::new(Cache::new())`).
    pub in_pointer: bool,
}

/// A statement that drops the guard it makes at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discarded {
    /// The whole statement, its `;` included.
    pub stmt: Span,
    /// The text of the value the statement drops (`m.lock()` of `let _ = m.lock();`),
    /// when the statement is the file's own text, has no attributes and is the last
    /// of its block: then nothing after it in the block could have been meant to run
    /// under the lock, and `drop(m.lock());` says what the statement does.
    pub last_value: Option<Box<str>>,
}

/// One guard: a value that keeps a lock held (or a `RefCell` borrowed) while it lives.
#[derive(Clone, Debug)]
pub struct Guard {
    /// The lock it belongs to.
    pub lock: LockPath,
    /// The method that produced it (`lock`, `read`, `borrow_mut`...).
    pub method: String,
    /// What kind of guard it is.
    pub kind: GuardKind,
    /// `true` for an async lock's guard (`.lock().await`).
    pub is_async: bool,
    /// `true` for `try_lock` and friends, which never block.
    pub is_try: bool,
    /// `true` when the lock type is confirmed by a declared type in the crate or a
    /// local constructor; `RefCell` borrows count only when confirmed.
    pub confirmed: bool,
    /// The acquisition call (receiver through the method call).
    pub acquired: Span,
    /// The receiver's type name when the body shows it (`Mutex` for a local built
    /// with `Mutex::new`, or a parameter declared `&RwLock<T>`).
    pub receiver_ty: Option<String>,
    /// The acquisition was unwrapped, `?`-ed or awaited: the call's result certainly
    /// held a guard. A bare `x.lock()` may be a raw lock whose `lock()` returns `()`.
    pub wrapped: bool,
    /// The variable it is bound to, if any.
    pub name: Option<String>,
    /// Methods called on the guard while it lives (`contains_key`, `insert`...).
    pub methods: Vec<String>,
    /// The statement that drops it at once (`let _ = m.lock();`, `m.lock().unwrap();`).
    pub discarded: Option<Discarded>,
    /// Taken at the top of a `#[test]` on a static lock and held for the whole test:
    /// the test-serialisation pattern.
    pub serialises_test: bool,
    /// What was read under it is the function's result on some path: a `return`
    /// of a value computed from it (`return v`, `return Ok(v)`, not `return Err(..)`),
    /// as in a read-through cache's `if let Some(v) = m.read().get(k) { return v }`.
    pub returned: bool,
    /// Moved into a struct literal, tuple or tuple-struct/variant constructor
    /// (`CwdGuard { _lock: guard, .. }`, `Some(guard)`): the guard lives as long as the
    /// value that holds it.
    pub in_value: bool,
}

/// What happens at an [`Event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// An `.await` (or an awaiting macro such as `select!`).
    Await {
        /// The call whose result is awaited (an index into [`Body::events`]), when
        /// the awaited expression is a call the body records: `self.helper().await`.
        awaited: Option<usize>,
    },
    /// A call. `blocking` holds the blocking-table entry it matched, if any.
    Call(Box<Call>),
    /// A guard is acquired.
    Acquire(GuardId),
}

/// Who a call calls, as the syntax names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callee {
    /// A method call (`x.load(..)`): the method's name (`load`).
    Method(String),
    /// A call of a path, with imports resolved (`std::fs::read`, `Self::helper`,
    /// `drop`, a local `f`).
    Path(String),
    /// A call of another expression, as written (`(self.on_change)`, `handlers[i]`).
    Expr(String),
}

impl Callee {
    /// The method's name, for a method call.
    pub fn method(&self) -> Option<&str> {
        match self {
            Callee::Method(name) => Some(name),
            _ => None,
        }
    }

    /// The resolved path, for a call of a path.
    pub fn path(&self) -> Option<&str> {
        match self {
            Callee::Path(path) => Some(path),
            _ => None,
        }
    }

    /// The path or the expression's text, for a call that is not a method call.
    pub fn plain(&self) -> Option<&str> {
        match self {
            Callee::Method(_) => None,
            Callee::Path(s) | Callee::Expr(s) => Some(s),
        }
    }

    /// Whether this is a method call.
    pub fn is_method(&self) -> bool {
        matches!(self, Callee::Method(_))
    }

    /// The method's name, the path, or the expression's text: what the callee is
    /// called by, whatever its kind.
    pub fn name(&self) -> &str {
        match self {
            Callee::Method(s) | Callee::Path(s) | Callee::Expr(s) => s,
        }
    }
}

/// The callee as messages show it: `.load` for a method (it follows the receiver's
/// text), the path or the expression's text otherwise.
impl std::fmt::Display for Callee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Callee::Method(name) => write!(f, ".{name}"),
            Callee::Path(s) | Callee::Expr(s) => f.write_str(s),
        }
    }
}

/// A call that blocks the thread, as the blocking-call table (`rules/blocking.toml`
/// and the configuration's additions) names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocking {
    /// The call as the table names it: a function by its full path
    /// (`std::fs::read`), a method by its name (`recv`).
    pub name: String,
    /// What the call does, from the table (`reads a file`); an entry of the
    /// configuration that gives none has the configuration's default.
    pub why: String,
}

impl Blocking {
    /// The name messages show: a function's path cut to its last two segments
    /// (`fs::read`), a method's name as it is.
    pub fn short_name(&self) -> &str {
        match self.name.rmatch_indices("::").nth(1) {
            Some((at, _)) => &self.name[at + 2..],
            None => &self.name,
        }
    }
}

/// A call made in a body.
#[derive(Clone, PartialEq, Eq)]
pub struct Call {
    /// Who is called: a method by name, a path, or another expression.
    pub callee: Callee,
    /// The receiver of a method call, when it is a place (`self.cache`).
    pub receiver: Option<Box<LockPath>>,
    /// The receiver (or, for a plain call, the callee variable) is an element taken
    /// out of the collection this guard protects: `for l in guard.iter() { l.f() }`.
    pub on_elem_of: Option<GuardId>,
    /// The method is called on this guard, or on a place inside its data.
    pub on_guard: Option<GuardId>,
    /// The receiver is the guarded value as a whole (`m.lock().unwrap().recv()`,
    /// `g.recv()`), not a place inside it (`g.rx.recv()`).
    pub on_guard_value: bool,
    /// What the arguments carry (see [`CallArgs`]), when any of it is there: most
    /// calls pass no guard, closure, callback or lock, and keep nothing here.
    pub args: Option<Box<CallArgs>>,
    /// The blocking-call table's entry the call matches, if any.
    pub blocking: Option<Box<Blocking>>,
    /// The first argument, when it is a string literal (`set_var("MODE", ..)`) or a
    /// `const` of the file or body whose value is one.
    pub lit_arg: Option<Box<str>>,
    /// The call's result is dropped at once: the call is the whole of an expression
    /// statement or of a `let _ = ..` initializer (through `?`, `unwrap()`-like
    /// methods and `.await`), so whatever guard it returns dies with the statement.
    pub result_dropped: bool,
}

/// The position in [`CallArgs::closure_args`] of the closure a call calls itself:
/// a local bound to a closure expression and called by name, which runs the
/// closure's body there.
pub const CALLS_CLOSURE: u32 = u32::MAX;

/// What a call's arguments carry that rules read. [`Call`] keeps it boxed and only
/// when some list is not empty; read it through the call's accessors
/// ([`Call::arg_guards`]...), which give an empty list when there is none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallArgs {
    /// Guards passed as arguments.
    pub arg_guards: Box<[GuardId]>,
    /// Earlier calls (indices into [`Body::events`]) whose results flow into the
    /// arguments, directly or through `let` bindings: in `x.store(v + 1)` after
    /// `let v = x.load(..)`, the `load`.
    pub arg_calls: Box<[usize]>,
    /// Arguments that are closures written at the call: (argument position, index of
    /// the closure's body in [`FileFlows::bodies`]). A call of a local bound to a
    /// closure (`let wait = || ..; wait();`) has the closure at [`CALLS_CLOSURE`].
    pub closure_args: Box<[(u32, u32)]>,
    /// Arguments that are a plain name, perhaps borrowed (`f`, `&mut f`): (argument
    /// position, name).
    pub name_args: Box<[(u32, String)]>,
    /// Arguments that name a variable the body shows as a lock (built with
    /// `Mutex::new`, annotated or typed as one), perhaps borrowed (`&lock`): the lock
    /// is handed on, so someone else may take it.
    pub lock_args: Box<[String]>,
    /// Guards whose data an argument borrows through a variable (`f(&mut obj.x)`
    /// after `let obj = &mut guard.items[i];`, a `match *guard` binding, an element
    /// of the guard's collection).
    pub arg_borrows: Box<[GuardId]>,
    /// Arguments that are places a lock may be (`&self.stats`, `m`, `&mut x.inner`,
    /// `Arc::clone(&self.a)`, `self.a.clone()`): (argument position, the place, with
    /// `let` aliases followed; its `text` is left empty). Recorded only for calls an
    /// in-crate function may answer (a method on `self` or on a variable of declared
    /// type, a path outside `std`), and only for places rooted at `self`, a static or
    /// a variable whose type may hold a lock: a callee's lock reached through its
    /// parameter is then this place's lock.
    pub arg_places: Box<[(u32, LockPath)]>,
    /// Guards moved into the call by value (a guard, or a variable holding one, as
    /// an argument of a call that is not a constructor, `drop` or a condvar wait):
    /// (argument position, guard). The guard dies at the call in the caller; a
    /// callee of the crate that does not drop that parameter holds it while it runs.
    pub moved_guards: Box<[(u32, GuardId)]>,
    /// For a `store` whose value is computed from a `load` in one of the shapes a
    /// read-modify-write replaces exactly, that shape (see [`StoreUpdate`]).
    pub store_update: Option<Box<StoreUpdate>>,
}

/// A memory ordering an atomic call's argument names (`Ordering::Acquire`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomicOrdering {
    /// `Relaxed`.
    Relaxed,
    /// `Acquire`.
    Acquire,
    /// `Release`.
    Release,
    /// `AcqRel`.
    AcqRel,
    /// `SeqCst`.
    SeqCst,
}

impl AtomicOrdering {
    /// The variant a name is (`Acquire`), if it is one.
    pub fn from_name(name: &str) -> Option<AtomicOrdering> {
        Some(match name {
            "Relaxed" => AtomicOrdering::Relaxed,
            "Acquire" => AtomicOrdering::Acquire,
            "Release" => AtomicOrdering::Release,
            "AcqRel" => AtomicOrdering::AcqRel,
            "SeqCst" => AtomicOrdering::SeqCst,
            _ => return None,
        })
    }

    /// The variant's name, as code writes it.
    pub fn name(self) -> &'static str {
        match self {
            AtomicOrdering::Relaxed => "Relaxed",
            AtomicOrdering::Acquire => "Acquire",
            AtomicOrdering::Release => "Release",
            AtomicOrdering::AcqRel => "AcqRel",
            AtomicOrdering::SeqCst => "SeqCst",
        }
    }
}

/// The operation a `store`'s value applies to the value a `load` read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOp {
    /// `v + n`, `n + v`, `v.wrapping_add(n)`: `fetch_add(n)`.
    Add,
    /// `v - n`, `v.wrapping_sub(n)`: `fetch_sub(n)`.
    Sub,
    /// `v | n`: `fetch_or(n)`.
    Or,
    /// `v & n`: `fetch_and(n)`.
    And,
    /// `v ^ n`: `fetch_xor(n)`.
    Xor,
    /// `v.max(n)`: `fetch_max(n)`.
    Max,
    /// `v.min(n)`: `fetch_min(n)`.
    Min,
    /// Any other expression of `v` alone, made of operators, literals, places and
    /// side-effect-free methods of integers (`v.saturating_sub(1)`, `v * 2`):
    /// `fetch_update` with a closure that computes it.
    Update,
}

/// How a `store`'s value is made from a `load` of the same place, in a shape a
/// read-modify-write can replace: `x.store(x.load(o) + n, o2)`, or
/// `x.store(v + n, o2)` where `v` was bound by `let v = x.load(o);` and not
/// assigned since. Recorded only where the store is a statement of its own (its
/// `()` is not used) and its text is the file's own (not written by a macro), so
/// that replacing the call's text from the method name to the closing parenthesis
/// (the event's span) is enough.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreUpdate {
    /// The `load` call (an index into [`Body::events`]).
    pub load: usize,
    /// The ordering the load names.
    pub load_ordering: AtomicOrdering,
    /// The ordering the store names.
    pub ordering: AtomicOrdering,
    /// What the store's ordering argument writes before the variant
    /// (`Ordering::`, `atomic::Ordering::`), or nothing when the variant is named
    /// alone (`SeqCst` after `use Ordering::*`).
    pub ordering_path: Box<str>,
    /// The operation.
    pub op: UpdateOp,
    /// The operand's source text (`1`, `n`, `self.step`); for
    /// [`UpdateOp::Update`], the new value's source text with the loaded value
    /// written as `current`.
    pub operand: Box<str>,
}

impl CallArgs {
    /// The facts boxed for a [`Call`], or `None` when every list is empty.
    pub fn boxed(self) -> Option<Box<CallArgs>> {
        let empty = self.arg_guards.is_empty()
            && self.arg_calls.is_empty()
            && self.closure_args.is_empty()
            && self.name_args.is_empty()
            && self.lock_args.is_empty()
            && self.arg_borrows.is_empty()
            && self.arg_places.is_empty()
            && self.store_update.is_none()
            && self.moved_guards.is_empty();
        (!empty).then(|| Box::new(self))
    }
}

impl Call {
    /// Guards passed as arguments ([`CallArgs::arg_guards`]).
    pub fn arg_guards(&self) -> &[GuardId] {
        self.args.as_ref().map_or(&[], |a| &a.arg_guards)
    }

    /// Earlier calls whose results flow into the arguments ([`CallArgs::arg_calls`]).
    pub fn arg_calls(&self) -> &[usize] {
        self.args.as_ref().map_or(&[], |a| &a.arg_calls)
    }

    /// Closures written as arguments ([`CallArgs::closure_args`]).
    pub fn closure_args(&self) -> &[(u32, u32)] {
        self.args.as_ref().map_or(&[], |a| &a.closure_args)
    }

    /// Arguments that are a plain name ([`CallArgs::name_args`]).
    pub fn name_args(&self) -> &[(u32, String)] {
        self.args.as_ref().map_or(&[], |a| &a.name_args)
    }

    /// Arguments that name a lock variable ([`CallArgs::lock_args`]).
    pub fn lock_args(&self) -> &[String] {
        self.args.as_ref().map_or(&[], |a| &a.lock_args)
    }

    /// Guards whose data an argument borrows ([`CallArgs::arg_borrows`]).
    pub fn arg_borrows(&self) -> &[GuardId] {
        self.args.as_ref().map_or(&[], |a| &a.arg_borrows)
    }

    /// Arguments that are places a lock may be ([`CallArgs::arg_places`]).
    pub fn arg_places(&self) -> &[(u32, LockPath)] {
        self.args.as_ref().map_or(&[], |a| &a.arg_places)
    }

    /// The read-modify-write shape of a `store`'s value ([`CallArgs::store_update`]).
    pub fn store_update(&self) -> Option<&StoreUpdate> {
        self.args.as_ref().and_then(|a| a.store_update.as_deref())
    }

    /// Guards moved into the call by value ([`CallArgs::moved_guards`]).
    pub fn moved_guards(&self) -> &[(u32, GuardId)] {
        self.args.as_ref().map_or(&[], |a| &a.moved_guards)
    }
}

/// The argument facts print as fields of the call, empty lists included, whether
/// or not the call keeps a [`CallArgs`]: the dump shows facts, not their storage.
/// The call is taken apart whole, so that a new field cannot be left out.
impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Call {
            callee,
            receiver,
            on_elem_of,
            on_guard,
            on_guard_value,
            args: _,
            blocking,
            lit_arg,
            result_dropped,
        } = self;
        let mut d = f.debug_struct("Call");
        d.field("callee", callee)
            .field("receiver", receiver)
            .field("on_elem_of", on_elem_of)
            .field("on_guard", on_guard)
            .field("on_guard_value", on_guard_value)
            .field("arg_guards", &self.arg_guards())
            .field("arg_calls", &self.arg_calls())
            .field("blocking", blocking)
            .field("lit_arg", lit_arg)
            .field("closure_args", &self.closure_args())
            .field("name_args", &self.name_args())
            .field("lock_args", &self.lock_args())
            .field("arg_borrows", &self.arg_borrows())
            .field("result_dropped", result_dropped)
            .field("arg_places", &self.arg_places())
            .field("moved_guards", &self.moved_guards());
        // Printed only where there is one, so that the dump of the other calls reads
        // as it did before stores had a shape.
        if let Some(update) = self.store_update() {
            d.field("store_update", update);
        }
        d.finish()
    }
}

/// Something that happens in a body, with the guards alive at that moment.
#[derive(Clone)]
pub struct Event {
    /// What happens.
    pub kind: EventKind,
    /// Where.
    pub span: Span,
    /// The guards alive and the conditions it runs under (see [`EventContext`]),
    /// when any: most events happen with no guard alive, under no tested guard or
    /// atomic write.
    pub context: Option<Box<EventContext>>,
    /// Inside a `loop`, `while` or `for` of this body.
    pub in_loop: bool,
    /// The innermost loop around it is a `for` loop whose body never leaves it
    /// early (no `break`, `return` or `?`): it runs its count of iterations whatever
    /// the event's result was (`for _ in 0..n { g = cv.wait_timeout(g, d).unwrap().0 }`).
    pub in_fixed_for: bool,
    /// The condition of the innermost `if` (or `match` scrutinee) the event is in,
    /// within the innermost loop.
    pub under_if: Option<Span>,
}

/// The context prints as fields of the event, empty lists included, whether or not
/// the event keeps an [`EventContext`]. The event is taken apart whole, so that a
/// new field cannot be left out.
impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Event {
            kind,
            span,
            context: _,
            in_loop,
            in_fixed_for,
            under_if,
        } = self;
        f.debug_struct("Event")
            .field("kind", kind)
            .field("span", span)
            .field("live", &self.live())
            .field("deps", &self.deps())
            .field("tested_writes", &self.tested_writes())
            .field("in_loop", in_loop)
            .field("in_fixed_for", in_fixed_for)
            .field("under_if", under_if)
            .finish()
    }
}

/// The guards around an [`Event`] and the tests it depends on. [`Event`] keeps it
/// boxed and only when some list is not empty; read it through the event's
/// accessors ([`Event::live`]...), which give an empty list when there is none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventContext {
    /// Guards alive when it happens (for `Acquire`, not counting the new guard).
    pub live: Box<[GuardId]>,
    /// Guards whose values an enclosing condition tested: the event runs only
    /// because of what was read under them (`if !m.read().contains_key(k) { .. }`,
    /// or after `if m.read().contains_key(k) { return; }`).
    pub deps: Box<[GuardId]>,
    /// Atomic writes (indices into [`Body::events`]: a `compare_exchange`, `swap`,
    /// `fetch_*`) whose results an enclosing condition tested: the event runs only
    /// in the success arm of `match x.compare_exchange(..)`, under
    /// `if x.compare_exchange(..).is_ok()`, after `if ...is_err() { return; }` or
    /// after `while ...is_err() { .. }`.
    pub tested_writes: Box<[usize]>,
}

impl EventContext {
    /// The context boxed for an [`Event`], or `None` when every list is empty.
    pub fn boxed(self) -> Option<Box<EventContext>> {
        let empty = self.live.is_empty() && self.deps.is_empty() && self.tested_writes.is_empty();
        (!empty).then(|| Box::new(self))
    }
}

impl Event {
    /// Guards alive when it happens ([`EventContext::live`]).
    pub fn live(&self) -> &[GuardId] {
        self.context.as_ref().map_or(&[], |c| &c.live)
    }

    /// Guards whose values an enclosing condition tested ([`EventContext::deps`]).
    pub fn deps(&self) -> &[GuardId] {
        self.context.as_ref().map_or(&[], |c| &c.deps)
    }

    /// Atomic writes whose results an enclosing condition tested
    /// ([`EventContext::tested_writes`]).
    pub fn tested_writes(&self) -> &[usize] {
        self.context.as_ref().map_or(&[], |c| &c.tested_writes)
    }

    /// Forgets that guard `g` was alive at the event: it turned out to hold no lock.
    pub fn forget_live(&mut self, g: GuardId) {
        let Some(c) = self.context.take() else {
            return;
        };
        let mut c = *c;
        if c.live.contains(&g) {
            c.live = c.live.iter().copied().filter(|&x| x != g).collect();
        }
        self.context = c.boxed();
    }

    /// The call, if this is one.
    pub fn call(&self) -> Option<&Call> {
        match &self.kind {
            EventKind::Call(c) => Some(c),
            _ => None,
        }
    }
}

/// How a method takes `self`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfKind {
    /// `&self`: shared with other threads, possibly.
    Ref,
    /// `&mut self`: exclusive access.
    RefMut,
    /// `self`, `mut self`, or `self: Type`.
    Value,
}

/// A use of a `static` item of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticRef {
    /// The static's name.
    pub name: String,
    /// Where.
    pub span: Span,
    /// Assigned to, compound-assigned, or borrowed `&mut`.
    pub write: bool,
}

/// A value a function returns: its tail expression or a `return`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returned {
    /// The returned expression.
    pub span: Span,
    /// The value is this guard.
    pub guard: Option<GuardId>,
    /// The value holds this guard: a struct, tuple or variant the guard was moved
    /// into (`CwdGuard { _lock: guard, old }`, `Ok((guard, v))`).
    pub holds: Option<GuardId>,
    /// The value is a reference into this guard's data.
    pub within: Option<GuardId>,
    /// The value is a place, a reference to one, or its clone (`self.state`,
    /// `&self.state`, `self.state.clone()`, `Arc::clone(&self.state)`).
    pub place: Option<LockPath>,
    /// The value is a clone (`.clone()`, `Arc::clone`) of the place.
    pub is_clone: bool,
    /// The value is a reference (`&x`) to the place.
    pub is_ref: bool,
}

/// The facts of one body.
#[derive(Clone, Debug)]
pub struct Body {
    /// What kind of body.
    pub kind: BodyKind,
    /// The function's name; a closure or async block is named after its parent
    /// (`refresh::{closure}`).
    pub name: String,
    /// `async fn`, `async` closure or `async` block.
    pub is_async: bool,
    /// An `unsafe fn`: its caller upholds a contract the body relies on.
    pub is_unsafe: bool,
    /// A `#[test]`-like function (`#[test]`, `#[tokio::test]`...).
    pub is_test: bool,
    /// Test code: a test function, a body nested in one, or anything inside a
    /// `#[cfg(test)]` module.
    pub in_test: bool,
    /// The `impl` type the method belongs to, as written.
    pub self_ty: Option<String>,
    /// The trait of the `impl` the method is in, if any.
    pub trait_name: Option<String>,
    /// Inline `mod` blocks enclosing the body within its file.
    pub module: Box<[String]>,
    /// `pub` (any `pub(..)` counts).
    pub is_pub: bool,
    /// Visible outside the crate as written: plain `pub`, not `pub(crate)`,
    /// `pub(super)` or `pub(in ..)`. A trait impl's methods have no visibility of
    /// their own (the trait fixes their signatures) and are not exported here.
    pub is_exported: bool,
    /// Declared `pub(crate)`, `pub(super)` or `pub(in ..)`: visible inside the crate
    /// only.
    pub is_pub_restricted: bool,
    /// Parameters other than `self`: name and type as written.
    pub params: Box<[(String, String)]>,
    /// Parameters that hold user code: typed `Fn`/`FnMut`/`FnOnce`, `impl Fn..`,
    /// `dyn Fn..`, or a type parameter bounded by one of those.
    pub callback_params: Box<[String]>,
    /// The `Fn..` type or bound of each callback parameter, compacted
    /// (`FnOnce()->T`), in the order of [`callback_params`](Self::callback_params).
    pub callback_sigs: Box<[String]>,
    /// The traits bounding the type parameters the body sees (its `impl`'s or
    /// trait's, then its own; `Self` in a trait's default body is bounded by the
    /// trait), as (parameter, trait) pairs: `fn f<T: Store>(s: &T)` has `(T, Store)`.
    pub trait_bounds: Box<[(String, String)]>,
    /// The parameters (by position among those other than `self`) the body hands
    /// to `drop`: a guard moved into it through one is not held to the body's end.
    pub dropped_params: Box<[u32]>,
    /// The return type as written, if any.
    pub ret_ty: Option<String>,
    /// How a method takes `self`; `None` for functions without a `self` parameter.
    pub self_kind: Option<SelfKind>,
    /// The name or header.
    pub span: Span,
    /// Guards, indexed by [`GuardId`].
    pub guards: Box<[Guard]>,
    /// Events in evaluation order.
    pub events: Box<[Event]>,
    /// Uses of the file's statics.
    pub static_refs: Box<[StaticRef]>,
    /// What a function returns (not recorded for closures and async blocks).
    pub returns: Box<[Returned]>,
    /// Marked `#[serial]` (serial_test) or `#[file_serial]`.
    pub is_serial: bool,
    /// Local locks this body moves into a field of a struct literal
    /// (`Inner { paused, .. }` with `let paused = Arc::new(Mutex::new(..))`).
    pub stored_locks: Box<[StoredLock]>,
}

/// A local lock moved into a named field of a struct literal: from then on the lock
/// is that field of the value built, and the clones the body's closures captured
/// before are the same lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLock {
    /// Where the local was declared ([`local_origin`]).
    pub origin: String,
    /// The local's name.
    pub name: String,
    /// The struct's type (`Self` resolved to the `impl` type), last segment.
    pub owner: String,
    /// The field it is moved into.
    pub field: String,
}

impl Body {
    /// A body with nothing in it, which allocates nothing: the place a walk keeps
    /// for a body until its facts are done.
    pub fn placeholder(kind: BodyKind, span: Span) -> Body {
        Body {
            kind,
            name: String::new(),
            is_async: false,
            is_unsafe: false,
            is_test: false,
            in_test: false,
            self_ty: None,
            trait_name: None,
            module: Box::default(),
            is_pub: false,
            is_exported: false,
            is_pub_restricted: false,
            params: Box::default(),
            callback_params: Box::default(),
            callback_sigs: Box::default(),
            trait_bounds: Box::default(),
            dropped_params: Box::default(),
            ret_ty: None,
            self_kind: None,
            span,
            guards: Box::default(),
            events: Box::default(),
            static_refs: Box::default(),
            returns: Box::default(),
            is_serial: false,
            stored_locks: Box::default(),
        }
    }

    /// Events of the given shape with guard `g` alive.
    pub fn events_while_held(&self, g: GuardId) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.live().contains(&g))
    }

    /// Whether a variable of this origin was declared in this body (a parameter or
    /// a local of its own), not captured from an enclosing one: nested closures share
    /// their parent's name, and only the start of the body tells them apart.
    pub fn declared_here(&self, origin: &str) -> bool {
        let column = self.span.column.saturating_sub(1) as usize;
        origin == local_origin(&self.name, self.span.file, self.span.line as usize, column)
    }
}

/// The origin the walker gives the variables a body declares: the body's name, its
/// file and where it starts (line, 0-based column), as `name#file@line:column`.
pub fn local_origin(name: &str, file: FileId, line: usize, column: usize) -> String {
    format!("{name}#{}@{line}:{column}", file.0)
}

/// All bodies of one file.
#[derive(Clone, Debug, Default)]
pub struct FileFlows {
    /// Every body, outer ones before the closures they contain.
    pub bodies: Vec<Body>,
    /// The file's methods that hand their caller a guard of a lock of `self`, for
    /// the calls of other files of the crate ([`guard_fns`]).
    pub guard_fns: Box<[guard_fns::GuardFnFact]>,
    /// The names, sorted, of the calls with no arguments that no guard function of
    /// the file answered, method calls on a place (`self.state()`, `reg.inner()`)
    /// and calls through a path (`crate::a::state()`, the path's last name): the
    /// calls a guard function of another file of the crate could answer.
    pub nullary_calls: Box<[String]>,
}

impl Body {
    /// Gives back the room the guards' method lists grew into while the body was
    /// walked; the body's own lists are exact already.
    fn shrink_to_fit(&mut self) {
        for g in &mut self.guards {
            g.methods.shrink_to_fit();
        }
    }
}

impl FileFlows {
    /// Shrinks every vector of the file's facts to its length, once the walk is
    /// done: the facts are kept for the whole run, the walk's growth room is not.
    pub fn shrink_to_fit(&mut self) {
        self.bodies.shrink_to_fit();
        for b in &mut self.bodies {
            b.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_short_name_keeps_the_last_two_segments() {
        let b = |name: &str| Blocking {
            name: name.to_string(),
            why: String::new(),
        };
        assert_eq!(
            b("std::fs::read_to_string").short_name(),
            "fs::read_to_string"
        );
        assert_eq!(b("a::b::c::d").short_name(), "c::d");
        assert_eq!(b("thread::sleep").short_name(), "thread::sleep");
        assert_eq!(b("recv").short_name(), "recv");
    }

    #[test]
    fn callee_prints_as_the_text_it_replaced() {
        assert_eq!(Callee::Method("load".into()).to_string(), ".load");
        assert_eq!(
            Callee::Path("std::fs::read".into()).to_string(),
            "std::fs::read"
        );
        assert_eq!(Callee::Expr("(self.f)".into()).to_string(), "(self.f)");
        assert_eq!(Callee::Method("load".into()).name(), "load");
        assert_eq!(Callee::Expr("(self.f)".into()).plain(), Some("(self.f)"));
        assert_eq!(Callee::Method("load".into()).plain(), None);
    }
}
