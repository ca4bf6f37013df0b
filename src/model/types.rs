//! Types as the crate-wide layers read them: a type text (the compact token text
//! the per-file pass keeps) read into a plain-data tree of heads and arguments, and
//! the questions rules ask of a type (what wraps what, is it a lock, a reference, a
//! trait object, which type it is about).
//!
//! The reader is private to the model: a rule asks the model for a type (a field's,
//! a static's, a place's, an impl's self type) and gets the tree, or asks one of
//! the questions below of a type text a flow recorded; it never reads type text
//! itself. Types are read when asked, not when the model is built: most fields
//! are never asked about, and a tree costs several times its text (reading every
//! field's type with the model raised the peak memory of a run on the shared
//! corpus by 10 to 18 MB, for no time saved).
//!
//! Nothing here looks at syntax.

use crate::model::known;
use crate::model::{CrateId, FieldDecl, Model, UnsafeImpl};

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
    ///
    /// Private to the model: the crate-wide layers above it ask the model's queries
    /// for types, and never read type text themselves.
    pub(in crate::model) fn parse(text: &str) -> TypeTree {
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

    /// Whether the head is a lock around data: the data role of
    /// [`known::LOCK_TYPES`].
    pub fn is_lock(&self) -> bool {
        known::is_data_lock(&self.head)
    }

    /// Whether the head is an atomic (`AtomicUsize`, `AtomicPtr`, crossbeam's
    /// `AtomicCell`, loom's and portable-atomic's types).
    pub fn is_atomic(&self) -> bool {
        is_atomic_name(&self.head)
    }

    /// Whether the head names a lock's guard: `MutexGuard`, `RwLockWriteGuard`,
    /// `MappedMutexGuard`, `ArcRwLockReadGuard`...
    pub fn is_lock_guard(&self) -> bool {
        let head = self.head.as_str();
        head.ends_with("Guard") && (head.contains("Mutex") || head.contains("RwLock"))
    }

    /// Whether this is a reference, `&T` or `&mut T`.
    pub fn is_reference(&self) -> bool {
        matches!(self.head.as_str(), "&" | "&mut")
    }

    /// Whether this is a slice, `[T]`.
    pub fn is_slice(&self) -> bool {
        self.head == "[]"
    }

    /// Whether the head names a type (a path's last segment), not a shape such as
    /// a reference, a tuple or a trait object: it starts with an upper-case letter.
    pub fn is_named(&self) -> bool {
        self.head.starts_with(|c: char| c.is_ascii_uppercase())
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

/// A type as written reduced to the name of the type it is about: references,
/// smart pointers and locks' contents are not it; generics are dropped
/// (`&Arc<Inner<T>>` gives `Inner`, `Self` stays `Self`).
pub fn type_name_of(ty: &str) -> Option<String> {
    let t = pointee(ty);
    let head = t.split('<').next().unwrap_or(t);
    // A path's last segment (`rsplit(':')` is `rsplit("::")` on a path, and cheaper).
    let name = head.rsplit(':').next().unwrap_or(head).trim();
    let is_path = !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !matches!(name, "dyn" | "impl");
    is_path.then(|| name.to_string())
}

/// The type a lock as written protects, reduced as [`type_name_of`] reduces:
/// `Arc<RwLock<State>>` and `&Mutex<Vec<u8>>` give `State` and `Vec`; a type that
/// is no `Mutex`, `RwLock`, `ReentrantMutex` or `RefCell` gives `None`.
pub fn lock_data_of(ty: &str) -> Option<String> {
    let t = pointee(ty);
    let head = t.split('<').next().unwrap_or(t);
    let name = head.rsplit(':').next().unwrap_or(head).trim();
    if !matches!(name, "Mutex" | "RwLock" | "ReentrantMutex" | "RefCell") {
        return None;
    }
    let inner = t[head.len()..].strip_prefix('<')?.strip_suffix('>')?;
    type_name_of(inner)
}

/// The trait a type as written is an object or an opaque value of, through
/// references and smart pointers: `Box<dyn Store + Send>`, `&dyn Store`,
/// `impl Store` give `Store` (last path segment, without its arguments).
pub fn object_trait_of(ty: &str) -> Option<String> {
    let t = pointee(ty);
    let rest = t
        .strip_prefix("dyn ")
        .or_else(|| t.strip_prefix("impl "))?
        .trim_start();
    let first = rest.split('+').next().unwrap_or(rest).trim();
    let head = first.split('<').next().unwrap_or(first);
    let name = head.rsplit("::").next().unwrap_or(head).trim();
    let ok = !name.is_empty()
        && name.starts_with(|c: char| c.is_alphabetic())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !matches!(name, "Fn" | "FnMut" | "FnOnce");
    ok.then(|| name.to_string())
}

/// The type a type as written points to, through references, lifetimes and smart
/// pointers (`&'a Arc<Inner<T>>` gives `Inner<T>`).
fn pointee(ty: &str) -> &str {
    let mut t = ty.trim();
    loop {
        t = t.trim_start_matches('&').trim_start();
        if let Some(rest) = t.strip_prefix("mut ") {
            t = rest;
            continue;
        }
        if let Some(rest) = t.strip_prefix('\'') {
            // A lifetime: `'a Foo`.
            t = rest
                .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
                .trim_start();
            continue;
        }
        let head = t.split('<').next().unwrap_or(t);
        let last = head.rsplit(':').next().unwrap_or(head);
        if matches!(last, "Arc" | "Rc" | "Box" | "Weak" | "Pin" | "CachePadded") && t.contains('<')
        {
            let inner = &t[head.len() + 1..];
            t = inner.strip_suffix('>').unwrap_or(inner).trim();
            continue;
        }
        return t;
    }
}

/// A type as written, as the facts keep it (a field's declared type, a body's self
/// or return type, a parameter's annotation): opaque to the layers above the model,
/// which ask it questions instead of reading its text. `Display` shows the text, for
/// messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeText<'a>(&'a str);

impl std::fmt::Display for TypeText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl<'a> TypeText<'a> {
    /// A type text a fact recorded.
    pub fn new(text: &'a str) -> TypeText<'a> {
        TypeText(text)
    }

    /// The type read into a tree.
    pub fn tree(self) -> TypeTree {
        TypeTree::parse(self.0)
    }

    /// The name of the type it is about, through references and smart pointers
    /// ([`type_name_of`]).
    pub fn name(self) -> Option<String> {
        type_name_of(self.0)
    }

    /// Whether any of `parts` occurs in the text: a quick test, before a closer
    /// look, that most types fail (`Mutex`, `Guard`).
    pub fn names_any(self, parts: &[&str]) -> bool {
        parts.iter().any(|p| self.0.contains(p))
    }

    /// Whether the type is the unit type, `()`.
    pub fn is_unit(self) -> bool {
        self.0 == "()"
    }

    /// Whether the type is a reference (`&T`, `&mut T`, `&'a T`).
    pub fn is_reference(self) -> bool {
        self.0.starts_with('&')
    }

    /// The last path segment of a path as written, without its generic arguments
    /// (`io::Read<T>` gives `Read`).
    pub fn last_segment(self) -> &'a str {
        let head = self.0.split('<').next().unwrap_or_default();
        head.rsplit("::").next().unwrap_or_default().trim()
    }

    /// Whether `name` is one of the generic arguments as written (`T` of `Cell<T>`).
    pub fn has_generic_arg(self, name: &str) -> bool {
        let params = self
            .0
            .split_once('<')
            .map(|(_, g)| g.trim_end_matches('>'))
            .unwrap_or_default();
        params.split(',').any(|g| g.trim() == name)
    }

    /// The name a closure bound returns when it takes nothing (`FnOnce() -> T` gives
    /// `T`), empty when it returns no plain name, `None` for any other bound.
    pub fn fn_once_return(self) -> Option<String> {
        let sig: String = self.0.chars().filter(|c| !c.is_whitespace()).collect();
        let ret = sig.split_once("FnOnce()->").map(|(_, r)| r)?;
        Some(
            ret.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect(),
        )
    }

    /// A type that is itself a pointer to a trait object: `&dyn T`, `&mut dyn T`,
    /// `Box<dyn T>`, `Arc<dyn T>`, `Rc<dyn T>`, not an `Option` or a collection of
    /// them.
    pub fn is_direct_object(self) -> bool {
        let mut t = self.0.trim_start_matches('&').trim_start();
        if let Some(rest) = t.strip_prefix('\'') {
            // A lifetime: `&'static dyn T`.
            t = rest
                .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
                .trim_start();
        }
        let t = t.trim_start_matches("mut ");
        t.starts_with("dyn ")
            || ["Box<dyn ", "Arc<dyn ", "Rc<dyn "]
                .iter()
                .any(|p| t.starts_with(p) || t.contains(&format!("::{p}")))
    }

    /// `Fn(..)`, `FnMut(..)`, `FnOnce(..)` anywhere in the type.
    pub fn is_fn_like(self) -> bool {
        ["Fn(", "FnMut(", "FnOnce("]
            .iter()
            .any(|f| self.0.contains(f))
    }

    /// A closure trait object anywhere in the type (`Box<dyn Fn(u8)>`,
    /// `Arc<dyn FnMut() + Send>`, `&dyn Fn()`).
    pub fn is_closure_object(self) -> bool {
        self.is_fn_like() && self.has_trait_object()
    }

    /// The identifiers of the type, last path segments only (`Vec<a::Listener>`
    /// gives `Vec`, `Listener`).
    pub fn words(self) -> impl Iterator<Item = &'a str> {
        self.0
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .filter_map(|w| w.rsplit("::").next())
            .filter(|w| !w.is_empty())
    }

    /// Whether the type names a trait object anywhere (`dyn ` in it).
    pub fn has_trait_object(self) -> bool {
        self.0.contains("dyn ")
    }

    /// The trait names of the `dyn` types in the type, last segment only.
    pub fn trait_object_names(self) -> Vec<String> {
        let ty = self.0;
        ty.match_indices("dyn ")
            .map(|(i, _)| {
                ty[i + 4..]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap_or_default()
                    .rsplit("::")
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .filter(|n| !n.is_empty())
            .collect()
    }

    /// Whether the type makes a struct holding it `!Sync` whatever its parameters
    /// are: a raw pointer, a `Cell`, `RefCell`, `UnsafeCell` or `Rc`, or a
    /// `PhantomData` of one.
    pub fn is_never_sync(self) -> bool {
        let ty = self.0.trim();
        if ty.starts_with('*') {
            return true;
        }
        let (head, inner) = match ty.split_once('<') {
            Some((h, rest)) => (h.trim(), rest.strip_suffix('>').unwrap_or(rest)),
            None => (ty, ""),
        };
        let last = head.rsplit("::").next().unwrap_or(head);
        match last {
            "Cell" | "RefCell" | "UnsafeCell" | "Rc" => true,
            "PhantomData" => {
                let mut inner = inner.trim_start_matches('&').trim_start();
                if let Some(rest) = inner.strip_prefix('\'') {
                    inner = rest
                        .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
                        .trim_start();
                }
                TypeText(inner).is_never_sync()
            }
            _ => false,
        }
    }

    /// Whether the type has `word` as a whole word (a type parameter's name).
    pub fn mentions_word(self, word: &str) -> bool {
        mentions_word(self.0, word)
    }

    /// The parameters (by position in `generics`) named inside a trait object of
    /// the type that is not bounded by `Send` and is not a closure: the object is
    /// some value made of them (`Box<dyn Reader<R>>`), sendable only when they are.
    /// `sends` tells whether a trait of the object implies `Send`.
    pub fn trait_object_params(
        self,
        generics: &[String],
        sends: &dyn Fn(&str) -> bool,
    ) -> Vec<usize> {
        let mut out = Vec::new();
        let mut rest = self.0;
        while let Some(i) = rest.find("dyn") {
            let before = rest[..i].chars().next_back();
            let after = &rest[i + 3..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                || after
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let mut depth = 0usize;
            let mut end = after.len();
            for (j, c) in after.char_indices() {
                match c {
                    '<' | '(' | '[' => depth += 1,
                    '>' | ')' | ']' if depth == 0 => {
                        end = j;
                        break;
                    }
                    '>' | ')' | ']' => depth -= 1,
                    ',' if depth == 0 => {
                        end = j;
                        break;
                    }
                    _ => {}
                }
            }
            let object = &after[..end];
            let names = bound_names(object);
            let closure = names
                .first()
                .is_some_and(|n| matches!(n.as_str(), "Fn" | "FnMut" | "FnOnce"));
            if closure || names.iter().any(|n| sends(n)) {
                continue;
            }
            for (pos, g) in generics.iter().enumerate() {
                if mentions_word(object, g) && !out.contains(&pos) {
                    out.push(pos);
                }
            }
        }
        out
    }
}

/// Whether a type's name is an atomic's (`AtomicUsize`, `AtomicPtr`, crossbeam's
/// `AtomicCell`, loom's and portable-atomic's types).
pub fn is_atomic_name(name: &str) -> bool {
    name.starts_with("Atomic")
}

/// Whether `text` has `word` as a whole word.
pub fn mentions_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// The trait names in a bound list as written (`?Sized+Send+'static` gives `Sized`,
/// `Send`).
pub fn bound_names(bounds: &str) -> Vec<String> {
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

impl FieldDecl {
    /// The field's declared type.
    pub fn type_text(&self) -> TypeText<'_> {
        TypeText(&self.ty)
    }

    /// The field's declared type as a tree.
    pub fn type_tree(&self) -> TypeTree {
        TypeTree::parse(&self.ty)
    }
}

impl UnsafeImpl {
    /// The name of the type the impl is for (`Cache` of `Cache<T>`).
    pub fn self_name(&self) -> Option<String> {
        type_name_of(&self.self_ty)
    }
}

impl crate::model::api::ApiField {
    /// The field's declared type.
    pub fn type_text(&self) -> TypeText<'_> {
        TypeText(&self.ty)
    }

    /// The field's declared type as a tree.
    pub fn type_tree(&self) -> TypeTree {
        TypeTree::parse(&self.ty)
    }
}

impl crate::model::api::ApiImpl {
    /// The impl's self type as a tree (`Cache<T>`: `Cache` around `T`).
    pub fn self_tree(&self) -> TypeTree {
        TypeTree::parse(&self.self_ty)
    }
}

impl Model {
    /// The declared type of `owner.field` in a crate, as a tree.
    pub fn field_tree(&self, krate: CrateId, owner: &str, field: &str) -> Option<TypeTree> {
        self.field_type(krate, owner, field).map(TypeTree::parse)
    }

    /// The declared type of `owner.field` in a crate.
    pub fn field_type_text(
        &self,
        krate: CrateId,
        owner: &str,
        field: &str,
    ) -> Option<TypeText<'_>> {
        self.field_type(krate, owner, field).map(TypeText)
    }

    /// Whether every field named `name` in the run is declared with a lock type known
    /// to hand out guards (and not a raw lock).
    pub fn is_guard_lock_field(&self, name: &str) -> bool {
        let mut tys = self.field_types(name).peekable();
        tys.peek().is_some()
            && tys.all(|t| {
                !t.contains("Raw")
                    && known::guard_lock_types().any(|l| t.contains(&format!("{l}<")))
            })
    }

    /// The static a place names (`COUNTER`, `crate::stats::COUNTER`), with its
    /// declared type, when the crate declares one of that name.
    pub fn static_of(&self, krate: CrateId, segments: &[String]) -> Option<(&str, TypeText<'_>)> {
        let (last, quals) = segments.split_last()?;
        if !quals
            .iter()
            .all(|s| s.starts_with(|c: char| c.is_lowercase()) && s != "self")
        {
            return None;
        }
        let (key, decls) = self.statics.get_key_value(&(krate, last.clone()))?;
        let ty = decls.first()?.1.as_str();
        Some((key.1.as_str(), TypeText(ty)))
    }

    /// The declared type of a place as the crate shows it: a parameter or annotated
    /// local (`root_ty`, the type of the place's first segment), a static, or a
    /// field reached from `self` (in an `impl` of `self_ty`) or from a typed local,
    /// following field types along the path.
    pub fn place_type(
        &self,
        krate: CrateId,
        self_ty: Option<&str>,
        segments: Option<&[String]>,
        root_ty: Option<&str>,
    ) -> Option<PlaceType> {
        let segs = segments?;
        if segs.len() == 1 {
            if let Some(ty) = root_ty {
                return Some(PlaceType(ty.to_string()));
            }
        }
        if let Some((_, ty)) = self.static_of(krate, segs) {
            return Some(PlaceType(ty.0.to_string()));
        }
        let (first, fields) = segs.split_first()?;
        let mut owner = if first == "self" {
            type_name_of(self_ty?)?
        } else {
            type_name_of(root_ty?)?
        };
        let mut ty: Option<String> = None;
        for f in fields {
            if let Some(t) = &ty {
                owner = type_name_of(t)?;
            }
            ty = Some(self.field_type(krate, &owner, f)?.to_string());
        }
        ty.map(PlaceType)
    }
}

/// The declared type of a place ([`Model::place_type`]), owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceType(String);

impl PlaceType {
    /// The type as a type text, to ask questions of.
    pub fn text(&self) -> TypeText<'_> {
        TypeText(&self.0)
    }

    /// The type as a tree.
    pub fn tree(&self) -> TypeTree {
        TypeTree::parse(&self.0)
    }
}

impl<'a> From<TypeText<'a>> for PlaceType {
    fn from(t: TypeText<'a>) -> PlaceType {
        PlaceType(t.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_see_through_pointers() {
        assert_eq!(type_name_of("&Arc<Inner<T>>").as_deref(), Some("Inner"));
        assert_eq!(type_name_of("&'a mut Cache").as_deref(), Some("Cache"));
        assert_eq!(type_name_of("crate::a::Pool").as_deref(), Some("Pool"));
        assert_eq!(type_name_of("Box<dyn Fn()>"), None);
    }

    #[test]
    fn type_trees() {
        let t = TypeTree::parse("Arc<Mutex<HashMap<K,Vec<(u8,&'a mut [T])>>>>");
        assert_eq!(t.head, "Arc");
        let inner = t.strip(&["Arc"]);
        assert_eq!(inner.head, "Mutex");
        assert_eq!(inner.args[0].head, "HashMap");
        assert_eq!(inner.args[0].args[1].args[0].head, "()");
        assert_eq!(inner.args[0].args[1].args[0].args[1].head, "&mut");
        let t = TypeTree::parse("Box<dyn Fn(u32)->u8+Send>");
        assert_eq!((t.head.as_str(), t.args[0].head.as_str()), ("Box", "dyn"));
        let t = TypeTree::parse("*mut ffi::sqlite3");
        assert_eq!(
            (t.head.as_str(), t.args[0].head.as_str()),
            ("*mut", "sqlite3")
        );
        let t = TypeTree::parse("[Option<NonNull<Node<T>>>;N]");
        assert_eq!(t.head, "[;]");
        assert_eq!(t.args[0].args[0].head, "NonNull");
        let t = TypeTree::parse("<T as Trait>::Assoc");
        assert_eq!(t.head, "Assoc");
        // Nonsense never panics or loops.
        for s in [
            "<", ">", "&&", "(", "[;", "a<b=", "a::<", "::", "*", "'", "{", "dyn",
        ] {
            let _ = TypeTree::parse(s);
        }
    }
}
