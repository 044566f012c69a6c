//! Members of the organisation: roles, adding and removing members, and unlocking as one.
//!
//! A member has a secret (sealed in `keys/member-<id>.key` under their passphrase) from which
//! their signing and wrapping keys are derived. The person who created the vault is its first
//! administrator. Adding a member is a log entry (kind 7) sealed under the default compartment,
//! which every member holds, naming the member's role, name and public keys; the default
//! compartment is granted to them at once. Removing a member is a public entry (kind 8) plus a
//! new key epoch of every compartment they held.
//!
//! Roles, from least to most: **viewer** (reads what they are granted), **documenter** (also
//! creates and edits records), **coordinator** (also creates compartments and grants access),
//! **administrator** (also adds and removes members). The app checks the role before every
//! change; cryptography decides what can be read.

use std::collections::BTreeMap;

use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::wrap::WrapPublic;
use khronika_crypto::{Key32, OsEntropy, Passphrase};
use khronika_store::entry::{Entry, entry_kind};
use khronika_store::payloads::Genesis;
use khronika_store::{CompartmentId, MemberId};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorCode};
use crate::keyslot;
use crate::layout::{self, create_durable};
use crate::sealed;
use crate::time::now_ms;
use crate::vault::{LogLine, UnlockedVault, member_sign_key, member_wrap_key};

/// What a member may do. Ordered: each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads what they are granted.
    Viewer,
    /// Also creates and edits records.
    Documenter,
    /// Also creates compartments and grants access to them.
    Coordinator,
    /// Also adds and removes members.
    Administrator,
}

impl Role {
    /// The word used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Documenter => "documenter",
            Role::Coordinator => "coordinator",
            Role::Administrator => "administrator",
        }
    }

    /// Parse a role word.
    pub fn parse(s: &str) -> Result<Role, AppError> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "documenter" => Ok(Role::Documenter),
            "coordinator" => Ok(Role::Coordinator),
            "administrator" | "admin" => Ok(Role::Administrator),
            _ => Err(AppError::new(
                ErrorCode::Usage,
                format!(
                    "`{s}` is not a role: use viewer, documenter, coordinator or administrator"
                ),
            )),
        }
    }
}

/// The sealed payload of a member-added entry. Field names are part of the format.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPayload {
    /// Payload version (1).
    pub v: u32,
    /// The member (hex).
    pub member: String,
    /// Their role.
    pub role: Role,
    /// What to call them (a name or a handle).
    pub name: String,
    /// Their X25519 wrapping key (hex): key epochs are wrapped to it.
    pub wrap: String,
    /// Their Ed25519 signing key (hex).
    pub sign: String,
    /// Who added them (hex).
    pub added_by: String,
    /// When, milliseconds since 1970 by the adding device's clock.
    pub time_ms: i64,
}

/// One member as the vault knows them.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// The member id (hex).
    pub id: String,
    /// Their role.
    pub role: Role,
    /// Their name, if known.
    pub name: String,
    /// True once removed.
    pub removed: bool,
    /// Whether this is the member who unlocked.
    pub you: bool,
}

/// Members folded from the logs.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// Member → (role, name, wrapping key).
    pub(crate) members: BTreeMap<MemberId, (Role, String, WrapPublic)>,
    /// Members removed.
    pub(crate) removed: std::collections::BTreeSet<MemberId>,
}

impl Roster {
    /// Fold genesis entries (their members are administrators), member-added entries this
    /// member can open (`open`), and removals.
    pub(crate) fn fold<'a>(
        entries: impl IntoIterator<Item = &'a Entry>,
        mut open: impl FnMut(&Entry) -> Option<MemberPayload>,
    ) -> Roster {
        let mut r = Roster::default();
        for e in entries {
            match e.body.kind {
                entry_kind::DEVICE_GENESIS => {
                    if let Ok(g) = Genesis::decode(&e.body.payload, &e.body.vault, &e.body.device) {
                        r.members.entry(g.member).or_insert((
                            Role::Administrator,
                            String::new(),
                            g.member_wrap,
                        ));
                    }
                }
                entry_kind::MEMBER_ADD => {
                    if let Some(p) = open(e)
                        && let (Some(m), Some(w)) = (from_hex16(&p.member), from_hex32(&p.wrap))
                    {
                        r.members
                            .insert(MemberId(m), (p.role, p.name.clone(), WrapPublic(w)));
                    }
                }
                entry_kind::MEMBER_REVOKE => {
                    if let Some(m) = e.body.payload.get(..16).and_then(|b| b.try_into().ok()) {
                        r.removed.insert(MemberId(m));
                    }
                }
                _ => {}
            }
        }
        r
    }
}

