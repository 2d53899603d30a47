//! The inside of the arguments that carry data: keys, values, `key = value` lists (`tags`,
//! `extra`, `context`), `tag("key", value)` and `user(field = value, ..)`.
//!
//! A missing `(..)` or `= ..` is reported at the argument's keyword with its usage, rather than
//! as rustc's "expected parentheses" at the end of the attribute.

use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseBuffer, ParseStream};
use syn::punctuated::Punctuated;
use syn::token::Paren;
use syn::{Error, Ident, LitStr, Result, Token, parenthesized};

use crate::args::{Item, Key, Kv, Mode, Value};
use crate::unraw;
use crate::valid::{Errors, unknown};

const USER_FIELDS: &[&str] = &["id", "email", "username", "ip_address"];

/// The parenthesised contents after `kw`, or an error at `kw` showing `usage`.
fn parens<'a>(
    input: &ParseBuffer<'a>,
    kw: &Ident,
    usage: &str,
) -> Result<(ParseBuffer<'a>, Paren)> {
    if !input.peek(Paren) {
        return Err(Error::new(
            kw.span(),
            format!("`{}` takes {usage}", unraw::name(kw)),
        ));
    }
    let content;
    let parens = parenthesized!(content in input);
    Ok((content, parens))
}

/// The `=` after `kw`, or an error at `kw` showing `usage`.
pub(crate) fn equals(input: ParseStream, kw: &Ident, usage: &str) -> Result<()> {
    if input.parse::<Option<Token![=]>>()?.is_none() {
        return Err(Error::new(
            kw.span(),
            format!("`{}` takes a value: {usage}", unraw::name(kw)),
        ));
    }
    Ok(())
}

/// An error at `kw(..)`, for an argument whose parentheses hold too little.
fn empty(kw: &Ident, parens: Paren, msg: &str) -> Error {
    let mut tokens = kw.to_token_stream();
    parens.surround(&mut tokens, |_| {});
    Error::new_spanned(tokens, msg)
}

/// `"literal"` or `ident(.ident)*`; raw identifiers lose their `r#`.
fn parse_key(input: ParseStream) -> Result<Key> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok(Key {
            text: lit.value(),
            span: lit.span(),
            tokens: lit.to_token_stream(),
        });
    }
    let first = input.call(Ident::parse_any).map_err(|e| {
        Error::new(
            e.span(),
            "expected a key: a string literal or an identifier such as `http.method`",
        )
    })?;
    let mut key = Key {
        text: unraw::name(&first),
        span: first.span(),
        tokens: first.to_token_stream(),
    };
    while input.peek(Token![.]) {
        let dot: Token![.] = input.parse()?;
        let part = input.call(Ident::parse_any)?;
        key.text.push('.');
        key.text.push_str(&unraw::name(&part));
        dot.to_tokens(&mut key.tokens);
        part.to_tokens(&mut key.tokens);
    }
    Ok(key)
}

/// `%expr`, `?expr` or `expr`.
fn parse_value(input: ParseStream) -> Result<Value> {
    let mode = if input.parse::<Option<Token![%]>>()?.is_some() {
        Mode::Display
    } else if input.parse::<Option<Token![?]>>()?.is_some() {
        Mode::Debug
    } else {
        Mode::Plain
    };
    Ok(Value {
        mode,
        expr: input.parse()?,
    })
}

/// The `= value` after a key or field named by `tokens`.
fn value_after(input: ParseStream, tokens: &dyn ToTokens, what: &str) -> Result<Value> {
    if input.parse::<Option<Token![=]>>()?.is_none() {
        let shown = tokens.to_token_stream().to_string().replace(" . ", ".");
        return Err(Error::new_spanned(
            tokens,
            format!("{what} `{shown}` needs a value: `{shown} = value`"),
        ));
    }
    parse_value(input)
}

fn parse_kv(input: ParseStream) -> Result<Kv> {
    let key = parse_key(input)?;
    let value = value_after(input, &key.tokens, "the key")?;
    Ok(Kv { key, value })
}

