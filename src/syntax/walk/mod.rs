//! The guard-lifetime walker: one pass over every body of a file that records where
//! each guard is acquired, where it dies, and what happens while it lives.
//!
//! Drop scopes follow the Reference ("Destructors", "Temporary scopes"):
//!
//! - a named guard lives to the end of its block, to `drop(g)`, or to a move into a
//!   by-value call; shadowing does not drop it;
//! - a temporary dies at the end of its statement; `let x = &temp` extends it to the
//!   end of the block;
//! - `if` and `while` conditions drop their temporaries before the body runs;
//! - `match` scrutinee temporaries live to the end of the `match`; `if let` /
//!   `while let` scrutinee temporaries live through the body, and before edition 2024
//!   through the `else` block too;
//! - a block's tail-expression temporaries outlive the block before 2024 (they belong
//!   to the enclosing statement) and die with it from 2024;
//! - `for` iterator temporaries live for the whole loop;
//! - a guard a `loop` breaks with (`break m.lock()`, `break slot.expect(..)`) is the
//!   loop's value, which `let` binds; the guards of its other `break`s die with it.
//!
//! Closures and `async` blocks are separate bodies: nothing held in one is held in the
//! other. The walker never resolves locks across files; it records the syntactic
//! lock and the callee of every call, and leaves the rest to the model. The one call
//! it reads through is a call of a function whose body is one acquisition handed
//! back, or a value holding one (`GuardFn`): that call is the acquisition. Those
//! functions are the file's own, and on a second walk of the file the methods of the
//! other files of its crate (`flow::guard_fns`).
//!
//! The walker is one `BodyWalker` per body, its methods cut by concern into the
//! modules below (`docs/architecture.md`, "The walker's modules", says what each
//! holds and may touch). This file holds what they share: the entry point, the name
//! lists, the walker's types, and the creation and end of a body. The state that
//! belongs to one concern is a sub-struct owned by its module: the guard table and
//! the drop scopes (`scopes::Scopes`), the collectors and the tests of the
//! enclosing conditions (`deps::Deps`). Each module imports this one whole
//! (`use super::*`), and this one imports the free helpers of `items`, `recognise`,
//! `returned` and `syntax`, so that every module sees the same names.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

use crate::flow::guard_fns::CrateGuardFns;
use crate::flow::{
    Blocking, Body, BodyKind, BuiltBy, Call, CallArgs, Callee, Event, EventContext, EventKind,
    FileFlows, Guard, GuardId, LockPath,
};
use crate::model::imports::Imports;
use crate::model::known::{is_guard_lock, is_static_name, Known};
use crate::model::{object_trait_of, type_name_of};
use crate::report::finding::{FileId, Span};
use crate::source::SourceFile;
use crate::syntax::items::{compact, type_text};

mod atomics;
mod calls;
mod control;
mod deps;
mod env;
mod expr;
mod items;
mod mac_text;
mod paths;
mod recognise;
mod record;
mod returned;
mod scopes;
mod stmt;
mod syntax;

use self::deps::Deps;
use self::items::*;
use self::recognise::*;
use self::returned::*;
use self::scopes::{Scope, Scopes};
use self::syntax::*;

/// Crates whose types of the same name as std's (`File`, `Receiver`...) are async.
const ASYNC_CRATES: &[&str] = &[
    "tokio",
    "async_std",
    "futures",
    "futures_util",
    "smol",
    "async_lock",
    "async_channel",
    "async_fs",
    "async_net",
];

/// Macros whose arguments are plain comma-separated expressions.
const EXPR_MACROS: &[&str] = &[
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "vec",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "dbg",
    "format_args",
    "panic",
    "todo",
    "unimplemented",
    "unreachable",
    "info",
    "debug",
    "warn",
    "error",
    "trace",
];

