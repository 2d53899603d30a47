//! `scope!(..)` and `scope!(isolation: ..)`: set data on the active current (or isolation)
//! scope in place, without a fork.
//!
//! Values are converted first, in source order, outside any borrow of the scopes; then one
//! update applies the prepared values (a closure that only copies them, so it may run again
//! if the scope is shared and a concurrent write wins).

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Lifetime, Token};

use crate::args::{self, Entry};
use crate::expand::{Apply, Prepared, local, prepare};
use crate::paths::Private;
use crate::unraw;
use crate::valid::{self, Errors};

/// Expands `scope!(tokens)` to a (labeled) block expression of type `()`.
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
    let p = Private::new(args.krate.as_ref())
        .map_err(|e| errors.push(e))
        .ok();
    let p = match (errors.finish(), p) {
        (Ok(()), Some(p)) => p,
        (Err(e), _) => return in_fn(e.to_compile_error()),
        (Ok(()), None) => return in_fn(TokenStream::new()),
    };
    let target = local("__s");
    let Prepared { lets, applies, .. } = prepare(&p, &args.items, &target, Apply::Clone);
    if applies.is_empty() {
        return in_fn(TokenStream::new());
    }
    let configure = if isolation {
        quote!(configure_isolation)
    } else {
        quote!(configure_current)
    };
    in_fn(quote! {
        #lets
        #p::#configure(|#target| { #(#applies)* });
    })
}

/// `'scope_belongs_inside_a_function: { body }`: an expression of type `()`. Outside a function
/// body (at module level, in an `impl` block) an expansion can only be items, and rustc reports
/// the first token that is not one, "macro expansion ignores
/// `'scope_belongs_inside_a_function`", which says what to do; a plain block would read
/// "ignores `{`". The label is hygienic, so user code cannot break to it.
fn in_fn(body: TokenStream) -> TokenStream {
    let label = Lifetime::new("'scope_belongs_inside_a_function", Span::mixed_site());
    quote!(#label: { #body })
}
