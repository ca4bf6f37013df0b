//! Helpers shared by several rules: which guards count, label wording, and small
//! string utilities.
//!
//! Nothing here looks at syntax; it works on flows, the model and findings.

use crate::flow::{Blocking, Body, Guard, GuardKind};
use crate::graph::{Hop, LockId};
use crate::model::known;
use crate::model::Model;
use crate::report::finding::{Label, Span};

/// Whether two resolved locks are the same lock: same class, same known object.
pub fn same_lock(a: &LockId, b: &LockId) -> bool {
    a.krate == b.krate && a.class == b.class && a.obj.is_some() && a.obj == b.obj
}

/// Whether a guard is a `RefCell` borrow rather than a lock guard.
pub fn is_borrow(kind: GuardKind) -> bool {
    kind.is_borrow()
}

/// A blocking call as messages name it: "`fs::read` reads a file".
pub fn blocking_text(b: &Blocking) -> String {
    format!("`{}` {}", b.short_name(), b.why)
}

/// Labels for each call on a chain: "calls `helper`".
pub fn hop_labels(chain: &[Hop]) -> Vec<Label> {
    chain
        .iter()
        .map(|h| label(h.site, format!("calls `{}`", h.callee)))
        .collect()
}

/// A chain as text for messages: "through `a` → `b`".
pub fn chain_text(chain: &[Hop]) -> String {
    if chain.is_empty() {
        return String::new();
    }
    let names: Vec<String> = chain.iter().map(|h| format!("`{}`", h.callee)).collect();
    format!(" through {}", names.join(" → "))
}

/// Whether a guard really is a lock guard or a `RefCell` borrow: `borrow()` counts only
/// when the receiver is known to be a `RefCell`, from the body or the crate's fields.
pub fn is_real_guard(guard: &Guard, model: &Model) -> bool {
    if guard.confirmed {
        return true;
    }
    match guard.kind {
        GuardKind::Borrow | GuardKind::BorrowMut => guard
            .lock
            .segments
            .as_ref()
            .filter(|s| s.len() >= 2)
            .and_then(|s| s.last())
            .is_some_and(|field| model.is_refcell_field(field)),
        _ => true,
    }
}

/// Whether a guard is held across `.await` and blocking calls in a way the
/// lock-across rules report: a real guard that is not the test-serialisation
/// pattern. `try_lock` guards hold the lock once taken, so they count too.
pub fn is_held_guard(guard: &Guard, model: &Model) -> bool {
    is_real_guard(guard, model) && !guard.serialises_test
}

/// Whether a guard belongs to an async lock: acquired with `.await`, on a local
/// declared with an async lock type, or on a field declared with one in the crate.
pub fn is_async_guard(guard: &Guard, model: &Model) -> bool {
    guard.is_async
        || guard
            .lock
            .segments
            .as_ref()
            .filter(|s| s.len() >= 2)
            .and_then(|s| s.last())
            .is_some_and(|field| model.is_async_lock_field(field))
}

/// Whether the lock's type is known to hand out guards: the local or parameter type
/// the body shows, or the declared type of the field it ends in.
pub fn has_guard_lock_type(guard: &Guard, model: &Model) -> bool {
    if let Some(ty) = &guard.receiver_ty {
        return known::is_guard_lock(ty);
    }
    let Some(field) = guard
        .lock
        .segments
        .as_ref()
        .filter(|s| s.len() >= 2)
        .and_then(|s| s.last())
    else {
        return false;
    };
    let mut tys = model.field_types(field).peekable();
    tys.peek().is_some()
        && tys.all(|t| {
            !t.contains("Raw") && known::guard_lock_types().any(|l| t.contains(&format!("{l}<")))
        })
}

/// What a guard is, for messages: "`MutexGuard`", "`RwLockReadGuard`", "`RefCell` borrow".
pub fn guard_noun(guard: &Guard) -> &'static str {
    match guard.kind {
        GuardKind::Mutex => "`MutexGuard`",
        GuardKind::Read => "`RwLockReadGuard`",
        GuardKind::Write => "`RwLockWriteGuard`",
        GuardKind::Borrow => "`RefCell` borrow",
        GuardKind::BorrowMut => "`RefCell` mutable borrow",
    }
}

/// The label on an acquisition.
pub fn acquired_label(body: &Body, guard: &Guard) -> Label {
    let _ = body;
    let what = match guard.kind {
        GuardKind::Borrow | GuardKind::BorrowMut => "borrowed here",
        _ => "lock acquired here",
    };
    let message = match &guard.name {
        Some(name) => format!("`{}` {what} as `{name}`", guard.lock.text),
        None => format!("`{}` {what}", guard.lock.text),
    };
    label(guard.acquired, message)
}