fn from_hex16(s: &str) -> Option<[u8; 16]> {
    khronika_crypto::hash::from_hex(s)
}

fn from_hex32(s: &str) -> Option<[u8; 32]> {
    khronika_crypto::hash::from_hex(s)
}

impl UnlockedVault {
    /// The unlocked member's role.
    pub fn role(&self) -> Role {
        self.roster
            .members
            .get(&self.member)
            .map_or(Role::Viewer, |(r, _, _)| *r)
    }

    /// Refuse unless the unlocked member has at least `min`.
    ///
    /// A token session is held to its scope first: every change needs a token that writes,
    /// and administration one that reaches every compartment.
    pub(crate) fn require_role(&self, min: Role, what: &str) -> Result<(), AppError> {
        if min > Role::Viewer {
            self.token_write(what)?;
        }
        if min == Role::Administrator {
            self.token_everything(what)?;
        }
        if self.role() >= min {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "to {what} you need the role {} or higher; yours is {}. Ask an administrator.",
                    min.as_str(),
                    self.role().as_str()
                ),
            ))
        }
    }

    /// True if the member was removed.
    pub(crate) fn is_removed(&self, m: &MemberId) -> bool {
        self.roster.removed.contains(m)
    }

    /// The wrapping key of a member, or a clear error.
    pub(crate) fn member_wrap_public(&self, m: &MemberId) -> Result<WrapPublic, AppError> {
        self.roster
            .members
            .get(m)
            .map(|(_, _, w)| *w)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!(
                        "no member {} in this vault; `khronika member ls` lists them",
                        m.short()
                    ),
                )
            })
    }

    /// Every member, sorted by name then id.
    pub fn members(&self) -> Vec<Member> {
        let mut out: Vec<Member> = self
            .roster
            .members
            .iter()
            .map(|(m, (role, name, _))| Member {
                id: m.to_hex(),
                role: *role,
                name: if name.is_empty() && *role == Role::Administrator {
                    "(created the vault)".to_owned()
                } else {
                    name.clone()
                },
                removed: self.roster.removed.contains(m),
                you: *m == self.member,
            })
            .collect();
        out.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        out
    }

    /// Find a member by id prefix (at least 6 hex characters) or exact name.
    pub fn find_member(&self, who: &str) -> Result<MemberId, AppError> {
        let w = who.trim();
        let lower = w.to_ascii_lowercase();
        let hits: Vec<MemberId> = self
            .roster
            .members
            .iter()
            .filter(|(m, (_, name, _))| {
                name == w || (lower.len() >= 6 && m.to_hex().starts_with(&lower))
            })
            .map(|(m, _)| *m)
            .collect();
        match hits.as_slice() {
            [m] => Ok(*m),
            [] => Err(AppError::new(
                ErrorCode::NotFound,
                format!("no member `{who}`; `khronika member ls` lists them"),
            )),
            _ => Err(AppError::new(
                ErrorCode::Usage,
                format!("`{who}` matches several members; give more of the id"),
            )),
        }
    }

    /// Add a member with `role`, whose key slot on this device opens with `passphrase`.
    /// Administrators only. The default compartment is granted to them.
    pub fn add_member(
        &mut self,
        name: &str,
        role: Role,
        passphrase: &Passphrase,
        params: Argon2Params,
    ) -> Result<MemberId, AppError> {
        self.require_role(Role::Administrator, "add a member")?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(AppError::new(
                ErrorCode::Usage,
                "give the member a name or handle of 1 to 200 characters, on one line",
            ));
        }
        if self
            .roster
            .members
            .values()
            .any(|(_, n, _)| n.as_str() == name)
        {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!("a member called `{name}` exists already; choose another name"),
            ));
        }
        let mut rng = OsEntropy;
        let e = |e: khronika_crypto::CryptoError| AppError::internal(e.to_string());
        let member = MemberId::random(&mut rng).map_err(e)?;
        let secret = Key32::random(&mut rng).map_err(e)?;
        let root = self.vault.root.clone();
        let fs = self.vault.fs.clone();
        let slot =
            keyslot::seal_member(&member, &secret, passphrase, params, &mut rng).map_err(e)?;
        create_durable(fs.as_ref(), &layout::member_slot(&root, &member), &slot)?;
        // This device's signing key, sealed for the new member too, so that they can work here.
        let seed = self.device_seed.clone();
        let dslot =
            keyslot::seal_device(&self.vault.marker.device, &member, &secret, &seed, &mut rng)
                .map_err(e)?;
        create_durable(
            fs.as_ref(),
            &layout::member_device_slot(&root, &member),
            &dslot,
        )?;

        let wrap = member_wrap_key(&secret).public();
        let payload = MemberPayload {
            v: 1,
            member: member.to_hex(),
            role,
            name: name.to_owned(),
            wrap: khronika_crypto::hash::to_hex(&wrap.0),
            sign: khronika_crypto::hash::to_hex(&member_sign_key(&secret).public().0),
            added_by: self.member.to_hex(),
            time_ms: now_ms(),
        };
        let c = self.default_compartment();
        let keys = self.newest_keys(c)?;
        let m = &self.vault.marker;
        let sealed = sealed::seal_json(
            &payload,
            &keys,
            &m.vault,
            &m.device,
            self.log.next_index(),
            &mut rng,
        )?;
        let entry = self.log.stage(
            &self.device_key,
            entry_kind::MEMBER_ADD,
            c,
            keys.epoch,
            vec![],
            vec![],
            sealed,
        )?;
        self.lines.push(LogLine {
            entry,
            evidence: None,
        });
        self.roster
            .members
            .insert(member, (role, name.to_owned(), wrap));
        self.grant_staged(c, member)?;
        self.commit_staged()?;
        Ok(member)
    }

    /// Remove a member: a public removal entry, and a new key epoch of every compartment they
    /// held, so that nothing written from now on opens with their keys. Administrators only.
    pub fn remove_member(&mut self, member: MemberId) -> Result<Vec<CompartmentId>, AppError> {
        self.require_role(Role::Administrator, "remove a member")?;
        if member == self.member {
            return Err(AppError::new(
                ErrorCode::Usage,
                "you cannot remove yourself; ask another administrator",
            ));
        }
        self.member_wrap_public(&member)?;
        if self.is_removed(&member) {
            return Err(AppError::new(
                ErrorCode::Usage,
                "that member was removed already",
            ));
        }
        let held: Vec<CompartmentId> = self
            .directory
            .epochs
            .keys()
            .filter(|c| self.directory.holders(c).contains(&member))
            .copied()
            .collect();
        let unreadable: Vec<String> = held
            .iter()
            .filter(|c| !self.directory.info.contains_key(c))
            .map(CompartmentId::short)
            .collect();
        if !unreadable.is_empty() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "the member holds compartments you cannot read ({}); a member who holds them must remove this member, so that their keys can be renewed",
                    unreadable.join(", ")
                ),
            ));
        }
        let mut payload = member.0.to_vec();
        payload.extend_from_slice(&now_ms().to_be_bytes());
        self.token_may_stage(&CompartmentId::NONE)?;
        let entry = self.log.stage(
            &self.device_key,
            entry_kind::MEMBER_REVOKE,
            CompartmentId::NONE,
            0,
            vec![],
            vec![],
            payload,
        )?;
        self.lines.push(LogLine {
            entry,
            evidence: None,
        });
        self.roster.removed.insert(member);
        for c in &held {
            self.rotate(*c, &[member])?;
        }
        self.commit_staged()?;
        // Their API tokens on this node open nothing from now on (other nodes refuse them at
        // unlock once they hold the removal).
        self.erase_member_tokens(&member);
        Ok(held)
    }
}