/// Macros among [`EXPR_MACROS`] whose arguments are a logging macro's: fields
/// (`name = value`, `?debug`, `%display`), a `target:`, then the format arguments.
const LOG_MACROS: &[&str] = &["info", "debug", "warn", "error", "trace"];

/// Keywords that make macro arguments worth walking: control flow, closures,
/// blocks, awaits and items (see `BodyWalker::inert_tokens`).
const INERT_KEYWORDS_DENY: &[&str] = &[
    "async", "await", "box", "break", "become", "const", "continue", "else", "fn", "for", "if",
    "impl", "let", "loop", "match", "move", "return", "static", "struct", "unsafe", "while",
    "yield",
];

/// Most data-source calls kept per call argument list or variable.
const MAX_CALL_SOURCES: usize = 8;

/// Methods of `FutureExt` (and `IntoFuture`) that wrap a future without running it.
const FUTURE_ADAPTERS: &[&str] = &["fuse", "boxed", "boxed_local", "into_future"];

/// Macros that never return.
const DIVERGING_MACROS: &[&str] = &["panic", "todo", "unimplemented", "unreachable"];

/// Macros that await the futures they are given.
const AWAITING_MACROS: &[&str] = &["select", "select_biased", "join", "try_join", "pending"];

/// Macros whose arguments are futures: awaited (`select!`, `join!`) or pinned to be
/// awaited (`pin_mut!`, `tokio::pin!`, `std::pin::pin!`).
const FUTURE_MACROS: &[&str] = &[
    "select",
    "select_biased",
    "join",
    "try_join",
    "pin_mut",
    "pin",
];

/// Functions that run their closure argument on another thread or outside the async
/// context; the closure is a separate body either way, these only make it explicit.
const DIVERGING_FNS: &[&str] = &["std::process::exit", "process::exit", "std::process::abort"];

/// Walks every body of a parsed file.
///
/// `crate_fns` holds the guard methods of the other files of the crate, when the
/// file is walked again for its calls of them.
pub fn walk_file(
    ast: &syn::File,
    imports: &Imports,
    known: &Known,
    file: &SourceFile,
    id: FileId,
    crate_fns: Option<&CrateGuardFns>,
) -> FileFlows {
    let mut fw = FileWalker {
        file,
        id,
        imports,
        known,
        statics: HashMap::default(),
        str_consts: HashMap::default(),
        fields: HashMap::default(),
        variants: HashMap::default(),
        guard_fns: HashMap::default(),
        nullary_calls: std::cell::RefCell::default(),
        module: Vec::new(),
    };
    collect_statics(&ast.items, &mut fw.statics, &mut fw.str_consts);
    collect_fields(&ast.items, &mut fw.fields, &mut fw.variants);
    fw.guard_fns = collect_guard_fns(&ast.items, &fw);
    let file_module = crate::model::module_of(&file.path, file.krate.as_deref());
    let guard_fns = export_guard_fns(&fw.guard_fns, &file_module);
    if let Some(crate_fns) = crate_fns {
        import_guard_fns(&mut fw.guard_fns, crate_fns, id);
        fw.module = file_module;
    }
    let mut bodies = Vec::new();
    // Cargo's integration tests and benchmarks are test code throughout.
    let in_test_file = file
        .path
        .components()
        .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")));
    let cx = ItemCx {
        in_test: in_test_file,
        ..ItemCx::default()
    };
    fw.items(&ast.items, &cx, &mut bodies);
    let mut nullary_calls: Vec<String> = fw.nullary_calls.take().into_iter().collect();
    nullary_calls.sort_unstable();
    FileFlows {
        bodies,
        guard_fns,
        nullary_calls: nullary_calls.into(),
    }
}

