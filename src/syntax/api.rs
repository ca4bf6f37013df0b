//! The per-file collection of [`FileApi`]: what each type of a file offers to code
//! that holds it, read from the item tree (see [`crate::model::api`] for the facts).

use rustc_hash::FxHashMap;

use crate::model::api::*;
use crate::report::finding::{FileId, Span};
use crate::source::SourceFile;
use crate::syntax::items::{compact, param_bounds, type_text};

/// Collects the facts of a parsed file.
pub fn collect(file: &syn::File, src: &SourceFile, id: FileId) -> FileApi {
    let mut c = ApiCollector {
        out: FileApi::default(),
        module: Vec::new(),
        src,
        id,
    };
    c.items(&file.items, false);
    c.out
}

struct ApiCollector<'a> {
    out: FileApi,
    module: Vec<String>,
    src: &'a SourceFile,
    id: FileId,
}

fn vis_of(vis: &syn::Visibility) -> Vis {
    match vis {
        syn::Visibility::Public(_) => Vis::Pub,
        syn::Visibility::Restricted(_) => Vis::Restricted,
        syn::Visibility::Inherited => Vis::Private,
    }
}

/// The `cfg(..)` predicates of the attributes, as compact text.
fn cfgs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| match &a.meta {
            syn::Meta::List(l) => Some(compact(&l.tokens.to_string())),
            _ => None,
        })
        .collect()
}

/// Whether a `#[derive(..)]` (or a `cfg_attr` one) names the trait.
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        (path.is_ident("derive") || path.is_ident("cfg_attr"))
            && quote::ToTokens::to_token_stream(&a.meta)
                .into_iter()
                .any(|t| contains_ident(t, name))
    })
}

fn contains_ident(t: proc_macro2::TokenTree, name: &str) -> bool {
    match t {
        proc_macro2::TokenTree::Ident(i) => i == name,
        proc_macro2::TokenTree::Group(g) => g.stream().into_iter().any(|t| contains_ident(t, name)),
        _ => false,
    }
}

fn is_test_cfg(attrs: &[syn::Attribute]) -> bool {
    cfgs(attrs).iter().any(|c| {
        c == "test" || c.starts_with("all(test") || c.contains(",test)") || c.contains("(test,")
    })
}

/// The trait names of a bound list.
fn bound_names<'b>(
    bounds: impl IntoIterator<Item = &'b syn::TypeParamBound> + 'b,
) -> impl Iterator<Item = String> + 'b {
    bounds.into_iter().filter_map(|b| match b {
        syn::TypeParamBound::Trait(t) if t.maybe.is_none() => {
            t.path.segments.last().map(|s| s.ident.to_string())
        }
        _ => None,
    })
}

