//! `#[with_scope]` on ordinary functions: each call's events carry that call's data, and
//! nothing outlives the call. `err` reports a returned error inside the scope.
//!
//! Run with `cargo run --example with_scope_attr`. Without `SENTRY_DSN`, events are printed to
//! stdout instead of being sent.

use std::fmt;

use sentry_scopes::{ClientOptions, Level, capture_message, scope, with_scope};

struct Order {
    id: u64,
    currency: &'static str,
    amount_cents: u64,
    items: Vec<&'static str>,
}

#[derive(Debug)]
enum PaymentError {
    Declined { reason: &'static str },
}

impl fmt::Display for PaymentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaymentError::Declined { reason } => write!(f, "payment declined: {reason}"),
        }
    }
}

impl std::error::Error for PaymentError {}

/// Every event captured while an order is checked out says which order it was.
#[with_scope(
    tag("order_id", order.id),
    tags(currency = order.currency),
    extra(items = order.items, amount_cents = order.amount_cents),
    transaction = "checkout",
)]
fn checkout(order: &Order) -> Result<u64, PaymentError> {
    if order.items.is_empty() {
        capture_message("empty order", Level::Warning);
        return Ok(0);
    }
    charge(order.amount_cents)
}

/// A declined payment is captured (as an exception) with the order's tags *and* this step's,
/// then returned to the caller unchanged.
#[with_scope(tag("step", "charge"), err)]
fn charge(amount_cents: u64) -> Result<u64, PaymentError> {
    scope!(tag(
        "amount_band",
        if amount_cents > 10_000 {
            "large"
        } else {
            "small"
        }
    ));
    if amount_cents > 50_000 {
        return Err(PaymentError::Declined {
            reason: "over limit",
        });
    }
    Ok(amount_cents)
}

fn main() {
    let _guard = sentry_scopes::init(ClientOptions::new().release("shop@1.0.0"))
        .expect("valid client options");

    let orders = [
        Order {
            id: 1,
            currency: "EUR",
            amount_cents: 1_999,
            items: vec!["book"],
        },
        Order {
            id: 2,
            currency: "USD",
            amount_cents: 99_000,
            items: vec!["laptop", "dock"],
        },
        Order {
            id: 3,
            currency: "EUR",
            amount_cents: 0,
            items: Vec::new(),
        },
    ];
    for order in &orders {
        match checkout(order) {
            Ok(charged) => println!("order {}: charged {charged} cents", order.id),
            Err(e) => println!("order {}: {e}", order.id),
        }
    }
    // Outside every scoped call: no order data.
    capture_message("all orders processed", Level::Info);
}