/// A label.
pub fn label(span: Span, message: impl Into<String>) -> Label {
    Label {
        span,
        message: message.into(),
    }
}

// ---- Shared-state helpers: type texts, statics, process-global calls -------------

/// A type as the model keeps it (compact token text) read into a tree, so that a
/// rule can ask what wraps what: `Arc<Mutex<HashMap<K,V>>>` is `Arc` around `Mutex`
/// around `HashMap`. This reads the model's text, not syntax; anything it does not
/// understand becomes a leaf whose head is `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeTree {
    /// The last path segment (`HashMap`), or the shape: `&`, `&mut`, `*const`,
    /// `*mut`, `[]` (slice), `[;]` (array), `()` (tuple), `dyn`, `impl`, `fn`, `?`.
    pub head: String,
    /// Type arguments in order; lifetimes and const arguments are left out.
    pub args: Vec<TypeTree>,
}

impl TypeTree {
    /// Reads a type text. Never fails: what it cannot read is a `?` leaf.
    pub fn parse(text: &str) -> TypeTree {
        let chars: Vec<char> = text.chars().collect();
        let mut r = TypeReader { s: &chars, i: 0 };
        r.ty()
    }

    /// The type inside wrappers named in `wrappers` (`Arc`, `Box`, `Option`...).
    pub fn strip(&self, wrappers: &[&str]) -> &TypeTree {
        let mut t = self;
        while wrappers.contains(&t.head.as_str()) {
            match t.args.first() {
                Some(inner) => t = inner,
                None => break,
            }
        }
        t
    }

    /// Every node of the tree, outer ones first, not descending into nodes for which
    /// `skip` holds (the skipped node itself is not visited either).
    pub fn nodes<'t>(&'t self, skip: &dyn Fn(&TypeTree) -> bool, out: &mut Vec<&'t TypeTree>) {
        if skip(self) {
            return;
        }
        out.push(self);
        for a in &self.args {
            a.nodes(skip, out);
        }
    }

    /// Whether any node outside `skip`ped subtrees satisfies `pred`.
    pub fn any(&self, skip: &dyn Fn(&TypeTree) -> bool, pred: &dyn Fn(&TypeTree) -> bool) -> bool {
        !skip(self) && (pred(self) || self.args.iter().any(|a| a.any(skip, pred)))
    }

    /// Whether any node outside `skip`ped subtrees has this head.
    pub fn mentions(&self, head: &str, skip: &dyn Fn(&TypeTree) -> bool) -> bool {
        let mut all = Vec::new();
        self.nodes(skip, &mut all);
        all.iter().any(|n| n.head == head)
    }
}

struct TypeReader<'a> {
    s: &'a [char],
    i: usize,
}

