use std::collections::BTreeMap;

use super::*;

/// Drives a `ScopeMap` and a `BTreeMap` through the same writes (single, batched both ways,
/// removals), with forks taken along the way, and checks they agree after every step.
#[test]
fn agrees_with_a_btreemap_across_forks_flattens_removals_and_batches() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut map: ScopeMap<Arc<str>> = ScopeMap::default();
    let mut model: BTreeMap<String, String> = BTreeMap::new();
    let mut forks = Vec::new();
    for step in 0..3_000 {
        let key = format!("k{}", next() % 60);
        if next() % 4 == 0 {
            map.remove(&key);
            model.remove(&key);
        } else if next() % 3 == 0 {
            // A batch of 0 to 5 writes, keys possibly repeated: the last one wins.
            let batch: Vec<(String, String)> = (0..next() % 6)
                .map(|i| (format!("k{}", next() % 60), format!("v{step}.{i}")))
                .collect();
            let entries = batch
                .iter()
                .map(|(k, v)| (Arc::from(k.as_str()), Arc::from(v.as_str())));
            // Both batch paths: an iterator moved in, and a slice cloned from (`set_tags`).
            if step % 2 == 0 {
                map.insert_many(entries);
            } else {
                map.insert_cloned(&entries.collect::<Vec<_>>());
            }
            model.extend(batch);
        } else {
            let value = format!("v{step}");
            map.insert(Arc::from(key.as_str()), Arc::from(value.as_str()));
            model.insert(key, value);
        }
        if step % 97 == 0 {
            forks.push((map.clone(), model.clone()));
        }
        let got: Vec<_> = map
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let want: Vec<_> = model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(got, want, "step {step}");
        assert_eq!(map.is_empty(), model.is_empty());
        for k in ["k0", "k1", "k59", "absent"] {
            assert_eq!(map.get(k).map(|v| &**v), model.get(k).map(String::as_str));
        }
    }
    for (fork, model) in forks {
        let got: Vec<_> = fork.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(got, model.keys().cloned().collect::<Vec<_>>());
    }
}

#[test]
fn a_fork_never_folds_the_top_it_inherited() {
    let mut parent: ScopeMap<u32> = ScopeMap::default();
    for i in 0..(1000 + FLATTEN_AT) {
        parent.insert(Arc::from(format!("k{i:04}").as_str()), 0);
    }
    // Bring the parent's top to the limit, whatever the phase of its folds.
    while parent.top().len() < FLATTEN_AT {
        parent.insert(Arc::from(format!("x{}", parent.top().len()).as_str()), 0);
    }
    assert_eq!(parent.top().len(), FLATTEN_AT);
    let base_before = parent.base.len();
    let mut fork = parent.clone();
    fork.insert(Arc::from("new"), 1);
    assert_eq!(
        fork.top().len(),
        FLATTEN_AT + 1,
        "the fork wrote into its top only"
    );
    assert_eq!(fork.base.len(), base_before);
    // The parent itself, writing on, still folds.
    parent.insert(Arc::from("more"), 1);
    assert!(parent.top().is_empty());
}

#[test]
fn base_is_an_array_up_to_the_limit_and_a_tree_beyond() {
    let mut map: ScopeMap<u32> = ScopeMap::default();
    for i in 0..20 {
        map.insert(Arc::from(format!("k{i:02}").as_str()), i);
    }
    assert!(matches!(map.base, Base::Flat(Some(_))));
    for i in 20..60 {
        map.insert(Arc::from(format!("k{i:02}").as_str()), i);
    }
    assert!(matches!(map.base, Base::Tree(_)));
    assert_eq!(map.iter().count(), 60);
    assert_eq!(map.get("k07"), Some(&7));
    assert_eq!(map.get("k42"), Some(&42));
}

#[test]
fn a_chain_of_forks_folds_at_the_limit() {
    let mut map: ScopeMap<u32> = ScopeMap::default();
    for i in 0..100 {
        map = map.clone(); // each level is a fork with one write, as in deep nesting
        map.insert(Arc::from(format!("level{i:03}").as_str()), i);
        assert!(map.top().len() <= TOP_LIMIT);
    }
    assert_eq!(map.iter().count(), 100);
    assert_eq!(map.get("level042"), Some(&42));
}

#[test]
fn layered_puts_upper_over_lower_without_applying_removals() {
    let mut lower: ScopeMap<u32> = ScopeMap::default();
    lower.insert(Arc::from("a"), 1);
    lower.insert(Arc::from("b"), 1);
    let mut upper = lower.clone();
    upper.remove("b");
    upper.insert(Arc::from("a"), 2);
    upper.insert(Arc::from("c"), 2);
    let out = ScopeMap::layered(&lower, &upper);
    let got: Vec<_> = out.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(got, [("a".into(), 2), ("b".into(), 1), ("c".into(), 2)]);
}

#[test]
fn the_overlay_sort_orders_by_key_and_keeps_equal_keys_in_write_order() {
    let mut rng = crate::client::test_rng::Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2_000 {
        let len = rng.below(40) as usize;
        let entries: Vec<Entry<usize>> = (0..len)
            .map(|i| (Arc::from(format!("k{}", rng.below(12)).as_str()), Some(i)))
            .collect();
        let mut want = entries.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        let mut got = entries;
        sort_by_key_stable(&mut got);
        assert_eq!(got, want);
    }
}
