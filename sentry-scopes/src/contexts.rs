//! The `os`, `rust` and `device` contexts every event and transaction carries, and the host
//! name that `server_name` defaults to: facts about the machine and the build, gathered once
//! per process (not to be confused with `crate::context`, the active scopes).
//!
//! - `os`: the operating system's name and version (on Linux from `/etc/os-release`) and the
//!   kernel release, as the `sysinfo` crate reads them.
//! - `rust`: the version and channel of the compiler that built this crate, recorded by the
//!   build script. Cargo builds an application and its dependencies with one compiler, so
//!   this is the compiler of the application too.
//! - `device`: the architecture the binary was compiled for and, where the hardware says (DMI
//!   on Linux, `hw.model` on macOS), its model and family.
//!
//! None of these name a person. The host name names a machine; `ClientOptions::server_name`
//! says how to send another name or none. A fact the OS does not give is left out, never
//! guessed; gathering never panics into the application.

use std::sync::OnceLock;

use crate::protocol::{Context, DeviceContext, Map, OsContext, RuntimeContext};

/// What [`host`] gathers.
struct Host {
    contexts: [(&'static str, Context); 3],
    host_name: Option<String>,
}

/// The facts, gathered on first use (by `init`, so no capture waits for them).
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        // sysinfo talks to the OS in ways this crate does not control; a panic in there
        // costs the facts, not the application.
        std::panic::catch_unwind(gather).unwrap_or_else(|_| Host {
            contexts: [
                ("os", OsContext::default().into()),
                ("rust", rust()),
                ("device", device(None, None)),
            ],
            host_name: None,
        })
    })
}

/// The default contexts under their keys: `os`, `rust`, `device`.
pub(crate) fn defaults() -> &'static [(&'static str, Context)] {
    &host().contexts
}

/// A default context's key and its value as JSON.
pub(crate) type ContextJson = (&'static str, Box<[u8]>);

/// [`defaults`] as JSON, written once per process: transactions splice them in
/// (`client/raw_transaction.rs`). A context that cannot be written is left out.
pub(crate) fn defaults_json() -> &'static [ContextJson] {
    static JSON: OnceLock<Vec<ContextJson>> = OnceLock::new();
    JSON.get_or_init(|| {
        defaults()
            .iter()
            .filter_map(|(key, value)| Some((*key, serde_json::to_vec(value).ok()?.into())))
            .collect()
    })
}

/// The host name, if the OS gives one that is not empty.
pub(crate) fn host_name() -> Option<&'static str> {
    host().host_name.as_deref()
}

/// Adds each default context whose key `contexts` does not have yet: a context of the same
/// key from the event itself or from a scope wins.
pub(crate) fn fill(contexts: &mut Map<String, Context>) {
    for (key, value) in defaults() {
        if !contexts.contains_key(*key) {
            contexts.insert((*key).to_owned(), value.clone());
        }
    }
}

fn gather() -> Host {
    use sysinfo::{Product, System};
    let os = OsContext {
        name: known(System::name()),
        version: known(System::os_version()),
        kernel_version: known(System::kernel_version()),
        ..OsContext::default()
    };
    Host {
        contexts: [
            ("os", os.into()),
            ("rust", rust()),
            (
                "device",
                device(known(Product::family()), known(Product::name())),
            ),
        ],
        host_name: known(System::host_name()),
    }
}

/// The value when the OS gave one with more than blanks in it.
fn known<E>(value: Result<String, E>) -> Option<String> {
    let value = value.ok()?;
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn rust() -> Context {
    let mut other = Map::new();
    if let Some(channel) = option_env!("SENTRY_SCOPES_RUSTC_CHANNEL") {
        other.insert("channel".to_owned(), channel.into());
    }
    RuntimeContext {
        name: Some("rustc".to_owned()),
        version: option_env!("SENTRY_SCOPES_RUSTC_VERSION").map(str::to_owned),
        other,
    }
    .into()
}

fn device(family: Option<String>, model: Option<String>) -> Context {
    DeviceContext {
        arch: Some(std::env::consts::ARCH.to_owned()),
        family,
        model,
        ..DeviceContext::default()
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(key: &str) -> &'static Context {
        let found = defaults().iter().find(|(k, _)| *k == key);
        &found.unwrap_or_else(|| panic!("no {key} context")).1
    }

    #[test]
    fn the_os_context_names_the_system_and_its_kernel() {
        let Context::Os(os) = get("os") else {
            panic!("os is not an os context: {:?}", get("os"));
        };
        let name = os.name.as_deref().expect("an OS name");
        assert!(!name.is_empty());
        #[cfg(target_os = "linux")]
        {
            // What uname(2) says, without asking the crate that the context came from.
            let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("procfs");
            assert_eq!(os.kernel_version.as_deref(), Some(release.trim()));
            if let Ok(release_file) = std::fs::read_to_string("/etc/os-release") {
                let field = |key: &str| {
                    release_file
                        .lines()
                        .find_map(|l| l.strip_prefix(key))
                        .map(|v| v.trim_matches('"').to_owned())
                };
                assert_eq!(os.name, field("NAME="), "{release_file}");
                assert_eq!(os.version, field("VERSION_ID="), "{release_file}");
            }
        }
    }

    #[test]
    fn the_rust_context_is_the_compiler_that_built_this_crate() {
        let Context::Runtime(rt) = get("rust") else {
            panic!("rust is not a runtime context: {:?}", get("rust"));
        };
        assert_eq!(rt.name.as_deref(), Some("rustc"));
        // The compiler running this test built it; `rustc -vV` says which it is.
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let out = std::process::Command::new(rustc)
            .arg("-vV")
            .output()
            .expect("run rustc -vV");
        let text = String::from_utf8_lossy(&out.stdout);
        let release = text
            .lines()
            .find_map(|l| l.strip_prefix("release: "))
            .expect("a release line");
        assert_eq!(rt.version.as_deref(), Some(release));
        let channel = rt.other.get("channel").and_then(|c| c.as_str());
        let expected = if release.contains("nightly") {
            "nightly"
        } else if release.contains("beta") {
            "beta"
        } else if release.contains("dev") {
            "dev"
        } else {
            "stable"
        };
        assert_eq!(channel, Some(expected));
    }

    #[test]
    fn the_device_context_has_the_binary_s_architecture() {
        let Context::Device(device) = get("device") else {
            panic!("device is not a device context: {:?}", get("device"));
        };
        assert_eq!(device.arch.as_deref(), Some(std::env::consts::ARCH));
    }

    #[test]
    fn the_host_name_is_the_kernel_s() {
        #[cfg(target_os = "linux")]
        {
            let name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("procfs");
            assert_eq!(host_name(), Some(name.trim()));
        }
        #[cfg(not(target_os = "linux"))]
        assert!(host_name().is_some_and(|n| !n.is_empty()));
    }

    #[test]
    fn fill_keeps_contexts_the_event_or_a_scope_set() {
        let mut contexts = Map::new();
        let mine = Context::Other(Map::from([("mine".to_owned(), true.into())]));
        contexts.insert("os".to_owned(), mine.clone());
        fill(&mut contexts);
        assert_eq!(contexts.get("os"), Some(&mine));
        assert!(contexts.contains_key("rust") && contexts.contains_key("device"));
    }

    #[test]
    fn blank_facts_are_left_out() {
        assert_eq!(known::<()>(Ok("  \n".to_owned())), None);
        assert_eq!(known::<()>(Err(())), None);
        assert_eq!(known::<()>(Ok(" x \n".to_owned())), Some("x".to_owned()));
    }
}
