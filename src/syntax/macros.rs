//! The file's own `macro_rules!` macros, expanded in the bodies that call them before
//! they are walked: `lock!(self.state)` that stands for `self.state.lock().unwrap()`,
//! or a macro that takes two locks and runs a block, is then walked as the code it
//! stands for.
//!
//! Only what the syntax settles is expanded: a macro defined once in the file (at
//! any module depth, not inside a function), invoked as a statement or an expression
//! in a body, whose rules have no repetitions, and whose first matching rule gives
//! tokens that parse. Fragments are matched with `syn`'s parsers (`$e:expr` is
//! whatever `syn` reads as an expression there). The tokens the macro itself writes
//! are given the invocation's position, so that what they do is reported where the
//! macro is called; the tokens passed in keep their own.
//!
//! A tree chooses its own macros, so expansion is bounded: an expansion that nests
//! deeper than [`MAX_DEPTH`] or writes more than [`MAX_TOKENS`] tokens is left
//! unexpanded, and so is every invocation once the file's expansions have written
//! [`MAX_FILE_TOKENS`] tokens in all.

use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::visit_mut::VisitMut;

/// Deepest nesting of expansions (a macro whose expansion calls a macro).
const MAX_DEPTH: usize = 8;
/// Most tokens one expansion may write.
const MAX_TOKENS: usize = 4096;
/// Most tokens all the expansions of one file may write.
const MAX_FILE_TOKENS: usize = 200_000;

/// One rule of a macro: what it matches and what it writes.
struct Rule {
    matcher: Vec<TokenTree>,
    body: TokenStream,
}

/// A macro of the file: its rules in order, or `None` when one of them cannot be
/// read (a repetition), so that no later rule is taken for an invocation it matched.
type Rules = Option<Vec<Rule>>;

/// Expands the file's own `macro_rules!` macros where its bodies call them.
pub fn expand_local_macros(file: &mut syn::File) {
    let mut defs: HashMap<String, (usize, Rules)> = HashMap::new();
    collect_defs(&file.items, &mut defs);
    let macros: HashMap<String, Vec<Rule>> = defs
        .into_iter()
        .filter_map(|(name, (count, rules))| Some((name, rules.filter(|_| count == 1)?)))
        .collect();
    if macros.is_empty() {
        return;
    }
    let mut x = Expander {
        macros: &macros,
        depth: 0,
        written: 0,
    };
    x.visit_file_mut(file);
}

/// The `macro_rules!` definitions among the items, in inline modules too, counted by
/// name (two definitions of one name, under two `cfg`s say, leave it unexpanded).
fn collect_defs(items: &[syn::Item], defs: &mut HashMap<String, (usize, Rules)>) {
    for item in items {
        match item {
            syn::Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                let Some(name) = &m.ident else { continue };
                let entry = defs
                    .entry(name.to_string())
                    .or_insert_with(|| (0, read_rules(m.mac.tokens.clone())));
                entry.0 += 1;
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_defs(items, defs);
                }
            }
            _ => {}
        }
    }
}

/// The rules of a `macro_rules!` body: `(matcher) => { body };` in turn.
fn read_rules(tokens: TokenStream) -> Rules {
    let mut rules = Vec::new();
    let mut it = tokens.into_iter().peekable();
    while let Some(tt) = it.next() {
        let TokenTree::Group(matcher) = tt else {
            return None;
        };
        let arrow = (it.next(), it.next());
        let (Some(TokenTree::Punct(eq)), Some(TokenTree::Punct(gt))) = arrow else {
            return None;
        };
        if eq.as_char() != '=' || gt.as_char() != '>' {
            return None;
        }
        let Some(TokenTree::Group(body)) = it.next() else {
            return None;
        };
        if it
            .peek()
            .is_some_and(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'))
        {
            it.next();
        }
        let matcher: Vec<TokenTree> = matcher.stream().into_iter().collect();
        if has_repetition(&matcher)
            || has_repetition(&body.stream().into_iter().collect::<Vec<_>>())
        {
            return None;
        }
        rules.push(Rule {
            matcher,
            body: body.stream(),
        });
    }
    Some(rules)
}

/// Whether a matcher or body uses `$( .. )` repetition, which is not expanded.
fn has_repetition(tokens: &[TokenTree]) -> bool {
    tokens.windows(2).any(|w| {
        matches!((&w[0], &w[1]), (TokenTree::Punct(p), TokenTree::Group(_)) if p.as_char() == '$')
    }) || tokens.iter().any(|t| match t {
        TokenTree::Group(g) => has_repetition(&g.stream().into_iter().collect::<Vec<_>>()),
        _ => false,
    })
}

struct Expander<'m> {
    macros: &'m HashMap<String, Vec<Rule>>,
    depth: usize,
    written: usize,
}