impl TypeReader<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn is_word(c: char) -> bool {
        c.is_alphanumeric() || c == '_'
    }

    fn word(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(Self::is_word) {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect()
    }

    /// Whether the text at the cursor is the keyword `kw` (followed by a non-word).
    fn at_keyword(&self, kw: &str) -> bool {
        let n = kw.chars().count();
        self.s.len() >= self.i + n
            && self.s[self.i..self.i + n].iter().copied().eq(kw.chars())
            && !self.s.get(self.i + n).copied().is_some_and(Self::is_word)
    }

    /// Skips to the end of a bracketed group opened at the cursor.
    fn skip_group(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '<' | '(' | '[' | '{' => depth += 1,
                '>' | ')' | ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// Skips bounds or a fn signature up to a `,` `>` `)` `]` `;` `=` at depth 0
    /// (`->` does not end it).
    fn skip_bounds(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                '-' if self.s.get(self.i + 1) == Some(&'>') => {
                    self.i += 2;
                    continue;
                }
                '<' | '(' | '[' | '{' => depth += 1,
                '>' | ')' | ']' | '}' if depth > 0 => depth -= 1,
                ',' | '>' | ')' | ']' | '}' | ';' | '=' if depth == 0 => return,
                _ => {}
            }
            self.i += 1;
        }
    }

    fn leaf(head: &str) -> TypeTree {
        TypeTree {
            head: head.to_string(),
            args: Vec::new(),
        }
    }

    fn ty(&mut self) -> TypeTree {
        self.ws();
        let Some(c) = self.peek() else {
            return Self::leaf("?");
        };
        match c {
            '&' => {
                self.i += 1;
                self.ws();
                if self.peek() == Some('\'') {
                    self.i += 1;
                    self.word();
                    self.ws();
                }
                let head = if self.at_keyword("mut") {
                    self.i += 3;
                    "&mut"
                } else {
                    "&"
                };
                let inner = self.ty();
                TypeTree {
                    head: head.into(),
                    args: vec![inner],
                }
            }
            '*' => {
                self.i += 1;
                self.ws();
                let head = if self.at_keyword("mut") {
                    self.i += 3;
                    "*mut"
                } else {
                    if self.at_keyword("const") {
                        self.i += 5;
                    }
                    "*const"
                };
                let inner = self.ty();
                TypeTree {
                    head: head.into(),
                    args: vec![inner],
                }
            }
            '[' => {
                self.i += 1;
                let inner = self.ty();
                self.ws();
                let head = if self.peek() == Some(';') {
                    // `[T; N]`: skip the length up to the closing bracket.
                    let mut depth = 0usize;
                    while let Some(c) = self.peek() {
                        self.i += 1;
                        match c {
                            '[' | '(' | '{' | '<' => depth += 1,
                            ']' if depth == 0 => break,
                            ']' | ')' | '}' | '>' => depth = depth.saturating_sub(1),
                            _ => {}
                        }
                    }
                    "[;]"
                } else {
                    if self.peek() == Some(']') {
                        self.i += 1;
                    }
                    "[]"
                };
                TypeTree {
                    head: head.into(),
                    args: vec![inner],
                }
            }
            '(' => {
                self.i += 1;
                let mut args = Vec::new();
                let mut comma = false;
                loop {
                    self.ws();
                    match self.peek() {
                        None => break,
                        Some(')') => {
                            self.i += 1;
                            break;
                        }
                        Some(',') => {
                            comma = true;
                            self.i += 1;
                        }
                        Some(_) => {
                            let at = self.i;
                            args.push(self.ty());
                            if self.i == at {
                                self.i += 1;
                            }
                        }
                    }
                }
                if args.len() == 1 && !comma {
                    return args.pop().unwrap_or_else(|| Self::leaf("?"));
                }
                TypeTree {
                    head: "()".into(),
                    args,
                }
            }
            '\'' => {
                self.i += 1;
                self.word();
                Self::leaf("'")
            }
            '<' => {
                // `<T as Trait>::Assoc`: an associated type; only its name is kept.
                self.skip_group();
                let mut head = "?".to_string();
                while self.peek() == Some(':') && self.s.get(self.i + 1) == Some(&':') {
                    self.i += 2;
                    head = self.word();
                }
                Self::leaf(&head)
            }
            c if Self::is_word(c) && !c.is_ascii_digit() => self.path(),
            ':' => self.path(),
            _ => {
                // A literal or block: a const argument.
                if matches!(c, '{') {
                    self.skip_group();
                } else {
                    self.skip_bounds();
                }
                Self::leaf("const")
            }
        }
    }

    fn path(&mut self) -> TypeTree {
        for kw in ["dyn", "impl"] {
            if self.at_keyword(kw) {
                self.skip_bounds();
                return Self::leaf(kw);
            }
        }
        if self.at_keyword("fn") || self.at_keyword("unsafe") || self.at_keyword("extern") {
            self.skip_bounds();
            return Self::leaf("fn");
        }
        let mut head = String::new();
        let mut args = Vec::new();
        loop {
            if self.peek() == Some(':') && self.s.get(self.i + 1) == Some(&':') {
                self.i += 2;
            }
            let w = self.word();
            if w.is_empty() {
                break;
            }
            head = w;
            args.clear();
            self.ws();
            if self.peek() == Some('<') {
                self.i += 1;
                loop {
                    self.ws();
                    match self.peek() {
                        None => break,
                        Some('>') => {
                            self.i += 1;
                            break;
                        }
                        Some(',') => self.i += 1,
                        Some('=') => {
                            // `Item=T`: the binding's type stands in for the name.
                            self.i += 1;
                            args.pop();
                            let at = self.i;
                            args.push(self.ty());
                            if self.i == at {
                                self.i += 1;
                            }
                        }
                        Some(':') if self.s.get(self.i + 1) != Some(&':') => {
                            // `Item: Bound`: an associated bound.
                            self.i += 1;
                            args.pop();
                            self.skip_bounds();
                        }
                        Some(_) => {
                            let at = self.i;
                            let t = self.ty();
                            if !matches!(t.head.as_str(), "'" | "const") {
                                args.push(t);
                            }
                            if self.i == at {
                                self.i += 1;
                            }
                        }
                    }
                }
            } else if self.peek() == Some('(') {
                // `Fn(A)->B` in old-style trait-object position.
                self.skip_bounds();
            }
            if !(self.peek() == Some(':') && self.s.get(self.i + 1) == Some(&':')) {
                break;
            }
        }
        if head.is_empty() {
            self.i += 1;
            return Self::leaf("?");
        }
        TypeTree { head, args }
    }
}