/// `tag("key", value)`.
pub(crate) fn parse_tag(input: ParseStream, kw: &Ident) -> Result<Kv> {
    const USAGE: &str = "a key and a value: `tag(\"key\", value)`";
    let (content, parens) = parens(input, kw, USAGE)?;
    if content.is_empty() {
        return Err(empty(kw, parens, &format!("`tag` takes {USAGE}")));
    }
    let key = parse_key(&content)?;
    if content.peek(Token![=]) {
        return Err(content.error(format!(
            "`tag` takes {USAGE}; write `tags({} = value)` for the `key = value` form",
            key.text
        )));
    }
    if content.is_empty() {
        return Err(empty(kw, parens, &format!("`tag` takes {USAGE}")));
    }
    content.parse::<Token![,]>()?;
    let value = parse_value(&content)?;
    content.parse::<Option<Token![,]>>()?;
    if !content.is_empty() {
        return Err(content.error(format!("`tag` takes {USAGE}")));
    }
    Ok(Kv { key, value })
}

/// `tags(kv, ..)` / `extra(kv, ..)` with at least one entry.
pub(crate) fn parse_kvs(input: ParseStream, kw: &Ident) -> Result<Vec<Kv>> {
    let name = unraw::name(kw);
    let usage = format!("`key = value` pairs: `{name}(key = value, ..)`");
    let (content, parens) = parens(input, kw, &usage)?;
    let kvs = Punctuated::<Kv, Token![,]>::parse_terminated_with(&content, parse_kv)?;
    if kvs.is_empty() {
        let msg = format!("`{name}(...)` needs at least one `key = value`");
        return Err(empty(kw, parens, &msg));
    }
    Ok(kvs.into_iter().collect())
}

/// `user(field = value, ..)`; unknown fields are reported all at once.
pub(crate) fn parse_user(input: ParseStream, kw: &Ident) -> Result<Vec<(Ident, Value)>> {
    let usage =
        "`field = value` pairs: `user(id = .., email = .., username = .., ip_address = ..)`";
    let (content, parens) = parens(input, kw, usage)?;
    let mut fields = Vec::new();
    let mut errors = Errors::default();
    while !content.is_empty() {
        let field = content.call(Ident::parse_any)?;
        let name = unraw::name(&field);
        if !USER_FIELDS.contains(&name.as_str()) {
            errors.push(unknown("`user` field", &field, &name, USER_FIELDS, " "));
        }
        let value = value_after(&content, &field, "the `user` field")?;
        fields.push((field, value));
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    errors.finish()?;
    if fields.is_empty() {
        return Err(empty(
            kw,
            parens,
            "`user(...)` needs at least one `field = value`",
        ));
    }
    Ok(fields)
}

/// `context("name", kv, ..)` with at least one entry.
pub(crate) fn parse_context(input: ParseStream, kw: &Ident) -> Result<Item> {
    let usage = "a name and `key = value` pairs: `context(\"name\", key = value, ..)`";
    let (content, parens) = parens(input, kw, usage)?;
    let name: LitStr = content.parse().map_err(|e| {
        Error::new(
            e.span(),
            "`context` starts with its name as a string literal",
        )
    })?;
    let entries = if content.is_empty() {
        Punctuated::new()
    } else {
        content.parse::<Token![,]>()?;
        Punctuated::<Kv, Token![,]>::parse_terminated_with(&content, parse_kv)?
    };
    if entries.is_empty() {
        return Err(empty(
            kw,
            parens,
            "`context(...)` needs a name and at least one `key = value`",
        ));
    }
    Ok(Item::Context {
        name,
        entries: entries.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    #[test]
    fn dotted_and_raw_keys_read_as_sent() {
        let key = parse_key
            .parse2(quote::quote!(http.r#type))
            .ok()
            .map(|k| k.text);
        assert_eq!(key.as_deref(), Some("http.type"));
    }
}
