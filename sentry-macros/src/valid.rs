//! Checks that need more than one argument, or the function: duplicates, the tag-key rule,
//! literal types the grammar cannot see, and `err` / `const` against the signature.

use std::collections::HashMap;

use proc_macro2::Span;
use quote::ToTokens;
use syn::{Error, Expr, Ident, Lit, Path, ReturnType};

use crate::args::{Arg, ArgKind, Entry, ErrArgs, Item, Key};
use crate::item::{FnKind, ItemFn};
use crate::unraw;

/// Collects errors so that one build reports all of them.
#[derive(Default)]
pub(crate) struct Errors(Option<Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// "unknown {what} `x`; expected one of{sep}a, b (did you mean `a`?)"
pub(crate) fn unknown(
    what: &str,
    at: &dyn ToTokens,
    found: &str,
    valid: &[&str],
    sep: &str,
) -> Error {
    let mut msg = format!(
        "unknown {what} `{found}`; expected one of{sep}{}",
        valid.join(", ")
    );
    if let Some(s) = suggest(found, valid) {
        msg = format!("{msg} (did you mean `{s}`?)");
    }
    Error::new_spanned(at, msg)
}

/// The closest candidate within edit distance 2 (the first one on ties), compared
/// case-insensitively.
pub(crate) fn suggest<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let found = found.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (levenshtein(&found, &c.to_ascii_lowercase()), *c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The validated arguments of one macro call.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) items: Vec<Item>,
    pub(crate) err: Option<ErrArgs>,
    pub(crate) krate: Option<Path>,
}

impl Args {
    /// Whether `span(..)` is among the arguments.
    pub(crate) fn has_span(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Span(_)))
    }
}

/// Records `name` as seen at `span`; the second occurrence is an error.
fn set_once(
    seen: &mut HashMap<String, Span>,
    name: String,
    span: Span,
    msg: impl FnOnce() -> String,
) -> Option<Error> {
    if seen.contains_key(&name) {
        return Some(Error::new(span, msg()));
    }
    seen.insert(name, span);
    None
}

/// Tags only the server sets; Relay drops them when a client sends them.
const RESERVED_TAGS: &[&str] = &["release", "dist", "user", "filename", "function"];

/// Relay's tag-key rule: 1 to 200 characters of `[a-zA-Z0-9_.:-]`, not a reserved name.
fn check_tag_key(key: &Key) -> Option<Error> {
    if let Some(c) = key
        .text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')))
    {
        return Some(Error::new_spanned(
            &key.tokens,
            format!("invalid character {c:?} in tag key; allowed: a-z A-Z 0-9 _ . : -"),
        ));
    }
    if RESERVED_TAGS.contains(&key.text.as_str()) {
        return Some(Error::new_spanned(
            &key.tokens,
            format!(
                "`{}` is a tag the server sets itself, and Relay drops it; use another key, or \
                 the `release`/`user` options for those",
                key.text
            ),
        ));
    }
    let len = key.text.chars().count();
    (len == 0 || len > 200).then(|| {
        Error::new_spanned(
            &key.tokens,
            format!("tag keys must be 1 to 200 characters long (this one has {len})"),
        )
    })
}