impl Expander<'_> {
    /// The tokens an invocation of one of the file's macros stands for.
    fn expansion(&mut self, mac: &syn::Macro) -> Option<TokenStream> {
        if self.depth >= MAX_DEPTH || self.written >= MAX_FILE_TOKENS {
            return None;
        }
        let name = mac.path.get_ident()?.to_string();
        let rules = self.macros.get(&name)?;
        let at = syn::spanned::Spanned::span(&mac.path);
        for rule in rules {
            let mut binds = HashMap::new();
            let matched = (|input: ParseStream<'_>| match_seq(&rule.matcher, input, &mut binds))
                .parse2(mac.tokens.clone());
            if matched.is_ok() {
                let binds: HashMap<String, (TokenStream, usize)> = binds
                    .into_iter()
                    .map(|(k, v)| {
                        let n = count_tokens(&v);
                        (k, (v, n))
                    })
                    .collect();
                let mut budget = MAX_TOKENS.min(MAX_FILE_TOKENS - self.written);
                let out = transcribe(rule.body.clone(), &binds, at, &mut budget)?;
                self.written += count_tokens(&out);
                return Some(out);
            }
        }
        None
    }

    fn expand_stmts(&mut self, mac: &syn::Macro) -> Option<Vec<syn::Stmt>> {
        let tokens = self.expansion(mac)?;
        let mut stmts = syn::Block::parse_within.parse2(tokens).ok()?;
        self.depth += 1;
        for s in &mut stmts {
            self.visit_stmt_mut(s);
        }
        self.depth -= 1;
        Some(stmts)
    }
}

