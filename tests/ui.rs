//! Compile-time behaviour of the macros and of `capture_error`'s bound (trybuild): `ui/pass` must compile and run, each
//! `ui/fail` case must fail with exactly its committed `.stderr`. Regenerate the `.stderr`
//! files with `TRYBUILD=overwrite cargo test --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