struct FileWalker<'a> {
    /// The file's module in its crate (`["a"]` for `src/a.rs`), set when the file
    /// is walked with the crate's guard functions in view, to match the paths its
    /// calls name them by.
    module: Vec<String>,
    file: &'a SourceFile,
    id: FileId,
    imports: &'a Imports,
    known: &'a Known,
    /// Static items of the file, with their types as written.
    statics: HashMap<String, String>,
    /// String constants of the file (`const NAME: &str = "..";`), by name.
    str_consts: HashMap<String, String>,
    /// The named fields of the file's structs, by struct name: each field's name and
    /// its type as written, so that a receiver `self.tx` has the type its
    /// declaration gives.
    fields: HashMap<String, Vec<(String, String)>>,
    /// The fields of the file's enum variants, by `Enum::Variant`: each field's name
    /// (its position for a tuple variant) and its type as written, so that a name a
    /// pattern binds to a field (`Kind::Multi { state, .. }`) has that field's type.
    variants: HashMap<String, Vec<(String, String)>>,
    /// The functions and methods of the file, by name, with the lock each hands its
    /// caller a guard of when its body is just that acquisition.
    guard_fns: HashMap<String, Vec<FnDecl>>,
    /// The names of the calls with no arguments that no guard function of the file
    /// answered (see [`FileFlows::nullary_calls`]).
    nullary_calls: std::cell::RefCell<rustc_hash::FxHashSet<String>>,
}

/// A function or method the file declares, for the calls of its name.
#[derive(Clone)]
struct FnDecl {
    /// The head of its `impl`'s type (`Shared` for `impl<T> Shared<T>`), or of its
    /// trait for a default method; `None` for a free function.
    owner: Option<String>,
    /// The inline module of the file it is declared in.
    module: Vec<String>,
    /// For a free function of another file of the crate, the module it is declared
    /// in, in full (`["a"]` for `src/a.rs`); a call names it by a path.
    foreign_module: Option<Vec<String>>,
    /// The acquisition its body is, if it is one.
    guard: Option<GuardFn>,
    /// A method whose value is a call of another method of `self` with no arguments
    /// (`WrapperWrapper { w: self.lock_m() }`): that method's name, and whether the
    /// value holds its result inside; resolved into `guard` once the file's
    /// functions are all known.
    via: Option<(String, bool)>,
}

/// A function whose body is one acquisition handed to its caller
/// (`fn state(&self) -> MutexGuard<'_, State> { self.state.lock().unwrap() }`), or a
/// local closure that is one (`let lock = || self.m.lock().unwrap();`): a call of it
/// takes that lock, named in the caller's frame.
#[derive(Clone)]
struct GuardFn {
    /// The lock's place as the callee names it: rooted at `self` for a method
    /// (`self.state`, or `self` for a method of the lock type itself), a static for a
    /// free function, any place of the enclosing body for a closure.
    lock: syn::Expr,
    /// How the caller names that place.
    root: GuardRoot,
    /// The lock method the body calls (`lock`, `read`, `write`, `borrow_mut`...).
    method: String,
    /// The body passes the guard through `unwrap`-like calls.
    wrapped: bool,
    /// The body hands the guard back inside a value that holds it (`MutexWrapper {
    /// mg: self.m.lock().unwrap() }`, `(guard, n)`, `Box::new(guard)`): the caller's
    /// value holds a guard of the lock, as long as it lives.
    in_value: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GuardRoot {
    /// A field of `self`: the caller's receiver replaces `self`.
    SelfField,
    /// `self` itself, in a method of a lock type (`impl HandyRwLock for RwLock<T>`):
    /// the lock is the caller's receiver.
    SelfLock,
    /// A place the caller names the same way: a static, or what a closure of the
    /// same body captures.
    Fixed,
}

/// A function-like body to walk.
struct BodySpec<'s> {
    kind: BodyKind,
    name: String,
    is_async: bool,
    is_unsafe: bool,
    is_test: bool,
    is_serial: bool,
    is_pub: bool,
    is_exported: bool,
    is_pub_restricted: bool,
    cx: ItemCx,
    span: proc_macro2::Span,
    params: Vec<(String, String)>,
    callback_params: Vec<String>,
    callback_sigs: Vec<String>,
    ret_ty: Option<String>,
    self_kind: Option<crate::flow::SelfKind>,
    /// What a closure or async block sees of its parent's variables: their types
    /// and aliases, never their guards.
    captured: Vec<Var>,
    body: BodyRef<'s>,
}

