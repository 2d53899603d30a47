//! The annotated function, parsed only as far as needed: outer attributes, visibility and
//! signature are parsed; the body stays a token stream (so a half-typed body still expands)
//! and keeps its brace span. Also decides how the function is scoped (`FnKind`).

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{
    Attribute, Block, Error, Expr, ExprAsync, GenericArgument, PathArguments, ReturnType,
    Signature, Stmt, Token, Type, TypeInfer, TypeParamBound, Visibility,
};

use crate::args::Entry;
use crate::unraw;

/// A function item with its body kept as tokens.
pub(crate) struct ItemFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The body's leading `#![..]` attributes, hoisted in front of the generated prelude.
    pub(crate) inner_attrs: TokenStream,
    /// The body's statements.
    pub(crate) stmts: TokenStream,
    /// The span of the body's braces.
    pub(crate) brace: Span,
}

/// How the function runs, hence how the fork is entered.
pub(crate) enum FnKind {
    /// A plain function: a guard for the duration of the call.
    Sync,
    /// An `async fn`: the body becomes a `ScopeFuture`, forked at first poll.
    Async,
    /// A function whose whole body is `async move { .. }` or `Box::pin(async move { .. })`
    /// (what `#[async_trait]` produces): the block is rewritten, forked at first poll.
    Tail(Box<Tail>),
    /// Another function returning a future, statements before an async tail included: the
    /// body runs in the fork (so its writes and early returns are covered), and the returned
    /// future is bound to the same fork at call time.
    Returns { boxed: bool },
}

/// A body that is only an async block, possibly boxed.
pub(crate) struct Tail {
    /// The call around the async block (`Box::pin`), if any.
    pub(crate) wrapper: Option<Expr>,
    pub(crate) block: ExprAsync,
}

/// Parses `item` as a function with a body; anything else is an error at the offending token.
pub(crate) fn parse(item: TokenStream, entry: Entry) -> syn::Result<ItemFn> {
    let parser = |input: ParseStream| {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if !looks_like_fn(input) {
            return Err(input.error(format!(
                "`{}` can only be applied to functions",
                entry.name()
            )));
        }
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            let semi: Token![;] = input.parse()?;
            return Err(Error::new(
                semi.span,
                format!(
                    "`{}` needs a function body, not a declaration (for a trait method, put it on the `impl`)",
                    entry.name()
                ),
            ));
        }
        let body: Group = input.parse::<TokenTree>().and_then(|tt| match tt {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => Ok(g),
            other => Err(Error::new(other.span(), "expected the function body")),
        })?;
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function body"));
        }
        let (inner_attrs, stmts) = split_inner_attrs(body.stream());
        Ok(ItemFn {
            attrs,
            vis,
            sig,
            inner_attrs,
            stmts,
            brace: body.span(),
        })
    };
    parser.parse2(item)
}

/// `const`/`async`/`unsafe`/`extern "abi"` qualifiers followed by `fn`.
fn looks_like_fn(input: ParseStream) -> bool {
    let fork = input.fork();
    let _ = fork.parse::<Option<Token![const]>>();
    let _ = fork.parse::<Option<Token![async]>>();
    let _ = fork.parse::<Option<Token![unsafe]>>();
    let _ = fork.parse::<Option<Token![safe]>>();
    let _ = fork.parse::<Option<syn::Abi>>();
    fork.peek(Token![fn])
}

/// Splits leading `#![..]` attributes (and `//!` comments) off a body.
fn split_inner_attrs(body: TokenStream) -> (TokenStream, TokenStream) {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut end = 0;
    while let [
        TokenTree::Punct(hash),
        TokenTree::Punct(bang),
        TokenTree::Group(g),
        ..,
    ] = &tokens[end..]
        && hash.as_char() == '#'
        && bang.as_char() == '!'
        && g.delimiter() == Delimiter::Bracket
    {
        end += 3;
    }
    let (inner, rest) = tokens.split_at(end);
    (
        inner.iter().cloned().collect(),
        rest.iter().cloned().collect(),
    )
}

impl ItemFn {
    /// Decides how the function is scoped (`macros.md` sections 4 to 6).
    pub(crate) fn kind(&self) -> FnKind {
        if self.sig.asyncness.is_some() {
            return FnKind::Async;
        }
        if let Some(kind) = self.async_tail() {
            return kind;
        }
        match &self.sig.output {
            ReturnType::Type(_, ty) => match future_type(ty) {
                Some(boxed) => FnKind::Returns { boxed },
                None => FnKind::Sync,
            },
            ReturnType::Default => FnKind::Sync,
        }
    }

