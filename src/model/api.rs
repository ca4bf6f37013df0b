//! What each type of a file offers to code that holds it: the methods of its impl
//! blocks (receiver, and what each method hands out of or takes in of every type
//! parameter), its `Deref` target, its fields, and the module items that decide who
//! can name it (`mod` declarations, `pub use` re-exports), with the crate's trait
//! declarations and their supertraits.
//!
//! Collected once per file from the item tree by [`crate::syntax::api`], never from
//! function bodies; the `unsafe-send-sync` rule judges an impl by these facts.
//! Macros' token streams are not read, so items a macro expands to are not here.

use crate::report::finding::Span;

/// How far a name is visible, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vis {
    /// `pub`.
    Pub,
    /// `pub(crate)`, `pub(super)`, `pub(in ..)`.
    Restricted,
    /// No visibility: private to its module.
    Private,
}

/// A struct, enum or union, with what the trait judgement needs of it.
#[derive(Clone, Debug)]
pub struct ApiType {
    /// Inline `mod` blocks around it within its file.
    pub module: Vec<String>,
    /// Its name.
    pub name: String,
    /// Its type parameters, in order.
    pub generics: Vec<String>,
    /// Its visibility.
    pub vis: Vis,
    /// Every field (of every variant), in order.
    pub fields: Vec<ApiField>,
    /// Inside a `#[cfg(test)]` item.
    pub in_test: bool,
    /// `#[derive(Clone)]`: a value can be duplicated.
    pub derives_clone: bool,
    /// Its name in the declaration.
    pub span: Span,
}

/// One field as declared.
#[derive(Clone, Debug)]
pub struct ApiField {
    /// The field name (`0`, `1`... for tuple fields).
    pub name: String,
    /// The type as written, without whitespace.
    pub ty: String,
    /// Exactly `pub`, or a field of an enum's variant.
    pub is_pub: bool,
    /// What reading the field through `&self` hands out of each type parameter of
    /// the type (by position), when the field is `pub`.
    pub uses: Vec<Use>,
    /// The field's declaration.
    pub span: Span,
}

/// What a method does with one type parameter of the type it is implemented for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    /// The position of the parameter among the type's type parameters.
    pub pos: usize,
    /// What happens to it.
    pub kind: UseKind,
}

/// The ways a method reaches a value of a type parameter `T`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseKind {
    /// Hands out `&T` (a `&T` return, `Option<&T>`, an iterator of `&T`, a
    /// callback given `&T`).
    SharedOut,
    /// Hands out `T` or `&mut T` (by value, `Option<T>`, a callback given `T`).
    OwnedOut,
    /// Takes a `T` by value (or lends `&mut T`), to store or swap it.
    OwnedIn,
    /// Hands out a `T` inside another generic type (a guard, an iterator type):
    /// what that type gives is decided by its own `Deref`.
    Wrapped(String),
}

/// How a method takes its receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// `&self`, or a parameter of type `&Self`.
    Shared,
    /// `&mut self`.
    Mut,
    /// `self`, `Box<Self>`...
    Owned,
    /// An associated function without `self`.
    None,
}

/// One function of an impl block.
#[derive(Clone, Debug)]
pub struct ApiMethod {
    /// Its name.
    pub name: String,
    /// How it takes `self`.
    pub receiver: Receiver,
    /// `&'static self`: what it takes in lives as long as the program.
    pub is_static_self: bool,
    /// Exactly `pub` (trait methods count as `pub`).
    pub is_pub: bool,
    /// An `unsafe fn`: its caller carries the proof.
    pub is_unsafe: bool,
    /// What it does with each type parameter of the self type.
    pub uses: Vec<Use>,
    /// Its name in the declaration.
    pub span: Span,
}

/// One `impl` block.
#[derive(Clone, Debug)]
pub struct ApiImpl {
    /// Inline `mod` blocks around it within its file.
    pub module: Vec<String>,
    /// The self type's name (last path segment).
    pub self_name: String,
    /// The self type's path before its name (`crate::a` for `crate::a::S`).
    pub self_prefix: Vec<String>,
    /// The self type as written.
    pub self_ty: String,
    /// For each type argument of the self type, the impl's type parameter it is,
    /// when it is a bare one (`impl<T> S<T, u8>` gives `[Some("T"), None]`).
    pub args: Vec<Option<String>>,
    /// The trait's name, for a trait impl.
    pub trait_name: Option<String>,
    /// `unsafe impl`.
    pub is_unsafe: bool,
    /// The impl's type parameters with their bounds as written, including its
    /// `where` clause; a `where` bound on another type (`Inner<T>: Send`) is kept
    /// under that type's text.
    pub params: Vec<(String, String)>,
    /// The `cfg` predicates on the impl, as written.
    pub cfgs: Vec<String>,
    /// Inside a `#[cfg(test)]` item.
    pub in_test: bool,
    /// For a trait impl, the positions of the self type's parameters that it bounds
    /// by that same trait (`impl<T: Debug> Debug for S<T>`): its methods may call
    /// the trait on `&T`.
    pub bounded: Vec<usize>,
    /// The functions of the block.
    pub methods: Vec<ApiMethod>,
    /// For `Deref`: what `&Target` hands out of each type parameter.
    pub deref_uses: Vec<Use>,
    /// The impl header.
    pub span: Span,
}

/// A trait declaration.
#[derive(Clone, Debug)]
pub struct ApiTrait {
    /// Its name.
    pub name: String,
    /// The names of its supertraits (and of `where Self:` bounds).
    pub supertraits: Vec<String>,
    /// `unsafe trait`: implementors promise what its documentation asks.
    pub is_unsafe: bool,
}

/// A `mod` item.
#[derive(Clone, Debug)]
pub struct ApiMod {
    /// Inline `mod` blocks around it within its file.
    pub parent: Vec<String>,
    /// Its name.
    pub name: String,
    /// Its visibility.
    pub vis: Vis,
}

/// What one file declares for the judgement of `Send` and `Sync` impls.
#[derive(Clone, Debug, Default)]
pub struct FileApi {
    /// Structs, enums and unions.
    pub types: Vec<ApiType>,
    /// Impl blocks (of types declared anywhere).
    pub impls: Vec<ApiImpl>,
    /// Trait declarations.
    pub traits: Vec<ApiTrait>,
    /// `mod` items.
    pub mods: Vec<ApiMod>,
    /// Names `pub use` makes public again (the original names).
    pub reexports: Vec<String>,
    /// The last segment of each `pub use path::*` glob.
    pub globs: Vec<String>,
    /// Names of `type` aliases.
    pub aliases: Vec<String>,
}
