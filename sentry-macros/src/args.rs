//! The argument grammar of `macros.md` section 1, parsed into a small AST.
//!
//! Arguments are parsed one at a time from a fork of the stream. A failing argument records its
//! error and the parser skips to the next top-level comma, so one build reports every broken
//! argument of an attribute. Nothing here checks types: values stay expressions, to be checked
//! by rustc against the `__private` trait bounds.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Error, Expr, Ident, LitStr, Path, Result, Token, bracketed, parenthesized};

use crate::kv;
use crate::level::parse_level;
use crate::span_arg::{self, SpanArgs};
use crate::unraw;
use crate::valid::{Errors, unknown};

/// Which macro is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    WithScope,
    IsolationScope,
    Bang,
}

impl Entry {
    /// The macro as users write it, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Entry::WithScope => "#[with_scope]",
            Entry::IsolationScope => "#[isolation_scope]",
            Entry::Bang => "scope!",
        }
    }

    fn arguments(self) -> &'static [&'static str] {
        const ALL: &[&str] = &[
            "tag",
            "tags",
            "extra",
            "level",
            "user",
            "context",
            "fingerprint",
            "transaction",
            "span",
            "err",
            "crate",
        ];
        const BANG: &[&str] = &[
            "tag",
            "tags",
            "extra",
            "level",
            "user",
            "context",
            "fingerprint",
            "transaction",
            "crate",
        ];
        if self == Entry::Bang { BANG } else { ALL }
    }
}

/// A tag, extra or context key: a string literal or a dotted identifier (`http.method`).
pub(crate) struct Key {
    pub(crate) text: String,
    pub(crate) tokens: TokenStream,
    pub(crate) span: Span,
}

/// How a value is recorded: through its type's trait (`TagValue`/`ExtraValue`), or as text.
#[derive(Clone, Copy)]
pub(crate) enum Mode {
    Plain,
    Display,
    Debug,
}

/// A value expression with its optional `%` / `?` sigil.
pub(crate) struct Value {
    pub(crate) mode: Mode,
    pub(crate) expr: Expr,
}

/// `key = value`.
pub(crate) struct Kv {
    pub(crate) key: Key,
    pub(crate) value: Value,
}

/// A level: one of the five names (from an identifier or a string), or an expression (a path
/// with `::`, or `{ expr }`) that rustc type-checks.
pub(crate) enum Level {
    Named(Ident),
    Expr(Expr),
}

/// One piece of scope data.
pub(crate) enum Item {
    Tag(Kv),
    Extra(Kv),
    Level(Level),
    User(Vec<(Ident, Value)>),
    Context {
        name: LitStr,
        entries: Vec<Kv>,
    },
    Fingerprint(Vec<Expr>),
    Transaction(Expr),
    /// `span(..)`: attributes only; started with the fork, active in it.
    Span(SpanArgs),
}

/// `err(Display)` / `err(Debug)`: the error is recorded as a message in that format.
#[derive(Clone, Copy)]
pub(crate) enum ErrFormat {
    Display,
    Debug,
}

/// `err` / `err(level = .., Display | Debug)`.
pub(crate) struct ErrArgs {
    pub(crate) kw: Ident,
    pub(crate) level: Option<Level>,
    pub(crate) format: Option<ErrFormat>,
}

/// What one argument holds.
pub(crate) enum ArgKind {
    Items(Vec<Item>),
    Err(ErrArgs),
    Crate(Path),
}

/// One top-level argument and the keyword that introduced it.
pub(crate) struct Arg {
    pub(crate) kw: Ident,
    pub(crate) kind: ArgKind,
}

/// Parses a comma-separated argument list: each argument, or its error, in source order.
pub(crate) fn parse(tokens: TokenStream, entry: Entry) -> Vec<Result<Arg>> {
    let parser = |input: ParseStream| Ok(parse_list(input, entry));
    parser.parse2(tokens).unwrap_or_default()
}

/// The list parser itself, also used after `isolation:` by `scope!`. A failed argument is
/// skipped up to the next top-level comma, so the ones after it are still checked.
pub(crate) fn parse_list(input: ParseStream, entry: Entry) -> Vec<Result<Arg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        let fork = input.fork();
        let arg = parse_arg(&fork, entry);
        let ok = arg.is_ok();
        args.push(arg);
        if ok {
            input.advance_to(&fork);
            if input.is_empty() {
                break;
            }
            if let Err(e) = input.parse::<Token![,]>() {
                args.push(Err(e));
            } else {
                continue;
            }
        }
        skip_past_comma(input);
    }
    args
}