    fn async_tail(&self) -> Option<FnKind> {
        let mut stmts = Block::parse_within.parse2(self.stmts.clone()).ok()?;
        let Some(Stmt::Expr(_, None)) = stmts.last() else {
            return None;
        };
        let Some(Stmt::Expr(tail, None)) = stmts.pop() else {
            return None;
        };
        let (wrapper, block) = match tail {
            Expr::Async(block) => (None, block),
            Expr::Call(mut call) => {
                let is_pin = matches!(&*call.func, Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| unraw::is(&s.ident, "pin")));
                if !is_pin || call.args.len() != 1 {
                    return None;
                }
                let Some(Expr::Async(block)) = call.args.pop() else {
                    return None;
                };
                (Some(*call.func), block)
            }
            _ => return None,
        };
        if !stmts.is_empty() {
            // Statements run at the call: they need the fork then, and one of them may
            // `return` another future, which must run in the fork too.
            let declared = match &self.sig.output {
                ReturnType::Type(_, ty) => future_type(ty),
                ReturnType::Default => None,
            };
            let boxed = declared.unwrap_or(wrapper.is_some());
            return Some(FnKind::Returns { boxed });
        }
        Some(FnKind::Tail(Box::new(Tail { wrapper, block })))
    }

    /// The body's statements in a block with the user's brace location and call-site
    /// hygiene, so lints such as `unused_braces` treat the braces as generated.
    pub(crate) fn user_block(&self) -> Group {
        let mut group = Group::new(Delimiter::Brace, self.stmts.clone());
        group.set_span(Span::call_site().located_at(self.brace));
        group
    }
}

/// `Some(boxed)` when `ty` is syntactically a future: `impl Future<..>` (not boxed), or
/// `Pin<Box<dyn Future<..>>>`, `BoxFuture<..>`, `LocalBoxFuture<..>` (boxed).
fn future_type(ty: &Type) -> Option<bool> {
    let is_future_bound = |b: &TypeParamBound| {
        matches!(b, TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|s| unraw::is(&s.ident, "Future")))
    };
    match ty {
        Type::ImplTrait(t) if t.bounds.iter().any(is_future_bound) => Some(false),
        Type::Group(g) => future_type(&g.elem),
        Type::Paren(p) => future_type(&p.elem),
        Type::Path(p) => {
            let last = p.path.segments.last()?;
            if unraw::is(&last.ident, "BoxFuture") || unraw::is(&last.ident, "LocalBoxFuture") {
                return Some(true);
            }
            let boxed_dyn_future = |arg: &GenericArgument| {
                let GenericArgument::Type(Type::Path(b)) = arg else {
                    return false;
                };
                let Some(seg) = b
                    .path
                    .segments
                    .last()
                    .filter(|s| unraw::is(&s.ident, "Box"))
                else {
                    return false;
                };
                let PathArguments::AngleBracketed(args) = &seg.arguments else {
                    return false;
                };
                args.args.iter().any(|a| {
                    matches!(a, GenericArgument::Type(Type::TraitObject(t))
                        if t.bounds.iter().any(is_future_bound))
                })
            };
            match &last.arguments {
                PathArguments::AngleBracketed(args) if unraw::is(&last.ident, "Pin") => {
                    args.args.iter().any(boxed_dyn_future).then_some(true)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `ty` with every `impl Trait` replaced by `_`, for closure return types and the fake return
/// edge, where `impl Trait` is not allowed.
pub(crate) fn erase_impl_trait(ty: &Type) -> Type {
    let mut ty = ty.clone();
    erase(&mut ty);
    ty
}

fn erase(ty: &mut Type) {
    match ty {
        Type::ImplTrait(t) => {
            let span = t.impl_token.span;
            *ty = Type::Infer(TypeInfer {
                attrs: Vec::new(),
                underscore_token: Token![_](span),
            });
        }
        Type::Array(a) => erase(&mut a.elem),
        Type::Group(g) => erase(&mut g.elem),
        Type::Paren(p) => erase(&mut p.elem),
        Type::Ptr(p) => erase(&mut p.elem),
        Type::Reference(r) => erase(&mut r.elem),
        Type::Slice(s) => erase(&mut s.elem),
        Type::Tuple(t) => t.elems.iter_mut().for_each(erase),
        Type::Path(p) => {
            for seg in &mut p.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut seg.arguments {
                    for arg in &mut args.args {
                        if let GenericArgument::Type(t) = arg {
                            erase(t);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// The span of the return type, or of the signature's closing paren when there is none.
pub(crate) fn return_span(sig: &Signature) -> Span {
    match &sig.output {
        ReturnType::Type(_, ty) => syn::spanned::Spanned::span(&**ty),
        ReturnType::Default => sig.paren_token.span.close(),
    }
}
