//! The one way the macros compare identifiers: as written, without the `r#` of a raw
//! identifier. `r#level` names the `level` argument everywhere, in the duplicate check as in
//! the dispatch, so no comparison in this crate looks at `Ident::to_string()` directly.

use syn::ext::IdentExt;
use syn::{Ident, Path};

/// The identifier's name without `r#`: `r#type` is `type`.
pub(crate) fn name(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// Whether the identifier, read without `r#`, is `expected`.
pub(crate) fn is(ident: &Ident, expected: &str) -> bool {
    ident.unraw() == expected
}

/// Whether the path is the single identifier `expected` (read without `r#`).
pub(crate) fn path_is(path: &Path, expected: &str) -> bool {
    path.get_ident().is_some_and(|ident| is(ident, expected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    fn raw_and_plain_identifiers_compare_equal() {
        let raw = Ident::new_raw("level", Span::call_site());
        let plain = Ident::new("level", Span::call_site());
        assert_eq!(name(&raw), name(&plain));
        assert!(is(&raw, "level") && is(&plain, "level"));
        assert!(!is(&raw, "r#level"));
        let path: Path = syn::parse_quote!(r#track_caller);
        assert!(path_is(&path, "track_caller"));
        let long: Path = syn::parse_quote!(a::track_caller);
        assert!(!path_is(&long, "track_caller"));
    }
}
