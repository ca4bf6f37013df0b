//! Per-function guard-lifetime facts: for every fn, method, closure and async block
//! body, where each guard is acquired (of which lock), where it dies, and what happens
//! while it lives (`.await`s, calls, blocking calls).
//!
//! The walker in [`walk`] produces these facts from a syntax tree once; rules only read
//! them. Lock identities here are syntactic (the receiver as written); resolving them
//! to crate-wide locks is the model's job.

pub mod walk;

use crate::report::finding::Span;

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

/// How a lock hands out its guard, as far as the syntax shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardKind {
    /// `Mutex::lock` / `try_lock` (std, parking_lot, spin...).
    Mutex,
    /// `RwLock::read` and friends.
    Read,
    /// `RwLock::write` and friends.
    Write,
    /// `RefCell::borrow`.
    Borrow,
    /// `RefCell::borrow_mut`.
    BorrowMut,
}

/// The syntactic identity of a lock: the receiver expression of the acquisition,
/// as a path of segments (`self.inner.state` is `["self", "inner", "state"]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockPath {
    /// The receiver as written, without whitespace.
    pub text: String,
    /// The receiver as field/path segments when it is a plain place expression.
    pub segments: Option<Vec<String>>,
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
    /// The statement that drops it at once (`let _ = m.lock();`, `m.lock().unwrap();`).
    pub discarded: Option<Span>,
    /// Taken at the top of a `#[test]` on a static lock and held for the whole test:
    /// the test-serialisation pattern.
    pub serialises_test: bool,
}

/// What happens at an [`Event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// An `.await` (or an awaiting macro such as `select!`).
    Await,
    /// A call. `blocking` holds the blocking-table entry it matched, if any.
    Call {
        /// The callee as written (`std::fs::read`, `.join`), imports resolved.
        callee: String,
        /// `true` for a method call.
        is_method: bool,
        /// Why the call blocks, when it matches the blocking-call table.
        blocking: Option<String>,
    },
    /// A guard is acquired.
    Acquire(GuardId),
}

/// Something that happens in a body, with the guards alive at that moment.
#[derive(Clone, Debug)]
pub struct Event {
    /// What happens.
    pub kind: EventKind,
    /// Where.
    pub span: Span,
    /// Guards alive when it happens (for `Acquire`, not counting the new guard).
    pub live: Vec<GuardId>,
}

/// The facts of one body.
#[derive(Clone, Debug)]
pub struct Body {
    /// What kind of body.
    pub kind: BodyKind,
    /// The function's name, or `<closure>` / `<async block>`.
    pub name: String,
    /// `async fn`, `async` closure or `async` block.
    pub is_async: bool,
    /// A `#[test]`-like function (`#[test]`, `#[tokio::test]`...).
    pub is_test: bool,
    /// Test code: a test function, a body nested in one, or anything inside a
    /// `#[cfg(test)]` module.
    pub in_test: bool,
    /// The `impl` type the method belongs to, as written.
    pub self_ty: Option<String>,
    /// The name or header.
    pub span: Span,
    /// Guards, indexed by [`GuardId`].
    pub guards: Vec<Guard>,
    /// Events in evaluation order.
    pub events: Vec<Event>,
}

impl Body {
    /// Events of the given shape with guard `g` alive.
    pub fn events_while_held(&self, g: GuardId) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.live.contains(&g))
    }
}

/// All bodies of one file.
#[derive(Clone, Debug, Default)]
pub struct FileFlows {
    /// Every body, outer ones before the closures they contain.
    pub bodies: Vec<Body>,
}