impl ApiCollector<'_> {
    fn span(&self, span: proc_macro2::Span) -> Span {
        self.src.span(self.id, span)
    }

    fn items(&mut self, items: &[syn::Item], in_test: bool) {
        for item in items {
            match item {
                syn::Item::Struct(it) => {
                    let test = in_test || is_test_cfg(&it.attrs);
                    let clone = derives(&it.attrs, "Clone");
                    self.type_decl(
                        &it.ident,
                        &it.generics,
                        &it.vis,
                        [&it.fields],
                        false,
                        clone,
                        test,
                    );
                }
                syn::Item::Enum(it) => {
                    let test = in_test || is_test_cfg(&it.attrs);
                    let fields: Vec<&syn::Fields> = it.variants.iter().map(|v| &v.fields).collect();
                    // A variant's fields are as visible as the enum: a `match` on a
                    // `&E` reaches each of them.
                    let clone = derives(&it.attrs, "Clone");
                    self.type_decl(&it.ident, &it.generics, &it.vis, fields, true, clone, test);
                }
                syn::Item::Union(it) => {
                    let test = in_test || is_test_cfg(&it.attrs);
                    let fields = syn::Fields::Named(it.fields.clone());
                    let clone = derives(&it.attrs, "Clone");
                    self.type_decl(
                        &it.ident,
                        &it.generics,
                        &it.vis,
                        [&fields],
                        false,
                        clone,
                        test,
                    );
                }
                syn::Item::Impl(it) => {
                    let test = in_test || is_test_cfg(&it.attrs);
                    self.impl_block(it, test);
                }
                syn::Item::Trait(it) => {
                    let mut supertraits: Vec<String> = bound_names(&it.supertraits).collect();
                    if let Some(wc) = &it.generics.where_clause {
                        for pred in &wc.predicates {
                            if let syn::WherePredicate::Type(pt) = pred {
                                if type_text(&pt.bounded_ty) == "Self" {
                                    supertraits.extend(bound_names(&pt.bounds));
                                }
                            }
                        }
                    }
                    self.out.traits.push(ApiTrait {
                        name: it.ident.to_string(),
                        supertraits,
                        is_unsafe: it.unsafety.is_some(),
                    });
                }
                syn::Item::Mod(it) => {
                    self.out.mods.push(ApiMod {
                        parent: self.module.clone(),
                        name: it.ident.to_string(),
                        vis: vis_of(&it.vis),
                    });
                    if let Some((_, inner)) = &it.content {
                        let test = in_test || is_test_cfg(&it.attrs);
                        self.module.push(it.ident.to_string());
                        self.items(inner, test);
                        self.module.pop();
                    }
                }
                syn::Item::Type(it) => self.out.aliases.push(it.ident.to_string()),
                syn::Item::Use(it) if matches!(it.vis, syn::Visibility::Public(_)) => {
                    self.use_tree(&it.tree, None);
                }
                _ => {}
            }
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, last: Option<&syn::Ident>) {
        match tree {
            syn::UseTree::Path(p) => self.use_tree(&p.tree, Some(&p.ident)),
            syn::UseTree::Name(n) => self.out.reexports.push(n.ident.to_string()),
            syn::UseTree::Rename(r) => self.out.reexports.push(r.ident.to_string()),
            syn::UseTree::Glob(_) => {
                if let Some(l) = last {
                    self.out.globs.push(l.to_string());
                }
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, last);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn type_decl<'f>(
        &mut self,
        ident: &syn::Ident,
        generics: &syn::Generics,
        vis: &syn::Visibility,
        all_fields: impl IntoIterator<Item = &'f syn::Fields>,
        variants: bool,
        derives_clone: bool,
        in_test: bool,
    ) {
        let names: Vec<String> = generics
            .type_params()
            .map(|p| p.ident.to_string())
            .collect();
        let params: FxHashMap<String, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let mut fields = Vec::new();
        for fs in all_fields {
            for (i, field) in fs.iter().enumerate() {
                let is_pub = variants || matches!(field.vis, syn::Visibility::Public(_));
                let mut uses = Vec::new();
                if is_pub {
                    let w = UseWalker {
                        params: &params,
                        generics: FxHashMap::default(),
                        self_name: ident.to_string(),
                    };
                    w.walk(&field.ty, true, Under::Shared, 0, &mut uses);
                }
                fields.push(ApiField {
                    name: field
                        .ident
                        .as_ref()
                        .map_or_else(|| i.to_string(), ToString::to_string),
                    ty: type_text(&field.ty),
                    is_pub,
                    uses,
                    span: self.span(match &field.ident {
                        Some(id) => id.span(),
                        None => syn::spanned::Spanned::span(&field.ty),
                    }),
                });
            }
        }
        self.out.types.push(ApiType {
            module: self.module.clone(),
            name: ident.to_string(),
            generics: names,
            vis: vis_of(vis),
            fields,
            in_test,
            derives_clone,
            span: self.span(ident.span()),
        });
    }

    fn impl_block(&mut self, it: &syn::ItemImpl, in_test: bool) {
        let syn::Type::Path(tp) = &*it.self_ty else {
            return;
        };
        if tp.qself.is_some() {
            return;
        }
        let Some(last) = tp.path.segments.last() else {
            return;
        };
        let trait_name = it
            .trait_
            .as_ref()
            .and_then(|(p, _)| p.segments.last())
            .map(|s| s.ident.to_string());
        let is_thread =
            it.unsafety.is_some() && matches!(trait_name.as_deref(), Some("Send" | "Sync"));
        let is_kept_trait = matches!(
            trait_name.as_deref(),
            Some("Deref" | "DerefMut" | "Drop" | "Clone")
        );
        // Methods and a `Deref` target are kept for the parameters of the self type
        // they use: an impl of a type with none (`impl Cache`, `impl Foo<u8>`) keeps
        // nothing of them.
        if it.generics.type_params().next().is_none() && !is_thread && !is_kept_trait {
            return;
        }
        let self_name = last.ident.to_string();
        let self_prefix: Vec<String> = tp
            .path
            .segments
            .iter()
            .take(tp.path.segments.len() - 1)
            .map(|s| s.ident.to_string())
            .collect();
        let impl_params: Vec<String> = it
            .generics
            .type_params()
            .map(|p| p.ident.to_string())
            .collect();
        let mut args: Vec<Option<String>> = Vec::new();
        if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
            for arg in &a.args {
                if let syn::GenericArgument::Type(ty) = arg {
                    let t = type_text(ty);
                    args.push(impl_params.contains(&t).then_some(t));
                }
            }
        }
        let pos: FxHashMap<String, usize> = args
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.clone().map(|a| (a, i)))
            .collect();
        // Bounds by impl parameter, from the parameter list and the `where` clause.
        let params = param_bounds(&it.generics);
        let mut bounded: Vec<usize> = Vec::new();
        let note_bounds = |name: &str, names: Vec<String>, bounded: &mut Vec<usize>| {
            if let (Some(&p), Some(tr)) = (pos.get(name), trait_name.as_deref()) {
                if names.iter().any(|n| n == tr) && !bounded.contains(&p) {
                    bounded.push(p);
                }
            }
        };
        for p in it.generics.type_params() {
            note_bounds(
                &p.ident.to_string(),
                bound_names(&p.bounds).collect(),
                &mut bounded,
            );
        }
        if let Some(wc) = &it.generics.where_clause {
            for pred in &wc.predicates {
                if let syn::WherePredicate::Type(pt) = pred {
                    let name = type_text(&pt.bounded_ty);
                    note_bounds(&name, bound_names(&pt.bounds).collect(), &mut bounded);
                }
            }
        }
        let is_trait = trait_name.is_some();
        let mut methods = Vec::new();
        let mut deref_uses = Vec::new();
        for item in &it.items {
            match item {
                syn::ImplItem::Fn(f) => {
                    let m = self.method(f, &pos, &self_name, is_trait);
                    // Only what can reach a parameter is kept: the model holds facts
                    // for every file, and most methods touch none.
                    let reads_bounded = !bounded.is_empty()
                        && m.receiver == Receiver::Shared
                        && m.is_pub
                        && !m.is_unsafe;
                    if !m.uses.is_empty() || reads_bounded {
                        methods.push(m);
                    }
                }
                syn::ImplItem::Type(t)
                    if trait_name.as_deref() == Some("Deref") && t.ident == "Target" =>
                {
                    let w = UseWalker {
                        params: &pos,
                        generics: FxHashMap::default(),
                        self_name: self_name.clone(),
                    };
                    w.walk(&t.ty, true, Under::Shared, 0, &mut deref_uses);
                }
                _ => {}
            }
        }
        if methods.is_empty() && deref_uses.is_empty() && !is_thread && !is_kept_trait {
            return;
        }
        let header = it.impl_token.span;
        let end = syn::spanned::Spanned::span(&it.self_ty);
        self.out.impls.push(ApiImpl {
            module: self.module.clone(),
            self_name,
            self_prefix,
            self_ty: type_text(&it.self_ty),
            args,
            trait_name,
            is_unsafe: it.unsafety.is_some(),
            params,
            cfgs: cfgs(&it.attrs),
            in_test,
            bounded,
            methods,
            deref_uses,
            span: self.span(header.join(end).unwrap_or(header)),
        });
    }

    fn method(
        &self,
        f: &syn::ImplItemFn,
        pos: &FxHashMap<String, usize>,
        self_name: &str,
        is_trait: bool,
    ) -> ApiMethod {
        let sig = &f.sig;
        let mut generics: FxHashMap<String, Vec<syn::TypeParamBound>> = FxHashMap::default();
        for p in sig.generics.type_params() {
            generics.insert(p.ident.to_string(), p.bounds.iter().cloned().collect());
        }
        if let Some(wc) = &sig.generics.where_clause {
            for pred in &wc.predicates {
                if let syn::WherePredicate::Type(pt) = pred {
                    if let Some(b) = generics.get_mut(&type_text(&pt.bounded_ty)) {
                        b.extend(pt.bounds.iter().cloned());
                    }
                }
            }
        }
        let walker = UseWalker {
            params: pos,
            generics,
            self_name: self_name.to_string(),
        };
        let mut receiver = Receiver::None;
        let mut is_static_self = false;
        let mut uses = Vec::new();
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(r) => {
                    if let syn::ReceiverKind::Reference(_, Some(lt), _) = &r.kind {
                        is_static_self = lt.ident == "static";
                    }
                    receiver = match &r.kind {
                        syn::ReceiverKind::Reference(_, _, None) => Receiver::Shared,
                        syn::ReceiverKind::Reference(_, _, Some(_)) => Receiver::Mut,
                        syn::ReceiverKind::Typed(_, ty) => match &**ty {
                            syn::Type::Reference(rf) if rf.mutability.is_none() => Receiver::Shared,
                            syn::Type::Reference(_) => Receiver::Mut,
                            ty if type_text(ty).contains("&Self") => Receiver::Shared,
                            _ => Receiver::Owned,
                        },
                        _ => Receiver::Owned,
                    };
                }
                syn::FnArg::Typed(pt) => {
                    let text = type_text(&pt.ty);
                    // `this: &Self` (`Arc::get`'s style) is a shared receiver.
                    let is_self_ref = (text == "&Self"
                        || text.starts_with("&'") && text.ends_with(" Self"))
                        || (text.starts_with('&')
                            && !text.starts_with("&mut")
                            && crate::model::type_name_of(&text).as_deref() == Some(self_name));
                    if is_self_ref && receiver == Receiver::None {
                        receiver = Receiver::Shared;
                        continue;
                    }
                    walker.walk(&pt.ty, false, Under::Value, 0, &mut uses);
                }
            }
        }
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            walker.walk(ty, true, Under::Value, 0, &mut uses);
        }
        ApiMethod {
            name: sig.ident.to_string(),
            receiver,
            is_static_self,
            is_pub: is_trait || matches!(f.vis, syn::Visibility::Public(_)),
            is_unsafe: matches!(sig.safety, syn::Safety::Unsafe(_)),
            uses,
            span: self.span(sig.ident.span()),
        }
    }
}