/// Whether a type head is a lock around data (std, parking_lot, tokio, spin and
/// friends all use these names): the data role of [`known::LOCK_TYPES`].
pub fn is_lock_head(head: &str) -> bool {
    known::is_data_lock(head)
}

/// Whether a type head is an atomic (`AtomicUsize`, `AtomicPtr`, crossbeam's
/// `AtomicCell`, loom's and portable-atomic's types).
pub fn is_atomic_head(head: &str) -> bool {
    head.starts_with("Atomic")
}

/// What a call does to process-global state, when it is one of `std::env`'s
/// mutators: `set_var`, `remove_var`, `set_current_dir` called as functions.
/// `Command::env` and `Command::current_dir` are method calls that change only the
/// child process, and never match.
pub fn env_mutation(call: &crate::flow::Call) -> Option<&'static str> {
    let path = call.callee.plain()?.trim_start_matches("::");
    let (module, name) = path.rsplit_once("::")?;
    if !(module == "env" || module.ends_with("std::env") || module.ends_with("core::env")) {
        return None;
    }
    match name {
        "set_var" => Some("sets an environment variable"),
        "remove_var" => Some("removes an environment variable"),
        "set_current_dir" => Some("changes the current directory"),
        _ => None,
    }
}

/// The static a place names (`COUNTER`, `crate::stats::COUNTER`), with its declared
/// type, when the crate declares one of that name.
pub fn static_of<'m>(
    model: &'m Model,
    krate: crate::model::CrateId,
    segments: &[String],
) -> Option<(&'m str, &'m str)> {
    let (last, quals) = segments.split_last()?;
    if !quals
        .iter()
        .all(|s| s.starts_with(|c: char| c.is_lowercase()) && s != "self")
    {
        return None;
    }
    let (key, decls) = model.statics.get_key_value(&(krate, last.clone()))?;
    let ty = decls.first()?.1.as_str();
    Some((key.1.as_str(), ty))
}

/// The declared type of a place as the crate shows it: a parameter or annotated
/// local (`root_ty`), a static, or a field reached from `self` (in an `impl` of
/// `self_ty`) or from a typed local, following field types along the path.
pub fn place_type(
    model: &Model,
    krate: crate::model::CrateId,
    self_ty: Option<&str>,
    place: &crate::flow::LockPath,
) -> Option<String> {
    let segs = place.segments.as_ref()?;
    if segs.len() == 1 {
        if let Some(ty) = &place.root_ty {
            return Some(ty.clone());
        }
    }
    if let Some((_, ty)) = static_of(model, krate, segs) {
        return Some(ty.to_string());
    }
    let (first, fields) = segs.split_first()?;
    let mut owner = if first == "self" {
        crate::model::type_name_of(self_ty?)?
    } else {
        crate::model::type_name_of(place.root_ty.as_deref()?)?
    };
    let mut ty: Option<String> = None;
    for f in fields {
        if let Some(t) = &ty {
            owner = crate::model::type_name_of(t)?;
        }
        ty = Some(model.field_type(krate, &owner, f)?.to_string());
    }
    ty
}

/// Whether guard `g` is handed to a condition-variable wait among `events` (the guard
/// went to sleep on the condvar and came back).
pub fn handed_to_wait(events: &[crate::flow::Event], g: crate::flow::GuardId) -> bool {
    use crate::flow::methods::{WAITS_ONCE, WAITS_WHILE};
    events.iter().any(|e| {
        e.call().is_some_and(|c| {
            c.callee
                .method()
                .is_some_and(|name| WAITS_ONCE.contains(&name) || WAITS_WHILE.contains(&name))
                && c.arg_guards.contains(&g)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_roles_answer_as_the_lists_they_replace() {
        let data: Vec<&str> = known::LOCK_TYPES
            .iter()
            .filter(|l| l.data)
            .map(|l| l.name)
            .collect();
        assert_eq!(
            data,
            [
                "Mutex",
                "RwLock",
                "ReentrantMutex",
                "FairMutex",
                "SpinMutex",
                "SpinRwLock",
                "TicketMutex",
                "ShardedLock",
            ]
        );
        assert!(is_lock_head("ShardedLock") && !is_lock_head("RefCell"));
        assert!(known::is_guard_lock("RefCell") && !known::is_guard_lock("SpinRwLock"));
    }
}