/// Skips to just after the next top-level comma (or to the end).
pub(crate) fn skip_past_comma(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            rest = next;
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
        }
        Ok(((), rest))
    });
}

fn parse_arg(input: ParseStream, entry: Entry) -> Result<Arg> {
    let kw = input.call(Ident::parse_any)?;
    let name = unraw::name(&kw);
    let kind = match name.as_str() {
        "tag" => ArgKind::Items(vec![Item::Tag(kv::parse_tag(input, &kw)?)]),
        "tags" | "extra" => {
            let kvs = kv::parse_kvs(input, &kw)?;
            let make = if name == "tags" {
                Item::Tag
            } else {
                Item::Extra
            };
            ArgKind::Items(kvs.into_iter().map(make).collect())
        }
        "level" => {
            kv::equals(input, &kw, "`level = Warning`")?;
            ArgKind::Items(vec![Item::Level(parse_level(input)?)])
        }
        "user" => ArgKind::Items(vec![Item::User(kv::parse_user(input, &kw)?)]),
        "context" => ArgKind::Items(vec![kv::parse_context(input, &kw)?]),
        "fingerprint" => {
            kv::equals(input, &kw, "`fingerprint = [\"{{ default }}\", code]`")?;
            if !input.peek(syn::token::Bracket) {
                let found: Expr = input.parse()?;
                return Err(Error::new_spanned(
                    found,
                    "`fingerprint` expects an array literal, e.g. `fingerprint = [\"{{ default }}\", code]`",
                ));
            }
            let content;
            bracketed!(content in input);
            let parts = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
            ArgKind::Items(vec![Item::Fingerprint(parts.into_iter().collect())])
        }
        "transaction" => {
            kv::equals(input, &kw, "`transaction = \"GET /orders\"`")?;
            ArgKind::Items(vec![Item::Transaction(input.parse()?)])
        }
        "span" if entry != Entry::Bang => {
            ArgKind::Items(vec![Item::Span(span_arg::parse(input, &kw)?)])
        }
        "err" if entry != Entry::Bang => ArgKind::Err(parse_err(input, kw.clone())?),
        "err" => {
            return Err(Error::new(
                kw.span(),
                "`err` is only meaningful on `#[with_scope]` / `#[isolation_scope]`",
            ));
        }
        "span" => {
            return Err(Error::new(
                kw.span(),
                "`span` is only meaningful on `#[with_scope]` / `#[isolation_scope]`; in a \
                 function body, start one with `start_span(op, name)` and `enter` it",
            ));
        }
        "crate" => {
            kv::equals(input, &kw, "`crate = path`")?;
            if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                return Err(Error::new(
                    lit.span(),
                    "`crate` expects a path, not a string: e.g. `crate = ::my_sentry`",
                ));
            }
            ArgKind::Crate(input.call(Path::parse_mod_style)?)
        }
        _ => return Err(unknown("argument", &kw, &name, entry.arguments(), ": ")),
    };
    Ok(Arg { kw, kind })
}

fn parse_err(input: ParseStream, kw: Ident) -> Result<ErrArgs> {
    let mut args = ErrArgs {
        kw,
        level: None,
        format: None,
    };
    if !input.peek(syn::token::Paren) {
        return Ok(args);
    }
    let content;
    parenthesized!(content in input);
    let mut errors = Errors::default();
    while !content.is_empty() {
        let name = content.call(Ident::parse_any)?;
        let format = match unraw::name(&name).as_str() {
            "level" => {
                kv::equals(&content, &name, "`err(level = Warning)`")?;
                let level = parse_level(&content)?;
                if args.level.replace(level).is_some() {
                    errors.push(Error::new(
                        name.span(),
                        "duplicate `level` argument in `err`",
                    ));
                }
                None
            }
            "Display" => Some(ErrFormat::Display),
            "Debug" => Some(ErrFormat::Debug),
            other => {
                let valid = ["level", "Display", "Debug"];
                errors.push(unknown("`err` argument", &name, other, &valid, " "));
                skip_past_comma(&content);
                continue;
            }
        };
        if let Some(format) = format
            && args.format.replace(format).is_some()
        {
            errors.push(Error::new(
                name.span(),
                "`err` takes one format: `Display` or `Debug`",
            ));
        }
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    errors.finish()?;
    Ok(args)
}
