//! Performance monitoring: one request becomes a transaction with nested spans, made by the
//! `span(..)` attribute argument, by hand and by `tracing`, and the error it runs into is
//! reported with the trace context of the span it happened in.
//!
//! ```sh
//! cargo run --example spans                                  # no DSN: envelopes printed
//! SENTRY_DSN=https://KEY@HOST/PROJECT cargo run --example spans    # sent to that server
//! ```
//!
//! The transaction `POST /checkout` (op `http.server`) holds:
//!
//! ```text
//! POST /checkout                         #[isolation_scope(span(..))]: no span active, so a transaction
//! ├── db.query     load cart             #[with_scope(span(..))]
//! │   └── serialize decode rows          start_span, by hand
//! ├── function     price cart            start_span, by hand
//! │   └── cache.get tax rates            Span::start_child, by hand
//! ├── queue.publish ship order           #[tracing::instrument], through SentryTracingLayer
//! │   └── function  print label          start_span below the tracing span, by hand
//! └── http.client  charge card           #[with_scope(span(..), err)] on an async fn: internal_error
//! ```
//!
//! and the `Err` that `charge_card` returns is captured as an error event whose trace context
//! names the `charge card` span.

use std::fmt;
use std::time::Duration;

use sentry_scopes::integrations::tracing::SentryTracingLayer;
use sentry_scopes::protocol::SpanStatus;
use sentry_scopes::{ClientOptions, isolation_scope, start_span, with_scope};
use tracing_subscriber::prelude::*;

/// The payment provider said no.
#[derive(Debug)]
struct CardDeclined {
    code: &'static str,
}

impl fmt::Display for CardDeclined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card declined ({})", self.code)
    }
}

impl std::error::Error for CardDeclined {}

/// A span made by the attribute: a child of the request's transaction, active during the call,
/// so the span started by hand inside is its child.
#[with_scope(span(op = "db.query", name = "load cart"), tag("table", "carts"))]
fn load_cart(cart_id: u64) -> Vec<u32> {
    std::thread::sleep(Duration::from_millis(3));
    let decode = start_span("serialize", "decode rows"); // below `load cart`
    decode.set_data("rows", 3);
    std::thread::sleep(Duration::from_millis(1));
    vec![1_200, 350, u32::try_from(cart_id % 100).unwrap_or(0)]
}

/// Spans made by hand: `start_span` below the active span, `start_child` below a given one.
fn price(items: &[u32]) -> u32 {
    let pricing = start_span("function", "price cart");
    {
        let taxes = pricing.start_child("cache.get", "tax rates");
        taxes.set_data("cache.hit", true);
        std::thread::sleep(Duration::from_millis(1));
    }
    pricing.set_status(SpanStatus::Ok);
    items.iter().sum::<u32>() * 120 / 100
}

/// A `tracing` span made a Sentry span by `SentryTracingLayer`: a child of the active span,
/// with `sentry.op` / `sentry.name` as its op and description, and the argument as data.
#[tracing::instrument(fields(sentry.op = "queue.publish", sentry.name = "ship order"))]
fn ship(order_id: u64) {
    let _label = start_span("function", "print label"); // below the tracing span
    std::thread::sleep(Duration::from_millis(1));
}

/// An async span across awaits; `err` captures the `Err` inside it and ends it as
/// `internal_error`.
#[with_scope(span(op = "http.client", name = "charge card"), err)]
async fn charge_card(total_cents: u32) -> Result<String, CardDeclined> {
    tokio::time::sleep(Duration::from_millis(5)).await; // the provider thinks about it
    if total_cents > 1_000 {
        return Err(CardDeclined {
            code: "insufficient_funds",
        });
    }
    Ok("ch_1".to_owned())
}

/// The request: a new isolation scope, and the transaction, since no span is active yet.
#[isolation_scope(
    span(op = "http.server", name = "POST /checkout"),
    tag("route", "/checkout")
)]
async fn checkout(cart_id: u64) -> bool {
    let items = load_cart(cart_id);
    let total = price(&items);

    ship(cart_id);
    charge_card(total).await.is_ok()
}

fn main() {
    // Reads SENTRY_DSN (and SENTRY_DEBUG, SENTRY_ENVIRONMENT); without a DSN, envelopes are
    // printed to stdout. Every transaction is sampled here; production code would sample less.
    let _guard = sentry_scopes::init(
        ClientOptions::new()
            .release("shop@1.4.0")
            .traces_sample_rate(1.0),
    )
    .expect("valid client options");
    // tracing spans become Sentry spans (at INFO and above, the layer's default).
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(SentryTracingLayer::new()),
    )
    .expect("no other subscriber");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let paid = runtime.block_on(checkout(42));
    eprintln!("checkout paid: {paid}");
} // dropping the guard sends whatever is still queued