/// Where in a type a parameter was met.
#[derive(Clone, Debug)]
enum Under {
    Value,
    Shared,
    Mut,
    Wrapped(String),
}

/// Types that are what their arguments are, for what a caller receives.
const TRANSPARENT: &[&str] = &[
    "Option",
    "Result",
    "Box",
    "Vec",
    "VecDeque",
    "LinkedList",
    "BinaryHeap",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "Pin",
    "Poll",
    "ManuallyDrop",
    "MaybeUninit",
    "Cow",
    "Reverse",
    "Wrapping",
];

/// Guards that give `&T`.
const SHARED_GUARDS: &[&str] = &[
    "Ref",
    "RwLockReadGuard",
    "MappedRwLockReadGuard",
    "RwLockUpgradableReadGuard",
];

/// Guards that give `&mut T`.
const MUT_GUARDS: &[&str] = &[
    "RefMut",
    "MutexGuard",
    "MappedMutexGuard",
    "RwLockWriteGuard",
    "MappedRwLockWriteGuard",
    "ReentrantMutexGuard",
];

/// Traits whose associated type is what they hand out.
const YIELDING: &[&str] = &[
    "Iterator",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Stream",
    "Future",
    "Deref",
];

struct UseWalker<'p> {
    /// The self type's parameters by the names this block gives them.
    params: &'p FxHashMap<String, usize>,
    /// The method's own type parameters with their bounds.
    generics: FxHashMap<String, Vec<syn::TypeParamBound>>,
    self_name: String,
}

