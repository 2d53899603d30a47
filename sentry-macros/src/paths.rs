//! The one place that spells the root of the generated paths.
//!
//! Generated code names items only as `<root>::__private::…`, where the root is the path given
//! with `crate = path`, or else `sentry-scopes` under the name the calling crate's `Cargo.toml`
//! gives it (`::sentry_scopes`, or `::sentry` for `sentry = { package = "sentry-scopes" }`).
//! Standard items come from re-exports there, so a user crate that shadows `Option`, names a
//! module `core`, or is `#![no_implicit_prelude]` cannot change what the expansion refers to.

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Error, Ident, Path};

/// The runtime crate, as `Cargo.toml` spells the package.
const RUNTIME: &str = "sentry-scopes";

/// The `__private` module of the runtime crate, as a path prefix.
#[derive(Clone)]
pub(crate) struct Private(TokenStream);

impl Private {
    /// `<crate>::__private`, from the `crate = path` argument or the calling crate's
    /// `Cargo.toml`; an error (at the macro call) when that manifest lacks `sentry-scopes`.
    pub(crate) fn new(krate: Option<&Path>) -> syn::Result<Self> {
        let root = match krate {
            Some(path) => path.to_token_stream(),
            None => root_from_manifest(crate_name(RUNTIME))?,
        };
        Ok(Self(quote!(#root::__private)))
    }

    /// The same path located at `span` (still resolved at the call site): for generated code
    /// that can fail type checking, so that the whole failing expression, path included, is
    /// reported at the user's token rather than at the attribute.
    pub(crate) fn at(&self, span: Span) -> TokenStream {
        respan(self.0.clone(), Span::call_site().located_at(span))
    }
}

/// The root for what `proc_macro_crate::crate_name` found in the calling crate's manifest.
/// `sentry-scopes` itself (its doctests and examples) and a build without a readable manifest
/// (another build system) use the default name; a manifest without the crate is an error.
fn root_from_manifest(
    found: Result<FoundCrate, proc_macro_crate::Error>,
) -> syn::Result<TokenStream> {
    let default = || quote_spanned!(Span::call_site()=> ::sentry_scopes);
    match found {
        Ok(FoundCrate::Name(name)) => Ok(syn::parse_str::<Ident>(&name).map_or_else(
            |_| default(),
            |ident| quote_spanned!(Span::call_site()=> ::#ident),
        )),
        Ok(FoundCrate::Itself) => Ok(default()),
        Err(proc_macro_crate::Error::CrateNotFound { .. }) => Err(Error::new(
            Span::call_site(),
            "`sentry-scopes` is not a dependency of this crate: add it to `[dependencies]` and \
             use the macros through it (`sentry_scopes::with_scope`), or point `crate = path` \
             at a crate that re-exports it",
        )),
        Err(_) => Ok(default()),
    }
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                return TokenTree::Group(group);
            }
            tt.set_span(span);
            tt
        })
        .collect()
}

impl ToTokens for Private {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.0.to_tokens(tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root(found: Result<FoundCrate, proc_macro_crate::Error>) -> Option<String> {
        root_from_manifest(found).ok().map(|t| t.to_string())
    }

    #[test]
    fn the_root_follows_the_manifest() {
        let renamed = root(Ok(FoundCrate::Name("sentry".into())));
        assert_eq!(renamed.as_deref(), Some(":: sentry"));
        let itself = root(Ok(FoundCrate::Itself));
        assert_eq!(itself.as_deref(), Some(":: sentry_scopes"));
        let unreadable = root(Err(proc_macro_crate::Error::NotFound(PathBuf::new())));
        assert_eq!(unreadable.as_deref(), Some(":: sentry_scopes"));
        let missing = root(Err(proc_macro_crate::Error::CrateNotFound {
            crate_name: RUNTIME.into(),
            path: PathBuf::new(),
        }));
        assert_eq!(missing, None);
    }
}
