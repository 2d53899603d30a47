//! `scope!(..)` and `scope!(isolation: ..)`: set data on the active current (or isolation)
//! scope in place, without a fork.
//!
//! Values are converted first, in source order, outside any borrow of the scopes; then one
//! update applies the prepared values (a closure that only copies them, so it may run again
//! if the scope is shared and a concurrent write wins).

use proc_macro2::TokenStream;
use quote::quote;
use syn::Token;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};

use crate::args::{self, Entry};
use crate::expand::{Apply, Prepared, local, prepare};
use crate::paths::Private;
use crate::unraw;
use crate::valid::{self, Errors};

/// Expands `scope!(tokens)` to a block expression of type `()`.
pub(crate) fn expand(tokens: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut isolation = false;
    let parser = |input: ParseStream| {
        if input.peek(syn::Ident) && input.peek2(Token![:]) && !input.peek2(Token![::]) {
            let fork = input.fork();
            let word = fork.call(syn::Ident::parse_any)?;
            if unraw::is(&word, "isolation") {
                input.parse::<syn::Ident>()?;
                input.parse::<Token![:]>()?;
                isolation = true;
            }
        }
        Ok(args::parse_list(input, Entry::Bang))
    };
    let parsed = parser.parse2(tokens).unwrap_or_default();
    let args = valid::validate(parsed, &mut errors);
    if let Err(e) = errors.finish() {
        let errors = e.to_compile_error();
        return quote!({ #errors });
    }
    let p = Private::new(args.krate.as_ref());
    let target = local("__s");
    let Prepared { lets, applies } = prepare(&p, &args.items, &target, Apply::Clone);
    if applies.is_empty() {
        return quote!({});
    }
    let configure = if isolation {
        quote!(configure_isolation)
    } else {
        quote!(configure_current)
    };
    quote!({
        #lets
        #p::#configure(|#target| { #(#applies)* });
    })
}
