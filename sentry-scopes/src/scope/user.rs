//! `ScopeUser`: the user a scope version keeps.
//!
//! Most users a scope is given carry an id and nothing else (`user(id = ..)`, or
//! `set_user(Some(User { id, ..Default::default() }))`). Such a user is kept as its id alone,
//! inline in the scope data up to 23 bytes: setting it allocates nothing and dropping it frees
//! nothing, where a protocol [`User`] behind an `Arc` took three allocations to set and drop
//! (the `Arc`, the id's `String`, and the empty map of other fields to walk on drop). The
//! protocol `User` is built when something asks for one ([`ScopeUser::user`], once per version;
//! [`ScopeUser::to_user`], per capture, as before). Any other user is shared as it was given.

use std::fmt;
use std::sync::Arc;

use once_cell::race::OnceBox;

use super::data::TagText;
use crate::protocol::User;

/// The user of a scope version: an id alone, or a whole protocol user.
#[derive(Clone)]
pub(crate) enum ScopeUser {
    /// A user with an id and no other field.
    Id(IdUser),
    /// Any other user, shared between versions.
    Full(Arc<User>),
}

/// A user with only an id, and the protocol [`User`] built from it on first read.
pub(crate) struct IdUser {
    id: TagText,
    user: OnceBox<User>,
}

impl Clone for IdUser {
    /// The id; the protocol user is built again if the copy is read.
    fn clone(&self) -> Self {
        Self::new(self.id.clone())
    }
}

impl IdUser {
    fn new(id: TagText) -> Self {
        Self {
            id,
            user: OnceBox::new(),
        }
    }
}

impl ScopeUser {
    /// A user with only `id`.
    pub(crate) fn id(id: TagText) -> Self {
        Self::Id(IdUser::new(id))
    }

    /// `user`, kept as its id alone when it has no other field.
    pub(crate) fn new(user: User) -> Self {
        match only_id(&user) {
            Some(id) => Self::id(TagText::new(id)),
            None => Self::Full(Arc::new(user)),
        }
    }

    /// The protocol user, built on the first call for an id alone.
    pub(crate) fn user(&self) -> &User {
        match self {
            Self::Full(user) => user,
            Self::Id(id) => id.user.get_or_init(|| Box::new(user_with_id(&id.id))),
        }
    }

    /// An owned copy of the protocol user (what an event carries).
    pub(crate) fn to_user(&self) -> User {
        match self {
            Self::Full(user) => User::clone(user),
            Self::Id(id) => user_with_id(&id.id),
        }
    }
}

/// The id of a user that has an id and no other field.
fn only_id(user: &User) -> Option<&str> {
    match user {
        User {
            id: Some(id),
            email: None,
            ip_address: None,
            username: None,
            other,
        } if other.is_empty() => Some(id),
        _ => None,
    }
}

fn user_with_id(id: &TagText) -> User {
    User {
        id: Some(String::from(id.as_str())),
        ..User::default()
    }
}

impl fmt::Debug for ScopeUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(user) => user.fmt(f),
            Self::Id(id) => f.debug_struct("User").field("id", &id.id).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentry_types::protocol::v7::IpAddress;

    fn with_id(id: &str) -> User {
        User {
            id: Some(id.to_owned()),
            ..User::default()
        }
    }

    #[test]
    fn a_user_with_only_an_id_is_kept_as_the_id_and_reads_back_equal() {
        for id in ["42", "an id longer than twenty-three bytes"] {
            let kept = ScopeUser::new(with_id(id));
            assert!(matches!(kept, ScopeUser::Id(_)));
            assert_eq!(kept.user(), &with_id(id));
            assert_eq!(kept.to_user(), with_id(id));
            assert_eq!(kept.clone().user(), &with_id(id));
        }
    }

    #[test]
    fn a_user_with_any_other_field_is_kept_whole() {
        let mut other = with_id("42");
        other.other.insert("plan".into(), "pro".into());
        let users = [
            User::default(),
            User {
                email: Some("a@example.com".into()),
                ..with_id("42")
            },
            User {
                ip_address: Some(IpAddress::Auto),
                ..User::default()
            },
            User {
                username: Some("ann".into()),
                ..User::default()
            },
            other,
        ];
        for user in users {
            let kept = ScopeUser::new(user.clone());
            assert!(matches!(kept, ScopeUser::Full(_)), "{user:?}");
            assert_eq!(kept.user(), &user);
            assert_eq!(kept.to_user(), user);
        }
    }
}
