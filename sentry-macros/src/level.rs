//! The `level = ..` value, for the `level` argument and `err(level = ..)`: one of the five
//! names (an identifier, or a string in any case), or an expression that rustc type-checks.

use quote::ToTokens;
use syn::parse::ParseStream;
use syn::{Error, Ident, LitStr, Path, Result};

use crate::args::Level;
use crate::unraw;
use crate::valid::suggest;

/// The five level names.
pub(crate) const LEVELS: &[&str] = &["Debug", "Info", "Warning", "Error", "Fatal"];

/// tracing's level names that are not Sentry's, with the Sentry level to use instead.
const TRACING_NAMES: &[(&str, &str)] = &[("warn", "Warning"), ("trace", "Debug")];

/// "unknown level `x`; expected one of .. (did you mean `Warning`?)": tracing's spellings
/// (`Warn`, `"warn"`, `TRACE`) map to their Sentry level, others go by edit distance.
fn unknown_level(at: &dyn ToTokens, found: &str) -> Error {
    let hint = TRACING_NAMES
        .iter()
        .find(|(tracing, _)| tracing.eq_ignore_ascii_case(found))
        .map(|(_, sentry)| *sentry)
        .or_else(|| suggest(found, LEVELS));
    let mut msg = format!(
        "unknown level `{found}`; expected one of {}",
        LEVELS.join(", ")
    );
    if let Some(level) = hint {
        msg = format!("{msg} (did you mean `{level}`?)");
    }
    Error::new_spanned(at, msg)
}

/// One of the five names, a case-insensitive string, a `::` path or `{ expr }`.
pub(crate) fn parse_level(input: ParseStream) -> Result<Level> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let text = lit.value();
        return match LEVELS.iter().find(|l| l.eq_ignore_ascii_case(&text)) {
            Some(name) => Ok(Level::Named(Ident::new(name, lit.span()))),
            None => Err(unknown_level(&lit, &text)),
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
            Err(unknown_level(ident, &name))
        };
    }
    Ok(Level::Expr(syn::parse2(path.to_token_stream())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    fn message(found: &str) -> String {
        unknown_level(&Ident::new("x", Span::call_site()), found).to_string()
    }

    #[test]
    fn tracing_spellings_suggest_the_sentry_level() {
        assert!(message("Warn").ends_with("(did you mean `Warning`?)"));
        assert!(message("warn").ends_with("(did you mean `Warning`?)"));
        assert!(message("TRACE").ends_with("(did you mean `Debug`?)"));
        assert!(message("Warnig").ends_with("(did you mean `Warning`?)"));
        assert!(!message("verbose").contains("did you mean"));
    }
}
