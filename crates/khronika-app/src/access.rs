//! What each role may do, decided here once for every interface.
//!
//! The app's methods check roles themselves before every change (and compartment keys decide
//! what can be read at all); this table is what the web application and the API consult
//! before they call them, one [`Action`] per route, so that a route cannot be added without
//! saying who may use it. A vault unlocked by an API token is held to the token's scope here
//! as well (see [`crate::tokens`]).

use khronika_store::CompartmentId;
use serde::Serialize;

use crate::error::{AppError, ErrorCode};
use crate::members::Role;
use crate::vault::UnlockedVault;

/// Something a member asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read records, evidence, history, custody, search and sync status of the compartments
    /// one holds keys for.
    Read,
    /// Create and edit records, add evidence.
    Write,
    /// Create compartments, grant and withdraw access to them; accept or reject the
    /// quarantined entries of revoked devices.
    Coordinate,
    /// Add and remove members.
    Administer,
    /// Erase this node's key slots (the panic button).
    Panic,
}

impl Action {
    /// Every action, for tests and documentation.
    pub const ALL: [Action; 5] = [
        Action::Read,
        Action::Write,
        Action::Coordinate,
        Action::Administer,
        Action::Panic,
    ];

    /// The least role that may do this.
    pub fn least_role(self) -> Role {
        match self {
            // Any member may press the panic button: the one who sees the raid coming may be
            // a documenter, and erasing key slots loses nothing that the mirrors hold.
            Action::Read | Action::Panic => Role::Viewer,
            Action::Write => Role::Documenter,
            Action::Coordinate => Role::Coordinator,
            Action::Administer => Role::Administrator,
        }
    }

    /// Whether `role` may do this.
    pub fn allowed(self, role: Role) -> bool {
        role >= self.least_role()
    }

    /// How the refusal reads.
    fn what(self) -> &'static str {
        match self {
            Action::Read => "read the vault",
            Action::Write => "create or change records and evidence",
            Action::Coordinate => "manage compartments and grants, or review quarantined entries",
            Action::Administer => "manage members",
            Action::Panic => "erase this node's keys",
        }
    }
}

impl UnlockedVault {
    /// Refuse, with an error that says what to do, unless this member (still a member, not
    /// removed) has a role that allows `action`, and, when the vault was unlocked by an API
    /// token, the token allows it too: [`Action::Write`] and [`Action::Coordinate`] need a
    /// token that writes; [`Action::Administer`] and [`Action::Panic`] one that writes and
    /// reaches every compartment. Which compartments a token reaches is checked by
    /// [`UnlockedVault::may_in`], and again by every read and write of the app.
    pub fn may(&self, action: Action) -> Result<(), AppError> {
        if self.is_removed(&self.member) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "you were removed from this vault's members; ask an administrator",
            ));
        }
        match action {
            Action::Read => {}
            Action::Write | Action::Coordinate => self.token_write(action.what())?,
            Action::Administer | Action::Panic => self.token_everything(action.what())?,
        }
        self.require_role(action.least_role(), action.what())
    }

    /// [`UnlockedVault::may`], in compartment `c`: also refused when the vault was unlocked
    /// by a token that does not reach `c`.
    pub fn may_in(&self, action: Action, c: CompartmentId) -> Result<(), AppError> {
        self.may(action)?;
        self.token_compartment(&c, action.what())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_do_what_the_ones_below_it_may() {
        let roles = [
            Role::Viewer,
            Role::Documenter,
            Role::Coordinator,
            Role::Administrator,
        ];
        let table: Vec<Vec<bool>> = roles
            .iter()
            .map(|r| Action::ALL.iter().map(|a| a.allowed(*r)).collect())
            .collect();
        assert_eq!(
            table,
            vec![
                vec![true, false, false, false, true],
                vec![true, true, false, false, true],
                vec![true, true, true, false, true],
                vec![true, true, true, true, true],
            ]
        );
    }
}