/// Where an item stands: its module within the file, its `impl`, test code or not.
#[derive(Clone, Debug, Default)]
struct ItemCx {
    in_test: bool,
    module: Vec<String>,
    self_ty: Option<String>,
    trait_name: Option<String>,
    /// The traits bounding the type parameters in scope (the `impl`'s or the
    /// trait's, then the function's own), as (parameter, trait) pairs.
    bounds: Vec<(String, String)>,
}

#[derive(Clone, Copy)]
enum BodyRef<'s> {
    Block(&'s syn::Block),
    Expr(&'s syn::Expr),
}

/// What walking an expression tells its parent.
#[derive(Clone, Copy, Default)]
struct Flow {
    /// The guard the expression's value is (or owns).
    value: Option<GuardId>,
    /// The guard the expression's value is a place inside (`g.map`, `*g`, `g[i]`).
    within: Option<GuardId>,
    /// The expression never completes normally (`return`, `panic!`...).
    diverges: bool,
}

impl Flow {
    fn value(g: Option<GuardId>) -> Flow {
        Flow {
            value: g,
            within: None,
            diverges: false,
        }
    }

    fn diverging() -> Flow {
        Flow {
            value: None,
            within: None,
            diverges: true,
        }
    }

    /// A place inside whatever `self` is or is inside of.
    fn place(self) -> Flow {
        Flow {
            value: None,
            within: self.value.or(self.within),
            diverges: self.diverges,
        }
    }
}

/// How a block's tail expression's temporaries are dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// The body of a function or closure: nothing happens after it.
    FnBody,
    /// A block used as an expression.
    Expr,
}

#[derive(Clone, Default)]
struct Var {
    name: String,
    guard: Option<GuardId>,
    /// Known type names (last path segment), one per tuple element for tuples.
    ty: Option<String>,
    is_refcell: bool,
    /// Declared as an async lock (`tokio::sync::Mutex`...), whose guards may cross
    /// `.await`.
    is_async_lock: bool,
    /// The lock type the declared type is or wraps (`Mutex` for `Arc<Mutex<T>>`).
    lock_ty: Option<String>,
    /// The declared type as written (parameter, annotation, struct literal).
    ty_text: Option<String>,
    /// The associated function whose result it holds, when it has no declared
    /// type (`let c = Cache::new();`).
    built: Option<crate::flow::BuiltBy>,
    /// The place this variable aliases (`let m = &self.state;`), as segments.
    alias: Option<Vec<String>>,
    /// A parameter of the body that declared it.
    is_param: bool,
    /// Bound to a closure expression (not `async`, not a one-acquisition
    /// [`lock_fn`](Self::lock_fn)): the closure's body index in the file's bodies,
    /// which a call of the variable runs.
    closure_body: Option<u32>,
    /// Guards the value was computed from (`let found = m.read().contains_key(k);`).
    derived: Vec<GuardId>,
    /// An element taken out of the collection this guard protects (a `for`
    /// variable over `guard.iter()`).
    elem_of: Option<GuardId>,
    /// Holds the `(guard, timeout)` pair of `Condvar::wait_timeout`: `.0` is the guard.
    guard_in_tuple: bool,
    /// Other guards the variable may hold, on paths joined after a branch or loop
    /// (`locked` before a loop that drops and re-locks it).
    also: Vec<GuardId>,
    /// The body that declared it, and where (closures keep their parent's).
    origin: Option<String>,
    /// Calls (event indices) whose results the value was computed from.
    from_calls: Vec<usize>,
    /// A `const` of the body whose value is this string literal.
    str_value: Option<String>,
    /// A mutable reference into this guard's data (`let obj = &mut guard.items[i];`,
    /// `let (k, v) = elem.as_mut();` over the guard's collection, a `ref mut` binding
    /// of `match *guard { .. }`).
    borrows: Option<GuardId>,
    /// A closure whose body is one acquisition (`let lock = || self.m.lock().unwrap();`):
    /// calling the variable takes that lock.
    lock_fn: Option<std::rc::Rc<GuardFn>>,
    /// Bound directly to an atomic `load` (`let v = x.load(Ordering::Acquire);`) and
    /// not assigned since: the load's event and the ordering it names.
    loaded: Option<(usize, crate::flow::AtomicOrdering)>,
}

