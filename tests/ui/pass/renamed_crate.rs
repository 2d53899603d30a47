// `crate = path` points the expansion at a renamed or re-exported runtime crate.
extern crate sentry_scopes as sentry;

mod reexport {
    pub use ::sentry_scopes as inner;
}

#[sentry::with_scope(crate = ::sentry, tag("via", "rename"))]
fn renamed() {
    sentry::scope!(crate = ::sentry, extra(k = 1));
}

#[reexport::inner::isolation_scope(crate = crate::reexport::inner, tag("via", "reexport"))]
async fn reexported() {}

fn main() {
    renamed();
    let _ = reexported();
}
