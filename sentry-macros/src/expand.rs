//! Code generation: the value prelude and fork shared by every form, the sync and `async fn`
//! expansions, and the `err` capture (`macros.md` sections 4, 5 and 7).
//!
//! Generated locals are `mixed_site` identifiers, invisible to user code. Code that can fail
//! type checking is spanned at the user token that caused it (a value expression, the `err`
//! keyword, the return type), so rustc reports errors there.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{LitStr, ReturnType};

use crate::args::{self, Entry, ErrArgs, ErrFormat, Item, Level, Mode, Value};
use crate::future_tail;
use crate::item::{self, FnKind, ItemFn};
use crate::paths::Private;
use crate::span_arg;
use crate::unraw;
use crate::valid::{self, Args, Errors};

/// A generated local: `mixed_site`, so user code can neither see nor shadow it.
pub(crate) fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// Entry point of both attributes: parse, validate, expand; on any error, the errors followed
/// by the item exactly as written (no cascade of "cannot find function" errors).
pub(crate) fn attribute(entry: Entry, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let parsed = args::parse(args, entry);
    let args = valid::validate(parsed, &mut errors);
    let func = item::parse(item.clone(), entry)
        .map_err(|e| errors.push(e))
        .ok();
    let kind = func.as_ref().map(ItemFn::kind);
    if let (Some(func), Some(kind)) = (&func, &kind) {
        valid::check_fn(&args, func, kind, entry, &mut errors);
    }
    let p = Private::new(args.krate.as_ref())
        .map_err(|e| errors.push(e))
        .ok();
    match (errors.finish(), func, kind, p) {
        (Ok(()), Some(func), Some(kind), Some(p)) => expand_fn(&p, entry, &args, &func, kind),
        (Err(e), ..) => {
            let mut out = e.to_compile_error();
            out.extend(item);
            out
        }
        _ => item,
    }
}

/// Value conversions (`let __vN = ..;`, in source order) and the writes that apply them.
pub(crate) struct Prepared {
    pub(crate) lets: TokenStream,
    pub(crate) applies: Vec<TokenStream>,
    /// The `op` and `name` of `span(..)` (`None`: the default), if the item is there.
    pub(crate) span: Option<[Option<TokenStream>; 2]>,
}

#[derive(Clone, Copy)]
enum Conv {
    Tag,
    User,
    Extra,
}