struct BodyWalker<'w, 'a, 'o> {
    fw: &'w FileWalker<'a>,
    is_async: bool,
    /// The guard table and the drop scopes (`scopes.rs`).
    scopes: Scopes,
    events: Vec<Event>,
    /// Uses of the file's statics and returned values so far, moved into the body
    /// when it is done.
    static_refs: Vec<crate::flow::StaticRef>,
    returns: Vec<crate::flow::Returned>,
    stored_locks: Vec<crate::flow::StoredLock>,
    unsafe_depth: usize,
    /// The enclosing loops of this body, innermost last: `true` for a `for` loop
    /// whose body never leaves it early (no `break`, `return` or `?`).
    loops: Vec<bool>,
    /// This body's name and position, naming the variables it declares.
    origin: String,
    /// The collectors and the tests of the enclosing conditions (`deps.rs`).
    deps: Deps,
    /// The operands of the `let` initializer being walked whose temporaries live to
    /// the end of the block (temporary lifetime extension), by address, and the
    /// guards they turned out to hold.
    extend_at: Vec<*const syn::Expr>,
    extended: Vec<GuardId>,
    /// Where bodies go: this one at `slot`, reserved before the closures and items
    /// nested in it, which follow it.
    out: &'o mut Vec<Body>,
    slot: usize,
    body: Body,
    /// The call (by address) whose result the statement being walked drops at once
    /// (see [`Call::result_dropped`]); null when there is none.
    dropped_call: *const (),
    /// The statement about to be walked is the last of its block (and not its
    /// tail); taken by the statement when it starts.
    last_stmt: bool,
    /// The last call recorded as an event: its address and its index in `events`,
    /// so that an `.await` can name the call it awaits.
    last_call: (*const (), usize),
}

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    /// A walker for one body. The spec's lists move into the body's record; only
    /// the parameters are copied, into the top scope's variables.
    fn new(fw: &'w FileWalker<'a>, spec: BodySpec<'_>, out: &'o mut Vec<Body>) -> Self {
        let mut top = Scope {
            vars: spec.captured,
            ..Scope::default()
        };
        let at = spec.span.start();
        let origin = crate::flow::local_origin(&spec.name, fw.id, at.line, at.column);
        top.vars.reserve(spec.params.len());
        for (name, ty) in &spec.params {
            top.vars.push(Var {
                name: name.clone(),
                guard: None,
                ty: fw.type_name(ty),
                is_refcell: ty.contains("RefCell<"),
                is_async_lock: fw.imports.is_async_lock_type(ty, &fw.known.async_locks),
                lock_ty: lock_type_in(ty),
                ty_text: Some(ty.clone()),
                origin: Some(origin.clone()),
                is_param: true,
                ..Var::default()
            });
        }
        let bw = BodyWalker {
            fw,
            is_async: spec.is_async,
            scopes: Scopes {
                blocks: vec![top],
                ..Scopes::default()
            },
            events: Vec::new(),
            static_refs: Vec::new(),
            returns: Vec::new(),
            stored_locks: Vec::new(),
            unsafe_depth: 0,
            loops: Vec::new(),
            origin,
            deps: Deps::default(),
            extend_at: Vec::new(),
            extended: Vec::new(),
            slot: out.len(),
            dropped_call: std::ptr::null(),
            last_stmt: false,
            last_call: (std::ptr::null(), 0),
            out,
            body: Body {
                kind: spec.kind,
                name: spec.name,
                is_async: spec.is_async,
                is_unsafe: spec.is_unsafe,
                is_test: spec.is_test,
                in_test: spec.cx.in_test,
                self_ty: spec.cx.self_ty,
                trait_name: spec.cx.trait_name,
                module: spec.cx.module.into_boxed_slice(),
                is_pub: spec.is_pub,
                is_exported: spec.is_exported,
                is_pub_restricted: spec.is_pub_restricted,
                params: spec.params.into_boxed_slice(),
                callback_params: spec.callback_params.into_boxed_slice(),
                callback_sigs: spec.callback_sigs.into_boxed_slice(),
                trait_bounds: spec.cx.bounds.into_boxed_slice(),
                dropped_params: Box::default(),
                ret_ty: spec.ret_ty,
                self_kind: spec.self_kind,
                span: fw.span(spec.span),
                guards: Box::default(),
                events: Box::default(),
                static_refs: Box::default(),
                returns: Box::default(),
                is_serial: spec.is_serial,
                stored_locks: Box::default(),
            },
        };
        // The slot is filled by `finish`; until then it holds an empty body, not a
        // copy of this one.
        bw.out.push(Body::placeholder(spec.kind, bw.body.span));
        bw
    }

    fn finish(mut self) {
        self.body.guards = std::mem::take(&mut self.scopes.guards).into();
        self.body.events = std::mem::take(&mut self.events).into();
        self.body.static_refs = std::mem::take(&mut self.static_refs).into();
        self.body.returns = std::mem::take(&mut self.returns).into();
        self.body.stored_locks = std::mem::take(&mut self.stored_locks).into();
        self.out[self.slot] = self.body;
    }
}

