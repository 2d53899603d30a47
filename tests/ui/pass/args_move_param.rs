// Values are taken by reference: recording a parameter does not move it.
use sentry_scopes::{scope, with_scope};

#[with_scope(tag("name", name), extra(items = items), user(username = name))]
fn sync(name: String, items: Vec<u32>) -> (String, Vec<u32>) {
    scope!(tag("again", name));
    (name, items)
}

#[with_scope(tag("name", name), extra(items = items))]
async fn not_sync(name: String, items: Vec<u32>) -> (String, Vec<u32>) {
    (name, items)
}

struct Owner {
    label: String,
}

impl Owner {
    #[with_scope(tag("label", self.label))]
    fn into_label(self) -> String {
        self.label
    }
}

fn main() {
    let (name, items) = sync("a".to_owned(), vec![1]);
    assert_eq!((name.as_str(), items.len()), ("a", 1));
    let _future = not_sync("b".to_owned(), Vec::new());
    assert_eq!(Owner { label: "c".to_owned() }.into_label(), "c");
}
