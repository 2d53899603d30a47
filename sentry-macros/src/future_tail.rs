//! Functions that return a future without being `async fn` (`macros.md` section 6).
//!
//! - A body that is only `async move { .. }` or `Box::pin(async move { .. })` (what
//!   `#[async_trait]` produces): nothing runs at the call, so the block is rewritten to fork at
//!   first poll, as for `async fn`, and the future, not its constructor, runs in the scope.
//! - Any other body of a function returning a future (`impl Future`, `Pin<Box<dyn Future>>`,
//!   `BoxFuture`, or one ending in an async block after other statements): the body runs in
//!   the fork, in a closure so that an early `return` is wrapped too, and the returned future
//!   is bound to the same fork with every change the synchronous part made.

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{ToTokens, quote};

use crate::expand::{closure_return, local, wrap_future};
use crate::item::{ItemFn, Tail};
use crate::paths::Private;
use crate::valid::Args;

/// `wrapper(async move { prelude; let __fut = <their async block>; run })`.
pub(crate) fn tail_body(
    p: &Private,
    args: &Args,
    prelude: TokenStream,
    tail: &Tail,
) -> TokenStream {
    let Tail { wrapper, block } = tail;
    let (fork, fut) = (local("__fork"), local("__fut"));
    let wrap = wrap_future(p, args, &fut);
    let attrs = &block.attrs;
    let async_token = block.async_token;
    let outer = quote! {
        #(#attrs)*
        #async_token move {
            let #fut = {
                #prelude
                let #fut = #block;
                #wrap
                #fork.run(#fut)
            };
            return #fut.await;
        }
    };
    let tail = match wrapper {
        Some(wrapper) => {
            let mut tokens = wrapper.to_token_stream();
            Group::new(Delimiter::Parenthesis, outer).to_tokens(&mut tokens);
            tokens
        }
        None => outer,
    };
    quote! {
        return #tail;
    }
}

/// The body in a closure inside the fork; the returned future bound to the fork afterwards.
pub(crate) fn returns_body(
    p: &Private,
    args: &Args,
    func: &ItemFn,
    prelude: TokenStream,
    boxed: bool,
) -> TokenStream {
    let (fork, guard, ret) = (local("__fork"), local("__guard"), local("__ret"));
    let block = func.user_block();
    let closure_ret = closure_return(func);
    let wrap = wrap_future(p, args, &ret);
    let bound = quote!(#p::bind_returned(#guard, #ret));
    let bound = if boxed {
        quote!(#p::Box::pin(#bound))
    } else {
        bound
    };
    quote! {
        #prelude
        let #guard = #fork.enter();
        let #ret = #p::call_once(move || #closure_ret #block);
        #wrap
        return #bound;
    }
}
