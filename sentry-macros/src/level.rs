//! The `level = ..` value, for the `level` argument and `err(level = ..)`: one of the five
//! names (an identifier, or a string in any case), or an expression that rustc type-checks.

use quote::ToTokens;
use syn::parse::ParseStream;
use syn::{Error, Ident, LitStr, Path, Result};

use crate::args::Level;
use crate::unraw;
use crate::valid::unknown;

/// The five level names.
pub(crate) const LEVELS: &[&str] = &["Debug", "Info", "Warning", "Error", "Fatal"];

/// One of the five names, a case-insensitive string, a `::` path or `{ expr }`.
pub(crate) fn parse_level(input: ParseStream) -> Result<Level> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let text = lit.value();
        return match LEVELS.iter().find(|l| l.eq_ignore_ascii_case(&text)) {
            Some(name) => Ok(Level::Named(Ident::new(name, lit.span()))),
            None => Err(unknown("level", &lit, &text, LEVELS, " ")),
        };
    }
    if input.peek(syn::token::Brace) {
        return Ok(Level::Expr(input.parse()?));
    }
    let path = input.call(Path::parse_mod_style).map_err(|e| {
        Error::new(
            e.span(),
            "expected a level: Debug, Info, Warning, Error, Fatal, a string, a path or `{ expr }`",
        )
    })?;
    if let Some(ident) = path.get_ident() {
        let name = unraw::name(ident);
        return if LEVELS.contains(&name.as_str()) {
            Ok(Level::Named(Ident::new(&name, ident.span())))
        } else {
            Err(unknown("level", ident, &name, LEVELS, " "))
        };
    }
    Ok(Level::Expr(syn::parse2(path.to_token_stream())?))
}