impl UseWalker<'_> {
    fn emit(pos: usize, out_pos: bool, under: &Under, out: &mut Vec<Use>) {
        let kind = match (out_pos, under) {
            (true, Under::Shared) => UseKind::SharedOut,
            (true, Under::Value | Under::Mut) => UseKind::OwnedOut,
            (true, Under::Wrapped(h)) => UseKind::Wrapped(h.clone()),
            (false, Under::Shared) => return,
            (false, _) => UseKind::OwnedIn,
        };
        let u = Use { pos, kind };
        if !out.contains(&u) {
            out.push(u);
        }
    }

    /// Records what a caller gets (`out_pos`) or gives (`!out_pos`) of each type
    /// parameter in `ty`. Arguments of a closure a caller gives are what it gets.
    fn walk(&self, ty: &syn::Type, out_pos: bool, under: Under, depth: usize, out: &mut Vec<Use>) {
        if depth > 8 {
            return;
        }
        match ty {
            syn::Type::Path(p) => {
                if p.qself.is_some() {
                    return;
                }
                let segs = &p.path.segments;
                if segs.len() == 1 && segs[0].arguments.is_empty() {
                    let name = segs[0].ident.to_string();
                    if let Some(&pos) = self.params.get(&name) {
                        Self::emit(pos, out_pos, &under, out);
                        return;
                    }
                    if let Some(bounds) = self.generics.get(&name) {
                        for b in bounds {
                            self.bound(b, out_pos, under.clone(), depth + 1, out);
                        }
                        return;
                    }
                }
                // `T::Assoc` is another type.
                if segs.len() > 1 && self.params.contains_key(&segs[0].ident.to_string()) {
                    return;
                }
                if let Some(last) = segs.last() {
                    self.segment(last, out_pos, under, depth, out);
                }
            }
            syn::Type::Reference(r) => {
                let inner = match (&under, r.mutability.is_some()) {
                    (Under::Shared, _) | (_, false) => Under::Shared,
                    (_, true) => Under::Mut,
                };
                self.walk(&r.elem, out_pos, inner, depth + 1, out);
            }
            syn::Type::Slice(s) => self.walk(&s.elem, out_pos, under, depth + 1, out),
            syn::Type::Array(a) => self.walk(&a.elem, out_pos, under, depth + 1, out),
            syn::Type::Paren(p) => self.walk(&p.elem, out_pos, under, depth + 1, out),
            syn::Type::Group(g) => self.walk(&g.elem, out_pos, under, depth + 1, out),
            syn::Type::Tuple(t) => {
                for e in &t.elems {
                    self.walk(e, out_pos, under.clone(), depth + 1, out);
                }
            }
            syn::Type::ImplTrait(t) => {
                for b in &t.bounds {
                    self.bound(b, out_pos, under.clone(), depth + 1, out);
                }
            }
            syn::Type::TraitObject(t) => {
                for b in &t.bounds {
                    self.bound(b, out_pos, under.clone(), depth + 1, out);
                }
            }
            syn::Type::FnPtr(f) => {
                for input in &f.inputs {
                    self.walk(&input.ty, !out_pos, Under::Value, depth + 1, out);
                }
                if let syn::ReturnType::Type(_, t) = &f.output {
                    self.walk(t, out_pos, Under::Value, depth + 1, out);
                }
            }
            // A raw pointer handed out takes `unsafe` to use.
            _ => {}
        }
    }

    fn bound(
        &self,
        b: &syn::TypeParamBound,
        out_pos: bool,
        under: Under,
        depth: usize,
        out: &mut Vec<Use>,
    ) {
        if let syn::TypeParamBound::Trait(t) = b {
            if let Some(last) = t.path.segments.last() {
                self.segment(last, out_pos, under, depth, out);
            }
        }
    }

    fn segment(
        &self,
        seg: &syn::PathSegment,
        out_pos: bool,
        under: Under,
        depth: usize,
        out: &mut Vec<Use>,
    ) {
        let head = seg.ident.to_string();
        // A raw pointer handed out takes `unsafe` to use.
        if head == "Self"
            || head == self.self_name
            || matches!(head.as_str(), "PhantomData" | "NonNull" | "AtomicPtr")
        {
            return;
        }
        match &seg.arguments {
            syn::PathArguments::None => {}
            syn::PathArguments::Parenthesized(p) => {
                // `Fn(A) -> B`: a caller's closure gets `A` and gives `B`.
                for input in &p.inputs {
                    self.walk(&input.ty, !out_pos, Under::Value, depth + 1, out);
                }
                if let syn::ReturnType::Type(_, t) = &p.output {
                    self.walk(t, out_pos, Under::Value, depth + 1, out);
                }
            }
            syn::PathArguments::AngleBracketed(a) => {
                let outer = under.clone();
                let inner = if TRANSPARENT.contains(&head.as_str()) {
                    under.clone()
                } else if SHARED_GUARDS.contains(&head.as_str()) {
                    match under {
                        Under::Value | Under::Mut => Under::Shared,
                        u => u,
                    }
                } else if MUT_GUARDS.contains(&head.as_str()) {
                    match under {
                        Under::Value => Under::Mut,
                        u => u,
                    }
                } else if matches!(head.as_str(), "Arc" | "Rc") {
                    // A shared owner gives both `&T` and, at its last drop, `T`.
                    if let Under::Value = under {
                        for arg in &a.args {
                            if let syn::GenericArgument::Type(t) = arg {
                                self.walk(t, out_pos, Under::Shared, depth + 1, out);
                            }
                        }
                    }
                    under.clone()
                } else if YIELDING.contains(&head.as_str()) {
                    under.clone()
                } else {
                    match under {
                        Under::Value => Under::Wrapped(head.clone()),
                        u => u,
                    }
                };
                // A guard's data is its last type argument (`MutexGuard<'a, R, T>`);
                // the others are its lock's.
                let is_guard =
                    SHARED_GUARDS.contains(&head.as_str()) || MUT_GUARDS.contains(&head.as_str());
                let last_ty = a
                    .args
                    .iter()
                    .rposition(|g| matches!(g, syn::GenericArgument::Type(_)));
                for (i, arg) in a.args.iter().enumerate() {
                    // The other arguments of a type named as a guard are its lock's,
                    // unless the crate's own type of that name says otherwise (a
                    // pool's `RefMut<'a, T, C>`): what it gives of them is left to
                    // its `Deref`, as for any other wrapper handed out.
                    let inner = if is_guard && Some(i) != last_ty {
                        if !out_pos {
                            continue;
                        }
                        match outer {
                            Under::Value | Under::Mut => Under::Wrapped(head.clone()),
                            Under::Shared | Under::Wrapped(_) => continue,
                        }
                    } else {
                        inner.clone()
                    };
                    match arg {
                        syn::GenericArgument::Type(t) => {
                            self.walk(t, out_pos, inner.clone(), depth + 1, out)
                        }
                        syn::GenericArgument::AssocType(at) => {
                            self.walk(&at.ty, out_pos, inner.clone(), depth + 1, out)
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}