impl Flow {
    /// Keeps `self`'s value and adds `other`'s divergence.
    fn or_div(mut self, other: Flow) -> Flow {
        self.diverges |= other.diverges;
        self
    }

    /// The same divergence, with this guard value.
    fn with_value(mut self, g: Option<GuardId>) -> Flow {
        self.value = g;
        self
    }

    /// The same divergence, with no guard value.
    fn no_value(mut self) -> Flow {
        self.value = None;
        self.within = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closure-trait bounds are found in the parameter list, nested in other
    /// bounds, and in the `where` clause; other bounds are passed by.
    #[test]
    fn closure_trait_bounds_are_found() {
        let item: syn::ItemFn = syn::parse_str(
            "fn f<F: Fn(u8) + Send, G: Clone, H: Iterator<Item = Box<dyn FnMut()>>, K>() where K: FnOnce() -> u8, G: Copy {}",
        )
        .expect("invariant: test item parses");
        let found: Vec<String> = fn_bounded_type_params(&item.sig.generics)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(found, ["F", "H", "K"]);
    }

    /// The spans read from outer tokens equal the ones `Spanned` finds by printing.
    #[test]
    fn expression_spans_match_spanned() {
        let exprs = [
            "a",
            "::std::env::var(\"X\").is_ok()",
            "!self.ready.load(Ordering::SeqCst)",
            "map.read().unwrap().contains_key(&k) && *flag || -x > 1",
            "let Some(v) = cache.get(&key)",
            "(a.b.0)[i]?",
            "fut.await",
            "matches!(x, Some(_))",
            "&mut *guard",
            "\"text\"",
            "f::<u8>()",
            "x as u32 == 3",
            "Vec::<u8>::new",
            "{ a }",
            "#[allow(unused)] a",
        ];
        for text in exprs {
            let e: syn::Expr = syn::parse_str(text).expect("invariant: test expression parses");
            assert_eq!(expr_span(&e).byte_range(), e.span().byte_range(), "{text}");
        }
    }
}
