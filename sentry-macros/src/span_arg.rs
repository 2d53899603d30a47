//! The `span` argument of the attributes: `span`, or `span(op = .., name = ..)`.
//!
//! ```text
//! span     := 'span' ( '(' setting (',' setting)* ','? ')' )?
//! setting  := ('op' | 'name') '=' expr        # a string literal or an `AsRef<str>` expression
//! ```
//!
//! `op` defaults to `"function"` (Sentry's operation for a span around a function call) and
//! `name` to the function's name. `name` is the span's description, or the transaction's name
//! when no span is active. One spelling per setting: `description` is not an alias of `name`,
//! it is an unknown setting whose error says to write `name`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Error, Expr, Ident, Lit, LitStr, Result, Token, parenthesized};

use crate::args::skip_past_comma;
use crate::kv;
use crate::paths::Private;
use crate::unraw;
use crate::valid::{Errors, unknown};

/// The settings `span(..)` takes.
const SETTINGS: &[&str] = &["op", "name"];

/// Other spellings users may try, with the setting that means it.
const OTHER_NAMES: &[(&str, &str)] = &[
    ("description", "name"),
    ("desc", "name"),
    ("operation", "op"),
];

/// `op` when the attribute gives none: Sentry's operation for a span around a function call.
const DEFAULT_OP: &str = "function";

/// `span` / `span(op = .., name = ..)`.
pub(crate) struct SpanArgs {
    pub(crate) op: Option<Expr>,
    pub(crate) name: Option<Expr>,
}

/// Parses what follows the `span` keyword `kw`; every broken setting is reported at once,
/// literals that are not strings (`op = 5`) included.
pub(crate) fn parse(input: ParseStream, kw: &Ident) -> Result<SpanArgs> {
    let mut args = SpanArgs {
        op: None,
        name: None,
    };
    if input.peek(Token![=]) {
        return Err(Error::new(
            kw.span(),
            "`span` takes its settings in parentheses: `span(op = \"db.query\", name = \"load user\")`, or `span` alone for the defaults",
        ));
    }
    if !input.peek(syn::token::Paren) {
        return Ok(args);
    }
    let content;
    parenthesized!(content in input);
    let mut errors = Errors::default();
    while !content.is_empty() {
        let key = content.call(Ident::parse_any)?;
        let name = unraw::name(&key);
        let slot = match name.as_str() {
            "op" => &mut args.op,
            "name" => &mut args.name,
            other => {
                errors.push(unknown_setting(&key, other));
                skip_past_comma(&content);
                continue;
            }
        };
        let usage = if name == "op" {
            "`op = \"db.query\"`"
        } else {
            "`name = \"load user\"`"
        };
        kv::equals(&content, &key, usage)?;
        let value: Expr = content.parse()?;
        if let Expr::Lit(lit) = &value
            && !matches!(lit.lit, Lit::Str(_))
        {
            errors.push(Error::new_spanned(
                lit,
                format!("`{name}` must be a string"),
            ));
        }
        if slot.replace(value).is_some() {
            errors.push(Error::new(
                key.span(),
                format!("`{name}` is set twice in `span`"),
            ));
        }
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    errors.finish()?;
    Ok(args)
}

/// "unknown `span` setting `x`; expected one of op, name (did you mean `name`?)", with the
/// setting that means what another SDK calls `description` or `operation`.
fn unknown_setting(key: &Ident, found: &str) -> Error {
    let renamed = OTHER_NAMES
        .iter()
        .find(|(other, _)| other.eq_ignore_ascii_case(found));
    match renamed {
        Some((_, setting)) => Error::new(
            key.span(),
            format!(
                "unknown `span` setting `{found}`; expected one of {} (did you mean `{setting}`?)",
                SETTINGS.join(", ")
            ),
        ),
        None => unknown("`span` setting", key, found, SETTINGS, " "),
    }
}

/// The values of `span(..)`, converted (as every macro value is) before the body: a string
/// literal as it is, an expression through `span_op`/`span_name` (spanned at it, so a value of
/// the wrong type is reported there). Returns the `let`s and the two arguments of `start_span`,
/// `None` where the attribute gave no value.
pub(crate) fn values(
    p: &Private,
    args: &SpanArgs,
    n: usize,
) -> (TokenStream, [Option<TokenStream>; 2]) {
    let mut lets = TokenStream::new();
    let mut out = [None, None];
    for (i, (value, func)) in [(&args.op, "span_op"), (&args.name, "span_name")]
        .into_iter()
        .enumerate()
    {
        let Some(expr) = value else { continue };
        if let Expr::Lit(lit) = expr
            && let Lit::Str(s) = &lit.lit
        {
            out[i] = Some(quote!(#s));
            continue;
        }
        let v = format_ident!("__v{}_{}", n, i, span = Span::mixed_site());
        let span = expr.span();
        let (p, func) = (p.at(span), Ident::new(func, span));
        lets.extend(quote_spanned!(span=> let #v = #p::#func(&(#expr));));
        out[i] = Some(quote!(#v));
    }
    (lets, out)
}

/// `let __s = start_span(op, name);`, the defaults filled in: `"function"` and the name of the
/// function `ident`.
pub(crate) fn start(
    p: &Private,
    [op, name]: [Option<TokenStream>; 2],
    ident: &Ident,
    s: &Ident,
) -> TokenStream {
    let op = op.unwrap_or_else(|| {
        let lit = LitStr::new(DEFAULT_OP, Span::call_site());
        quote!(#lit)
    });
    let name = name.unwrap_or_else(|| {
        let lit = LitStr::new(&unraw::name(ident), ident.span());
        quote!(#lit)
    });
    quote!(let #s = #p::start_span(#op, #name);)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn parsed(tokens: TokenStream) -> Result<SpanArgs> {
        let kw = Ident::new("span", Span::call_site());
        (|input: ParseStream| parse(input, &kw)).parse2(tokens)
    }

    #[test]
    fn settings_defaults_and_errors() {
        let args = parsed(quote!((name = format!("{id}"), op = "db.query"))).ok();
        assert!(args.is_some_and(|a| a.op.is_some() && a.name.is_some()));
        let bare = parsed(TokenStream::new()).ok();
        assert!(bare.is_some_and(|a| a.op.is_none() && a.name.is_none()));
        let message = |tokens| parsed(tokens).err().map(|e| e.to_string());
        assert_eq!(
            message(quote!((desc = "x"))).as_deref(),
            Some("unknown `span` setting `desc`; expected one of op, name (did you mean `name`?)")
        );
        assert_eq!(
            message(quote!((op = 'c'))).as_deref(),
            Some("`op` must be a string")
        );
    }
}
