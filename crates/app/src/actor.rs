//! Who is acting: the signed-in user as the use cases see it. Every use case that reads
//! private data or changes state on someone's behalf takes an [`Actor`] and checks it
//! server-side; transports only build it from a verified session.

use crate::{AppError, AppResult};

/// A verified user and what they may act for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id.
    pub user_id: String,
    /// Organizations the user is a member of.
    pub organizations: Vec<String>,
    /// Whether the user administers the hub.
    pub is_admin: bool,
}

impl Actor {
    /// The local operator (CLI commands, seeding, tests): administrator rights. Never
    /// built from a network request.
    pub fn operator() -> Actor {
        Actor { user_id: "operator".into(), organizations: Vec::new(), is_admin: true }
    }

    /// Whether the user may act for `organization`.
    pub fn acts_for(&self, organization: &str) -> bool {
        self.is_admin || self.organizations.iter().any(|o| o == organization)
    }
}

/// Fails with [`AppError::Forbidden`] unless the actor may act for `organization`.
pub(crate) fn require_acts_for(actor: &Actor, organization: &str, what: &str) -> AppResult<()> {
    if actor.acts_for(organization) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("only members of {organization} (or an administrator) may {what}")))
    }
}

/// Fails with [`AppError::Forbidden`] and `why` unless the actor administers the hub.
pub(crate) fn require_admin(actor: &Actor, why: &str) -> AppResult<()> {
    if actor.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(why.to_owned()))
    }
}
