//! The one place that spells the root of the generated paths.
//!
//! Generated code names items only as `<root>::__private::…`, where the root is
//! `::sentry_scopes` or the path given with `crate = path`. Standard items come from
//! re-exports there, so a user crate that shadows `Option`, names a module `core`, or is
//! `#![no_implicit_prelude]` cannot change what the expansion refers to.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::Path;

/// The `__private` module of the runtime crate, as a path prefix.
#[derive(Clone)]
pub(crate) struct Private(TokenStream);

impl Private {
    /// `<crate>::__private`, from the `crate = path` argument or the default root.
    pub(crate) fn new(krate: Option<&Path>) -> Self {
        let root = match krate {
            Some(path) => path.to_token_stream(),
            None => quote_spanned!(Span::call_site()=> ::sentry_scopes),
        };
        Self(quote!(#root::__private))
    }

    /// The same path located at `span` (still resolved at the call site): for generated code
    /// that can fail type checking, so that the whole failing expression, path included, is
    /// reported at the user's token rather than at the attribute.
    pub(crate) fn at(&self, span: Span) -> TokenStream {
        respan(self.0.clone(), Span::call_site().located_at(span))
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
