//! The impl's bounds: what a type parameter must be (`Req`), the traits an impl
//! bounds each parameter by, and whether a bound gives `Send` or `Sync` through
//! the supertraits of the crate's traits.

use super::*;

/// Traits of the standard library that do not imply `Send` or `Sync`. A trait of
/// the crate is followed through its supertraits; any other trait might imply
/// them, so a bound by it is trusted.
pub(super) const PLAIN_TRAITS: &[&str] = &[
    "Sized",
    "Clone",
    "Copy",
    "Debug",
    "Display",
    "Default",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "Fn",
    "FnMut",
    "FnOnce",
    "Into",
    "From",
    "AsRef",
    "AsMut",
    "Unpin",
    "Any",
    "Iterator",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "ToString",
    "Deref",
    "DerefMut",
    "Borrow",
    "BorrowMut",
    "RangeBounds",
    "Future",
    "Read",
    "Write",
    "BufRead",
    "Seek",
    "Drop",
    "ToOwned",
    "Error",
    "Hasher",
    "BuildHasher",
];

/// Traits whose `&self` methods read the value through `&T` when the impl bounds
/// `T` by them (`impl<T: Debug> Debug for S<T>` formats each `&T`).
pub(super) const READING_TRAITS: &[&str] = &[
    "Debug",
    "Display",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
];

/// What a type parameter must be for the impl to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Req {
    Send,
    Sync,
    /// A raw pointer to a `T`: it owns one (`Send`) or borrows one (`Sync`), which
    /// the syntax cannot tell apart; either bound is taken as the author's reading.
    Either,
    /// Nothing.
    None,
}

impl Req {
    pub(super) fn text(self, param: &str) -> String {
        match self {
            Req::Send => format!("`{param}: Send`"),
            Req::Sync => format!("`{param}: Sync`"),
            Req::Either | Req::None => format!("`{param}: Send` or `{param}: Sync`"),
        }
    }
}

pub(super) fn trait_of(req: Req) -> &'static str {
    match req {
        Req::Send => "Send",
        Req::Sync | Req::Either | Req::None => "Sync",
    }
}

/// The trait names an impl bounds its parameter `name` by: in its parameter list,
/// its `where` clause, and a `Send` or `Sync` bound on a type built of it
/// (`Inner<T>: Send`, `T::Item: Sync`), which counts as both.
pub(super) fn bound_names_of(imp: &ApiImpl, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (p, b) in &imp.params {
        if p == name {
            out.extend(bound_names(b));
        } else if mentions_word(p, name) {
            // `Inner<T>: Send`, `T::Item: Sync`: the author bounds what is built
            // of `T`, and that speaks for `T`.
            let names = bound_names(b);
            if names.iter().any(|n| n == "Send" || n == "Sync") {
                out.push("Send".to_string());
                out.push("Sync".to_string());
            }
        }
    }
    out
}

impl<'a> Index<'a> {
    /// Whether a bound by trait `name` gives `want` (`Send` or `Sync`): directly, or
    /// through the supertraits of the crate's trait of that name. A trait of another
    /// crate might; so might an `unsafe trait`, whose implementors promise what its
    /// documentation asks (a raw lock's thread-safety), which the syntax cannot read.
    pub(super) fn implies(
        &self,
        krate: CrateId,
        name: &str,
        want: &str,
        seen: &mut Vec<String>,
    ) -> bool {
        if name == want {
            return true;
        }
        if PLAIN_TRAITS.contains(&name) || name == "Send" || name == "Sync" {
            return false;
        }
        let Some(decls) = self.traits.get(&(krate, name)) else {
            return true;
        };
        if seen.iter().any(|s| s == name) {
            return false;
        }
        seen.push(name.to_string());
        decls.iter().any(|d| {
            d.is_unsafe
                || d.supertraits
                    .iter()
                    .any(|s| self.implies(krate, s, want, seen))
        })
    }

    /// Whether a parameter bounded by `bounds` meets `req`.
    pub(super) fn satisfies(&self, krate: CrateId, bounds: &[String], req: Req) -> bool {
        let has = |want: &str| {
            bounds
                .iter()
                .any(|b| self.implies(krate, b, want, &mut Vec::new()))
        };
        match req {
            Req::Send => has("Send"),
            Req::Sync => has("Sync"),
            Req::Either => has("Send") || has("Sync"),
            Req::None => true,
        }
    }

    /// Whether a trait object's trait is `Send` or a trait of the crate whose
    /// supertraits imply it; a trait of another crate is not looked into.
    pub(super) fn sends(&self, krate: CrateId, name: &str) -> bool {
        name == "Send"
            || (self.traits.contains_key(&(krate, name))
                && self.implies(krate, name, "Send", &mut Vec::new()))
    }
}