/// `&(expr)` through the conversion of `conv`, spanned at the expression so that a type error
/// lands on it.
fn convert(p: &Private, value: &Value, conv: Conv) -> TokenStream {
    let expr = &value.expr;
    let span = expr.span();
    let p = p.at(span);
    let func = match conv {
        Conv::Tag => Ident::new("tag_value", span),
        Conv::User => Ident::new("user_value", span),
        Conv::Extra => Ident::new("extra_value", span),
    };
    match value.mode {
        Mode::Plain => quote_spanned!(span=> #p::#func(&(#expr))),
        Mode::Display => quote_spanned!(span=> #p::#func(&#p::display(&(#expr)))),
        Mode::Debug => quote_spanned!(span=> #p::#func(&#p::debug(&(#expr)))),
    }
}

fn level_tokens(p: &Private, level: &Level) -> TokenStream {
    match level {
        Level::Named(name) => quote!(#p::Level::#name),
        Level::Expr(expr) => {
            let span = expr.span();
            let p = p.at(span);
            quote_spanned!(span=> #p::level(&(#expr)))
        }
    }
}

/// How the writes take the prepared values.
#[derive(Clone, Copy)]
pub(crate) enum Apply {
    /// Moved: a fork applies its items once.
    Move,
    /// Cloned (reference counts): `scope!`'s update may run more than once.
    Clone,
}

/// Converts every value once, before anything else, and prepares the writes against the
/// `&mut ScopeData` named `target`: one per item, except that all tags go in one write (at
/// the place of the first), which builds the tag map's new overlay once.
pub(crate) fn prepare(p: &Private, items: &[Item], target: &Ident, how: Apply) -> Prepared {
    let mut lets = TokenStream::new();
    let mut applies = Vec::new();
    let mut tags = Vec::new();
    let mut tags_at = None;
    let mut span = None;
    for (n, item) in items.iter().enumerate() {
        let v = format_ident!("__v{}", n, span = Span::mixed_site());
        let arg = match how {
            Apply::Move => quote!(#v),
            Apply::Clone => quote!(#p::Clone::clone(&#v)),
        };
        let (value, apply) = match item {
            Item::Tag(kv) => {
                let key = static_key(p, &LitStr::new(&kv.key.text, kv.key.span));
                let value = convert(p, &kv.value, Conv::Tag);
                lets.extend(quote!(let #v = #value;));
                tags.push(quote!((#key, #arg)));
                tags_at.get_or_insert(applies.len());
                continue;
            }
            Item::Extra(kv) => {
                let key = static_key(p, &LitStr::new(&kv.key.text, kv.key.span));
                let value = convert(p, &kv.value, Conv::Extra);
                (Some(value), quote!(#p::set_extra(#target, #key, #arg);))
            }
            Item::Level(Level::Named(name)) => {
                (None, quote!(#p::set_level(#target, #p::Level::#name);))
            }
            Item::Level(level) => (
                Some(level_tokens(p, level)),
                quote!(#p::set_level(#target, #v);),
            ),
            Item::User(fields) => {
                let fields = fields.iter().map(|(field, value)| {
                    let method = Ident::new(&unraw::name(field), field.span());
                    let value = convert(p, value, Conv::User);
                    quote!(.#method(#value))
                });
                (
                    Some(quote!(#p::UserValue::new() #(#fields)*)),
                    quote!(#p::set_user(#target, #arg);),
                )
            }
            Item::Context { name, entries } => {
                let entries = entries.iter().map(|kv| {
                    let key = LitStr::new(&kv.key.text, kv.key.span);
                    let value = convert(p, &kv.value, Conv::Extra);
                    quote!((#key, #value))
                });
                let name = static_key(p, name);
                (
                    Some(quote!(#p::context([#(#entries),*]))),
                    quote!(#p::set_context(#target, #name, #arg);),
                )
            }
            Item::Fingerprint(parts) => {
                let parts = parts.iter().map(|part| {
                    let (span, p) = (part.span(), p.at(part.span()));
                    quote_spanned!(span=> #p::fingerprint_part(&(#part)))
                });
                (
                    Some(quote!(#p::fingerprint([#(#parts),*]))),
                    quote!(#p::set_fingerprint(#target, #arg);),
                )
            }
            Item::Transaction(expr) => (
                Some({
                    let (span, p) = (expr.span(), p.at(expr.span()));
                    quote_spanned!(span=> #p::transaction_name(&(#expr)))
                }),
                quote!(#p::set_transaction(#target, #arg);),
            ),
            Item::Span(args) => {
                let (values, start) = span_arg::values(p, args, n);
                lets.extend(values);
                span = Some(start);
                continue;
            }
        };
        if let Some(value) = value {
            lets.extend(quote!(let #v = #value;));
        }
        applies.push(apply);
    }
    if let Some(at) = tags_at {
        applies.insert(at, quote!(#p::set_tags(#target, [#(#tags),*]);));
    }
    Prepared {
        lets,
        applies,
        span,
    }
}

/// The values, then the span of `span(..)` (`__s`), then the fork with every item written to
/// its target and the span active in it: `__fork` (and `__s`) are in scope afterwards.
pub(crate) fn fork_prelude(p: &Private, entry: Entry, args: &Args, func: &ItemFn) -> TokenStream {
    let (fork, target, s) = (local("__fork"), local("__t"), local("__s"));
    let fork_fn = match entry {
        Entry::IsolationScope => quote!(fork_isolation),
        Entry::WithScope | Entry::Bang => quote!(fork_current),
    };
    let Prepared {
        lets,
        applies,
        span,
    } = prepare(p, &args.items, &target, Apply::Move);
    let start = span.map(|span| span_arg::start(p, span, &func.sig.ident, &s));
    if applies.is_empty() && start.is_none() {
        return quote!(let #fork = #p::#fork_fn(););
    }
    let writes = (!applies.is_empty()).then(|| {
        quote! {
            {
                let #target = #fork.target();
                #(#applies)*
            }
        }
    });
    let set_span = start.as_ref().map(|_| quote!(#fork.set_span(&#s);));
    quote! {
        #lets
        #start
        let mut #fork = #p::#fork_fn();
        #writes
        #set_span
    }
}

/// Captures the error bound to `e` (a `&E`) inside the fork, spanned at `err` so that an `E`
/// without the traits the capture needs is reported there.
pub(crate) fn capture_err(p: &Private, err: &ErrArgs, e: &Ident) -> TokenStream {
    let span = err.kw.span();
    let level = err
        .level
        .as_ref()
        .map_or_else(|| quote!(#p::Level::Error), |l| level_tokens(p, l));
    let p = p.at(span);
    match err.format {
        Some(ErrFormat::Display) => {
            quote_spanned!(span=> #p::capture_display(#p::display_error(#e), #level))
        }
        Some(ErrFormat::Debug) => {
            quote_spanned!(span=> #p::capture_debug(#p::debug_error(#e), #level))
        }
        // Exception or message, chosen by the error's type (deref specialisation).
        None => quote_spanned!(span=> #p::err_ref(#e).__capture(#level)),
    }
}

/// A generated local located at `span`: same hygiene as [`local`], but an error about the value
/// it holds is reported at `span`.
/// A reference to a `static` key at the call site, so that the shared string for `key` is
/// made once, not by every fork.
fn static_key(p: &Private, key: &LitStr) -> TokenStream {
    let name = local("__KEY");
    quote!({
        static #name: #p::Key = #p::Key::new(#key);
        &#name
    })
}

fn local_at(name: &str, span: Span) -> Ident {
    Ident::new(name, Span::mixed_site().located_at(span))
}

/// `if let Some(e) = err_of(result) { capture }`, spanned at `err`: `err_of` is where a
/// function that does not return a `Result` is reported, once. `result` is a `&` to the output
/// when `by_ref` is false, the output itself otherwise. With `span(..)`, the `FnSpan` named
/// `span_local` is ended as failed first.
fn capture_if_err(
    p: &Private,
    err: &ErrArgs,
    result: &str,
    by_ref: bool,
    span_local: Option<&Ident>,
) -> TokenStream {
    let span = err.kw.span();
    let e = local_at("__e", span);
    let result = local_at(result, span);
    let result = if by_ref {
        quote_spanned!(span=> &#result)
    } else {
        quote!(#result)
    };
    let capture = capture_err(p, err, &e);
    let failed = span_local.map(|s| quote!(#s.failed();));
    let p = p.at(span);
    quote_spanned!(span=> if let #p::Some(#e) = #p::err_of(#result) { #failed #capture; })
}

/// `let fut = OnErr::new(fut, |output| capture if Err)`, spanned at `err`: the async form of
/// `err`.
fn on_err(p: &Private, err: &ErrArgs, fut: &Ident) -> TokenStream {
    let span = err.kw.span();
    let output = local_at("__output", span);
    let check = capture_if_err(p, err, "__output", false, None);
    let p = p.at(span);
    quote_spanned!(span=> let #fut = #p::OnErr::new(#fut, |#output| #check);)
}

/// What wraps the body's future before it is bound to the fork: with `span(..)`, a
/// `SpanFuture` that finishes `__s` when the future completes or is dropped (and whose check
/// is the `err` capture); else `OnErr` for `err`; else nothing.
pub(crate) fn wrap_future(p: &Private, args: &Args, fut: &Ident) -> TokenStream {
    if !args.has_span() {
        return args
            .err
            .as_ref()
            .map(|err| on_err(p, err, fut))
            .unwrap_or_default();
    }
    let s = local("__s");
    let check = args.err.as_ref().map_or_else(
        || quote!(#p::no_err),
        |err| {
            let span = err.kw.span();
            let (output, failed) = (local_at("__output", span), local_at("__span", span));
            let check = capture_if_err(p, err, "__output", false, Some(&failed));
            quote_spanned!(span=> |#output, #failed| #check)
        },
    );
    quote!(let #fut = #p::span_future(#fut, #s, #check);)
}

/// `-> T` for a closure holding the body (`impl Trait` erased to `_`).
pub(crate) fn closure_return(func: &ItemFn) -> TokenStream {
    match &func.sig.output {
        ReturnType::Type(arrow, ty) => {
            let ty = item::erase_impl_trait(ty);
            quote!(#arrow #ty)
        }
        ReturnType::Default => TokenStream::new(),
    }
}

/// Rebuilds the function around `body`: the user's attributes, visibility, signature and
/// brace span, with the body's inner attributes hoisted first.
pub(crate) fn rebuild(func: &ItemFn, body: TokenStream) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        inner_attrs,
        ..
    } = func;
    let mut block = Group::new(Delimiter::Brace, quote!(#inner_attrs #body));
    block.set_span(func.brace);
    quote!(#(#attrs)* #vis #sig #block)
}

fn expand_fn(p: &Private, entry: Entry, args: &Args, func: &ItemFn, kind: FnKind) -> TokenStream {
    let prelude = fork_prelude(p, entry, args, func);
    let body = match kind {
        FnKind::Sync => sync_body(p, args, func, prelude),
        FnKind::Async => async_body(p, args, func, prelude),
        FnKind::Tail(tail) => future_tail::tail_body(p, args, prelude, &tail),
        FnKind::Returns { boxed } => future_tail::returns_body(p, args, func, prelude, boxed),
    };
    rebuild(func, body)
}

/// Sync: a guard restores the previous scopes on return, `?` and panic. No closure unless
/// `err` needs the result, so `#[track_caller]` keeps working.
fn sync_body(p: &Private, args: &Args, func: &ItemFn, prelude: TokenStream) -> TokenStream {
    let (fork, guard, r) = (local("__fork"), local("__guard"), local("__r"));
    let block = func.user_block();
    let Some(err) = &args.err else {
        return quote! {
            #prelude
            let #guard = #fork.enter();
            #block
        };
    };
    let ret = closure_return(func);
    let s = args.has_span().then(|| local("__s"));
    let check = capture_if_err(p, err, "__r", true, s.as_ref());
    quote! {
        #prelude
        let #guard = #fork.enter();
        let #r = #p::call_once(move || #ret #block);
        #check
        return #r;
    }
}

/// `if let Some(__ret) = None::<T> { return __ret; }`: gives the async block its return type
/// before the body, so a body type error is reported on the user's expression with "return
/// type inferred to be `T` here" at `-> T`.
pub(crate) fn fake_return(p: &Private, func: &ItemFn) -> TokenStream {
    let ret_span = item::return_span(&func.sig);
    let ret = local("__ret");
    let ret = Ident::new("__ret", ret.span().located_at(ret_span));
    let ty = match &func.sig.output {
        ReturnType::Type(_, ty) => {
            let ty = item::erase_impl_trait(ty);
            quote!(#ty)
        }
        ReturnType::Default => quote_spanned!(ret_span=> ()),
    };
    quote! {
        if let #p::Some(#ret) = #p::None::<#ty> {
            return #ret;
        }
    }
}

/// `async fn`: the body becomes an inner `async move` block bound to the fork, polled inside
/// it on every poll; the signature stays `async fn`.
fn async_body(p: &Private, args: &Args, func: &ItemFn, prelude: TokenStream) -> TokenStream {
    let (fork, fut) = (local("__fork"), local("__fut"));
    let fake = fake_return(p, func);
    let block = func.user_block();
    let wrap = wrap_future(p, args, &fut);
    // The prelude's locals end with the inner block, so they are not kept in the future's
    // state across the `.await`.
    quote! {
        let #fut = {
            #prelude
            let #fut = async move {
                #fake
                #block
            };
            #wrap
            #fork.run(#fut)
        };
        return #fut.await;
    }
}