/// Checks duplicates, tag keys and literal types; returns the arguments in order. Parse errors
/// are recorded where they occur, so all errors come out in source order.
pub(crate) fn validate(parsed: Vec<syn::Result<Arg>>, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let mut scalars = HashMap::new();
    let mut keys = HashMap::new();
    for arg in parsed {
        let Arg { kw, kind } = match arg {
            Ok(arg) => arg,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let name = unraw::name(&kw);
        if name != "tag" && name != "tags" && name != "extra" && name != "context" {
            let kw_name = name.clone();
            if let Some(e) = set_once(&mut scalars, name, kw.span(), || {
                format!("duplicate `{kw_name}` argument")
            }) {
                errors.push(e);
                continue;
            }
        }
        match kind {
            ArgKind::Items(items) => {
                for item in items {
                    if let Some(e) = check_item(&item, &mut keys) {
                        errors.push(e);
                    }
                    args.items.push(item);
                }
            }
            ArgKind::Err(err) => args.err = Some(err),
            ArgKind::Crate(path) => args.krate = Some(path),
        }
    }
    args
}

fn check_item(item: &Item, keys: &mut HashMap<String, Span>) -> Option<Error> {
    match item {
        Item::Tag(kv) => check_tag_key(&kv.key).or_else(|| {
            set_once(keys, format!("tag {}", kv.key.text), kv.key.span, || {
                format!("tag `{}` is set twice", kv.key.text)
            })
        }),
        Item::Extra(kv) => set_once(keys, format!("extra {}", kv.key.text), kv.key.span, || {
            format!("extra `{}` is set twice", kv.key.text)
        }),
        Item::Context { name, entries } => {
            let mut inner = HashMap::new();
            let first_dup = entries.iter().find_map(|kv| {
                set_once(&mut inner, kv.key.text.clone(), kv.key.span, || {
                    format!("context entry `{}` is set twice", kv.key.text)
                })
            });
            first_dup.or_else(|| {
                set_once(
                    keys,
                    format!("context {}", name.value()),
                    name.span(),
                    || format!("context `{}` is set twice", name.value()),
                )
            })
        }
        Item::User(fields) => {
            let mut inner = HashMap::new();
            fields.iter().find_map(|(field, _)| {
                let name = unraw::name(field);
                set_once(&mut inner, name.clone(), field.span(), || {
                    format!("`user` field `{name}` is set twice")
                })
            })
        }
        Item::Transaction(Expr::Lit(lit)) if !matches!(lit.lit, Lit::Str(_)) => {
            Some(Error::new_spanned(lit, "`transaction` must be a string"))
        }
        _ => None,
    }
}

/// Checks the arguments against the function: `const fn`, and `err` against its return type
/// and `#[track_caller]`.
pub(crate) fn check_fn(
    args: &Args,
    func: &ItemFn,
    kind: &FnKind,
    entry: Entry,
    errors: &mut Errors,
) {
    if let Some(constness) = &func.sig.constness {
        errors.push(Error::new(
            constness.span,
            "`const fn` cannot fork a scope at runtime; remove `const` or the attribute",
        ));
        return;
    }
    let track_caller = func
        .attrs
        .iter()
        .any(|a| unraw::path_is(a.path(), "track_caller"));
    if let Some(err) = &args.err {
        if let ReturnType::Default = func.sig.output {
            errors.push(Error::new(
                err.kw.span(),
                format!(
                    "`err` needs the function to return a `Result`, but `{}` returns `()`",
                    func.sig.ident
                ),
            ));
        } else if track_caller && matches!(kind, FnKind::Sync) {
            errors.push(Error::new(
                err.kw.span(),
                "`err` wraps the body in a closure, which would break `#[track_caller]`; capture the error manually",
            ));
        }
    }
    if track_caller && let FnKind::Returns { .. } = kind {
        errors.push(Error::new(
            track_caller_span(func).unwrap_or_else(|| func.sig.ident.span()),
            format!(
                "`{}` runs the body of a future-returning function in a closure, which would break `#[track_caller]`",
                entry.name()
            ),
        ));
    }
}

fn track_caller_span(func: &ItemFn) -> Option<Span> {
    let attr = func
        .attrs
        .iter()
        .find(|a| unraw::path_is(a.path(), "track_caller"))?;
    attr.path().get_ident().map(Ident::span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_within_two_edits_first_wins_ties() {
        let names = ["tag", "tags", "extra", "level"];
        assert_eq!(suggest("tgas", &names), Some("tag"));
        assert_eq!(suggest("lvl", &names), Some("level"));
        assert_eq!(suggest("warnig", &["Warning"]), Some("Warning"));
        assert_eq!(suggest("zzzzzz", &names), None);
    }

    #[test]
    fn set_once_flags_the_second_occurrence() {
        let mut seen = HashMap::new();
        let span = Span::call_site();
        assert!(set_once(&mut seen, "level".into(), span, String::new).is_none());
        assert!(set_once(&mut seen, "level".into(), span, || "dup".into()).is_some());
        assert!(set_once(&mut seen, "user".into(), span, String::new).is_none());
    }

    #[test]
    fn tag_key_rule() {
        let key = |text: &str| Key {
            text: text.into(),
            tokens: proc_macro2::TokenStream::new(),
            span: Span::call_site(),
        };
        assert!(check_tag_key(&key("http.method")).is_none());
        assert!(check_tag_key(&key("a:b-c_d")).is_none());
        assert!(check_tag_key(&key("a b")).is_some());
        assert!(check_tag_key(&key("")).is_some());
        assert!(check_tag_key(&key(&"k".repeat(201))).is_some());
        assert!(check_tag_key(&key(&"k".repeat(200))).is_none());
        assert!(check_tag_key(&key("user")).is_some());
    }
}