impl VisitMut for Expander<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let calls_one = block.stmts.iter().any(|s| {
            matches!(s, syn::Stmt::Macro(m)
                if m.mac.path.get_ident().is_some_and(|i| self.macros.keys().any(|k| i == k)))
        });
        if !calls_one {
            for stmt in &mut block.stmts {
                self.visit_stmt_mut(stmt);
            }
            return;
        }
        let mut out = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            if let syn::Stmt::Macro(m) = &stmt {
                if let Some(stmts) = self.expand_stmts(&m.mac) {
                    // `m!(..)` in tail position without `;` is the block's value: its
                    // last statement stays without one, as it expanded.
                    out.extend(stmts);
                    continue;
                }
            }
            self.visit_stmt_mut(&mut stmt);
            out.push(stmt);
        }
        block.stmts = out;
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Macro(m) = e {
            let known = m
                .mac
                .path
                .get_ident()
                .is_some_and(|i| self.macros.keys().any(|k| i == k));
            if !known {
                return syn::visit_mut::visit_expr_mut(self, e);
            }
            let at = syn::spanned::Spanned::span(&m.mac.path);
            if let Some(tokens) = self.expansion(&m.mac) {
                let parsed = syn::Expr::parse_without_eager_brace
                    .parse2(tokens.clone())
                    .or_else(|_| {
                        syn::Block::parse_within.parse2(tokens).map(|stmts| {
                            syn::Expr::Block(syn::ExprBlock {
                                attrs: Vec::new(),
                                label: None,
                                block: syn::Block {
                                    brace_token: syn::token::Brace(at),
                                    stmts,
                                },
                            })
                        })
                    });
                if let Ok(mut new) = parsed {
                    self.depth += 1;
                    self.visit_expr_mut(&mut new);
                    self.depth -= 1;
                    *e = new;
                    return;
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    // Items inside bodies are walked as their own bodies; their macros expand too.
    // Macros in item position (a macro that writes functions) are left alone.
}

/// Matches an invocation's tokens against a rule's matcher, binding its fragments.
fn match_seq(
    matcher: &[TokenTree],
    input: ParseStream<'_>,
    binds: &mut HashMap<String, TokenStream>,
) -> syn::Result<()> {
    let mut i = 0;
    while i < matcher.len() {
        match &matcher[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => {
                // `$name:frag`
                let (
                    Some(TokenTree::Ident(name)),
                    Some(TokenTree::Punct(colon)),
                    Some(TokenTree::Ident(frag)),
                ) = (matcher.get(i + 1), matcher.get(i + 2), matcher.get(i + 3))
                else {
                    return Err(input.error("unsupported matcher"));
                };
                if colon.as_char() != ':' {
                    return Err(input.error("unsupported matcher"));
                }
                let tokens = fragment(&frag.to_string(), input)?;
                binds.insert(name.to_string(), tokens);
                i += 4;
            }
            TokenTree::Group(g) => {
                let got: TokenTree = input.parse()?;
                let TokenTree::Group(h) = got else {
                    return Err(input.error("expected a group"));
                };
                if h.delimiter() != g.delimiter() {
                    return Err(input.error("another delimiter"));
                }
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                (|s: ParseStream<'_>| match_seq(&inner, s, binds)).parse2(h.stream())?;
                i += 1;
            }
            want => {
                let got: TokenTree = input.parse()?;
                if !same_token(want, &got) {
                    return Err(input.error("another token"));
                }
                i += 1;
            }
        }
    }
    if input.is_empty() {
        Ok(())
    } else {
        Err(input.error("tokens left over"))
    }
}

/// Whether two plain tokens are the same (an identifier, a punctuation character, a
/// literal, by their text).
fn same_token(a: &TokenTree, b: &TokenTree) -> bool {
    match (a, b) {
        (TokenTree::Ident(x), TokenTree::Ident(y)) => x == y,
        (TokenTree::Punct(x), TokenTree::Punct(y)) => x.as_char() == y.as_char(),
        (TokenTree::Literal(x), TokenTree::Literal(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

/// Parses one fragment of the given kind, as the tokens it is transcribed as. An
/// expression is kept as one group, so that `$e.lock()` locks all of `$e`.
fn fragment(kind: &str, input: ParseStream<'_>) -> syn::Result<TokenStream> {
    use quote::ToTokens;
    Ok(match kind {
        "expr" => {
            let e: syn::Expr = input.parse()?;
            let simple = matches!(
                e,
                syn::Expr::Path(_)
                    | syn::Expr::Field(_)
                    | syn::Expr::Lit(_)
                    | syn::Expr::MethodCall(_)
                    | syn::Expr::Call(_)
            );
            if simple {
                e.into_token_stream()
            } else {
                let at = syn::spanned::Spanned::span(&e);
                let mut g = Group::new(Delimiter::Parenthesis, e.into_token_stream());
                g.set_span(at);
                TokenTree::Group(g).into()
            }
        }
        "ident" => syn::Ident::parse_any(input)?.into_token_stream(),
        "ty" => input.parse::<syn::Type>()?.into_token_stream(),
        "block" => input.parse::<syn::Block>()?.into_token_stream(),
        "pat" | "pat_param" => syn::Pat::parse_multi(input)?.into_token_stream(),
        "path" => input.parse::<syn::Path>()?.into_token_stream(),
        "literal" => input.parse::<syn::Lit>()?.into_token_stream(),
        "lifetime" => input.parse::<syn::Lifetime>()?.into_token_stream(),
        "tt" => input.parse::<TokenTree>()?.into(),
        "stmt" => input.parse::<syn::Stmt>()?.into_token_stream(),
        "item" => input.parse::<syn::Item>()?.into_token_stream(),
        "vis" => input.parse::<syn::Visibility>()?.into_token_stream(),
        "meta" => input.parse::<syn::Meta>()?.into_token_stream(),
        _ => return Err(input.error("unknown fragment")),
    })
}

/// A rule's body with its fragments put in, the macro's own tokens placed at `at`.
/// `None` when it names a fragment the matcher did not bind, or when it would write
/// more than `budget` tokens (each bound fragment counts its own).
fn transcribe(
    body: TokenStream,
    binds: &HashMap<String, (TokenStream, usize)>,
    at: Span,
    budget: &mut usize,
) -> Option<TokenStream> {
    let mut out = TokenStream::new();
    let mut it = body.into_iter().peekable();
    while let Some(tt) = it.next() {
        *budget = budget.checked_sub(1)?;
        match tt {
            TokenTree::Punct(p) if p.as_char() == '$' => match it.next() {
                Some(TokenTree::Ident(name)) if name == "crate" => {
                    out.extend([TokenTree::Ident(syn::Ident::new("crate", at))]);
                }
                Some(TokenTree::Ident(name)) => {
                    let (tokens, n) = binds.get(&name.to_string())?;
                    *budget = budget.checked_sub(*n)?;
                    out.extend(tokens.clone());
                }
                _ => return None,
            },
            TokenTree::Group(g) => {
                let inner = transcribe(g.stream(), binds, at, budget)?;
                let mut ng = Group::new(g.delimiter(), inner);
                ng.set_span(at);
                out.extend([TokenTree::Group(ng)]);
            }
            mut other => {
                other.set_span(at);
                out.extend([other]);
            }
        }
    }
    Some(out)
}

fn count_tokens(ts: &TokenStream) -> usize {
    ts.clone()
        .into_iter()
        .map(|t| match t {
            TokenTree::Group(g) => 1 + count_tokens(&g.stream()),
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn expand(src: &str) -> String {
        let mut f: syn::File = syn::parse_str(src).expect("test source parses");
        expand_local_macros(&mut f);
        f.into_token_stream().to_string()
    }

    #[test]
    fn an_expression_macro_is_its_expansion() {
        let out = expand(
            "macro_rules! lock { ($m:expr) => { $m.lock().unwrap() }; }
             fn f(s: &S) { let g = lock!(s.state); }",
        );
        assert!(out.contains("s . state . lock () . unwrap ()"), "{out}");
        assert!(!out.contains("lock ! (s . state)"), "{out}");
    }

    #[test]
    fn a_statement_macro_is_its_statements() {
        let out = expand(
            "macro_rules! both { ($a:expr, $b:expr, $body:block) => {
                 let _a = $a.lock().unwrap(); let _b = $b.lock().unwrap(); $body
             }; }
             fn f() { both!(x, y, {}); z(); }",
        );
        assert!(out.contains("let _a = x . lock () . unwrap () ;"), "{out}");
        assert!(out.contains("let _b = y . lock ()"), "{out}");
        assert!(out.contains("z ()"), "{out}");
    }

    #[test]
    fn the_first_matching_rule_is_taken() {
        let out = expand(
            "macro_rules! m { (read $e:expr) => { $e.read() }; ($e:expr) => { $e.write() }; }
             fn f() { let a = m!(read x); let b = m!(y); }",
        );
        assert!(
            out.contains("x . read ()") && out.contains("y . write ()"),
            "{out}"
        );
    }

    #[test]
    fn repetitions_and_unknown_macros_are_left_alone() {
        let out = expand(
            "macro_rules! all { ($($e:expr),*) => { $( $e.lock(); )* }; }
             fn f() { all!(a, b); other!(c); }",
        );
        assert!(
            out.contains("all ! (a , b)") && out.contains("other ! (c)"),
            "{out}"
        );
    }

    #[test]
    fn two_definitions_of_one_name_are_left_alone() {
        let out = expand(
            "macro_rules! m { ($e:expr) => { $e.lock() }; }
             mod inner { macro_rules! m { ($e:expr) => { $e.read() }; } }
             fn f() { m!(x); }",
        );
        assert!(out.contains("m ! (x)"), "{out}");
    }

    #[test]
    fn a_macro_that_calls_itself_stops() {
        let out = expand(
            "macro_rules! r { ($e:expr) => { r!($e) }; }
             fn f() { let v = r!(x); }",
        );
        assert!(out.contains("r ! (x)"), "{out}");
    }

    #[test]
    fn a_macro_that_doubles_stops_at_the_token_bound() {
        // Each level writes its argument twice: without the bounds this grows as
        // 2^depth; it must stop, leaving the deepest call unexpanded.
        let out = expand(
            "macro_rules! d { ($e:expr) => { d!(($e, $e)) }; }
             fn f() { let v = d!(x); }",
        );
        assert!(out.contains("d !"), "{out}");
        assert!(out.len() < 200_000, "{}", out.len());
    }

    #[test]
    fn a_body_that_repeats_its_argument_stops_at_the_token_bound() {
        let arg = "x + ".repeat(500) + "x";
        let body = "$e ".repeat(200);
        let src = format!(
            "macro_rules! w {{ ($e:expr) => {{ ({body}) }}; }}\nfn f() {{ let v = w!({arg}); }}"
        );
        let out = expand(&src);
        assert!(out.contains("w !"), "left unexpanded");
    }

    #[test]
    fn the_macros_own_tokens_are_at_the_invocation() {
        let src = "macro_rules! lock { ($m:expr) => { $m.lock().unwrap() }; }\nfn f(s: &S) {\n    let g = lock!(s);\n}";
        let mut f: syn::File = syn::parse_str(src).expect("test source parses");
        expand_local_macros(&mut f);
        let syn::Item::Fn(func) = &f.items[1] else {
            panic!("the second item is the function");
        };
        let syn::Stmt::Local(local) = &func.block.stmts[0] else {
            panic!("a let");
        };
        let init = local.init.as_ref().expect("an initialiser");
        let syn::Expr::MethodCall(unwrap) = &*init.expr else {
            panic!("unwrap(): {}", init.expr.to_token_stream());
        };
        assert_eq!(unwrap.method.span().start().line, 3);
    }
}
