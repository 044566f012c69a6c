//! Compartments in use: creating them, granting and withdrawing access, and the directory of
//! every compartment as the logs describe it.
//!
//! A compartment is a set of records (and evidence) sealed under its own key. Its key has
//! **epochs**; each epoch's random secret is wrapped, in a public key-epoch entry, to every
//! member who may read it and to the vault's recovery key. So:
//!
//! - **grant** = a key-epoch entry that wraps every epoch of the compartment the granter holds
//!   to the new member (old records become readable to them);
//! - **withdraw** (a member loses access, or is removed) = a **new epoch** wrapped to everyone
//!   who keeps access and to the recovery key: what is written from then on is sealed under a
//!   secret the removed member never saw.
//!
//! The compartment's name (and whether it is the source-identities register) is sealed in each
//! key-epoch entry under that epoch's key: outsiders see only an id.
//!
//! Sealed description (FORMATS §compartments): the name, then optionally `\n` and the word
//! `source-identities`, zero-padded to a multiple of 64 bytes.

use std::collections::{BTreeMap, BTreeSet};

use khronika_crypto::aead::AssociatedData;
use khronika_crypto::wrap;
use khronika_crypto::{Entropy, Key32, OsEntropy, aead};
use khronika_store::entry::{Entry, entry_kind};
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::payloads::{self, Genesis, KeyEpoch, Recipient};
use khronika_store::{CompartmentId, MemberId};
use serde::Serialize;

use crate::error::{AppError, ErrorCode};
use crate::members::Role;
use crate::vault::{LogLine, UnlockedVault};

/// The word that marks the source-identities register in a sealed description.
const SOURCE_IDENTITIES: &str = "source-identities";
/// Longest compartment name, in bytes.
pub const MAX_NAME: usize = 64;

/// One compartment, as far as this member can see it.
#[derive(Debug, Clone, Serialize)]
pub struct Compartment {
    /// Its id (public).
    #[serde(serialize_with = "hex_id")]
    pub id: CompartmentId,
    /// Its name, if this member holds one of its epochs.
    pub name: Option<String>,
    /// True for the register of the real identities behind pseudonymous sources.
    pub source_identities: bool,
    /// The newest epoch.
    pub epoch: u32,
    /// Members who hold the newest epoch (public: the wraps name them).
    #[serde(serialize_with = "hex_members")]
    pub holders: BTreeSet<MemberId>,
    /// True if this member holds the newest epoch.
    pub readable: bool,
}

fn hex_id<S: serde::Serializer>(c: &CompartmentId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&c.to_hex())
}

fn hex_members<S: serde::Serializer>(m: &BTreeSet<MemberId>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(m.iter().map(MemberId::to_hex))
}

/// Check a compartment name: 1–64 of lowercase letters, digits and `-`, starting with a
/// letter or digit.
pub fn check_name(name: &str) -> Result<(), AppError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Usage,
            format!(
                "`{name}` is not a usable compartment name: use 1 to {MAX_NAME} lowercase letters, digits and dashes, e.g. `chechnya-2019`"
            ),
        ))
    }
}

/// The plaintext of a compartment's sealed description.
pub fn info_plaintext(name: &str, source_identities: bool) -> Vec<u8> {
    if source_identities {
        payloads::info_plaintext(&format!("{name}\n{SOURCE_IDENTITIES}"))
    } else {
        payloads::info_plaintext(name)
    }
}

/// Parse an opened description: (name, source identities?).
pub fn parse_info(plain: &[u8]) -> Result<(String, bool), String> {
    let text = payloads::info_name(plain)?;
    match text.split_once('\n') {
        None => Ok((text, false)),
        Some((name, SOURCE_IDENTITIES)) => Ok((name.to_owned(), true)),
        Some((_, other)) => Err(format!("unknown compartment property `{other}`")),
    }
}

pub(crate) fn wrap_ad(c: CompartmentId, epoch: u32, r: &Recipient) -> [u8; aead::AD_LEN] {
    AssociatedData {
        kind: kind::EPOCH_WRAP,
        compartment: c.0,
        epoch,
        id: r.ad_id(),
    }
    .encode()
}

/// The directory of compartments folded from every key-epoch entry (and member removals).
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Per compartment, per epoch: the members an epoch was wrapped to.
    pub(crate) epochs: BTreeMap<CompartmentId, BTreeMap<u32, BTreeSet<MemberId>>>,
    /// Names and kinds learnt by opening sealed descriptions.
    pub(crate) info: BTreeMap<CompartmentId, (String, bool)>,
}

impl Directory {
    /// Fold over key-epoch entries; `open` opens a sealed description when the member holds
    /// that epoch's keys.
    pub(crate) fn fold<'a>(
        entries: impl IntoIterator<Item = &'a Entry>,
        keys: &BTreeMap<(CompartmentId, u32), EpochKeys>,
    ) -> Directory {
        let mut d = Directory::default();
        for e in entries {
            if e.body.kind != entry_kind::KEY_EPOCH {
                continue;
            }
            let Ok(ke) = KeyEpoch::decode(&e.body.payload) else {
                continue;
            };
            let holders = d
                .epochs
                .entry(e.body.compartment)
                .or_default()
                .entry(e.body.epoch)
                .or_default();
            for (r, _) in &ke.wraps {
                if let Recipient::Member(m) = r {
                    holders.insert(*m);
                }
            }
            if !d.info.contains_key(&e.body.compartment)
                && let Some(k) = keys.get(&(e.body.compartment, e.body.epoch))
                && let Ok(plain) = aead::open(
                    k.payload_key(),
                    &k.ad(kind::COMPARTMENT_INFO, [0; 32]),
                    &ke.sealed_info,
                )
                && let Ok(info) = parse_info(&plain)
            {
                d.info.insert(e.body.compartment, info);
            }
        }
        d
    }

    /// The newest epoch of a compartment.
    pub fn current_epoch(&self, c: &CompartmentId) -> Option<u32> {
        self.epochs
            .get(c)
            .and_then(|e| e.keys().next_back().copied())
    }

    /// Members holding the newest epoch.
    pub fn holders(&self, c: &CompartmentId) -> BTreeSet<MemberId> {
        self.epochs
            .get(c)
            .and_then(|e| e.values().next_back().cloned())
            .unwrap_or_default()
    }

    /// True if `c` is a source-identities register (as far as this member can tell).
    pub fn is_source_identities(&self, c: &CompartmentId) -> bool {
        self.info.get(c).is_some_and(|(_, s)| *s)
    }

    /// The compartment with this name, among those whose names this member can read.
    pub fn by_name(&self, name: &str) -> Option<CompartmentId> {
        self.info
            .iter()
            .find(|(_, (n, _))| n == name)
            .map(|(c, _)| *c)
    }

    /// The name of a compartment, or its short id.
    pub fn label(&self, c: &CompartmentId) -> String {
        self.info
            .get(c)
            .map_or_else(|| c.short(), |(n, _)| n.clone())
    }
}

impl UnlockedVault {
    /// Every compartment of the vault, sorted by name (unreadable ones last, by id).
    pub fn compartments(&self) -> Vec<Compartment> {
        let d = &self.directory;
        let mut out: Vec<Compartment> = d
            .epochs
            .keys()
            .map(|c| {
                let epoch = d.current_epoch(c).unwrap_or(0);
                let holders = d.holders(c);
                Compartment {
                    id: *c,
                    name: d.info.get(c).map(|(n, _)| n.clone()),
                    source_identities: d.is_source_identities(c),
                    epoch,
                    readable: self.epochs.contains_key(&(*c, epoch)),
                    holders,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (a.name.is_none(), &a.name, a.id.0).cmp(&(b.name.is_none(), &b.name, b.id.0))
        });
        out
    }

    /// The compartment called `name`; a clear error if there is none this member can read.
    pub fn find_compartment(&self, name: &str) -> Result<CompartmentId, AppError> {
        self.directory.by_name(name).ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!(
                    "no compartment `{name}` that you can read; `khronika compartment ls` lists them"
                ),
            )
        })
    }

    /// The default compartment (new evidence, and the member directory).
    pub fn default_compartment(&self) -> CompartmentId {
        self.vault.marker.compartment
    }

    /// The newest keys of `c` that this member holds, or a clear error.
    ///
    /// These are the keys to write under, so a token that may not write there is refused.
    pub(crate) fn newest_keys(&self, c: CompartmentId) -> Result<EpochKeys, AppError> {
        self.token_may_stage(&c)?;
        let epoch = self.directory.current_epoch(&c).unwrap_or(0);
        self.epochs.get(&(c, epoch)).cloned().ok_or_else(|| {
            AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "you do not hold the key of compartment {}; ask an administrator for a grant",
                    self.directory.label(&c)
                ),
            )
        })
    }

    /// The recovery key's public half, from this device's genesis.
    pub(crate) fn recovery_public(&self) -> Result<wrap::WrapPublic, AppError> {
        let m = &self.vault.marker;
        self.lines
            .iter()
            .find(|l| {
                l.entry.body.kind == entry_kind::DEVICE_GENESIS && l.entry.body.device == m.device
            })
            .and_then(|l| Genesis::decode(&l.entry.body.payload, &m.vault, &m.device).ok())
            .map(|g| g.recovery)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Damaged,
                    "this device's genesis entry is unreadable; run `khronika verify`",
                )
            })
    }

    /// Create a compartment, held by this member (and the recovery key). Coordinators and
    /// administrators only.
    pub fn create_compartment(
        &mut self,
        name: &str,
        source_identities: bool,
    ) -> Result<CompartmentId, AppError> {
        self.require_role(Role::Coordinator, "create a compartment")?;
        self.token_everything("create a compartment")?;
        check_name(name)?;
        if self.directory.by_name(name).is_some() {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!("a compartment `{name}` exists already; choose another name"),
            ));
        }
        if source_identities && self.directory.info.values().any(|(_, s)| *s) {
            return Err(AppError::new(
                ErrorCode::Usage,
                "this vault has a source-identities register already; keep one, so that every opening is logged in one place",
            ));
        }
        let mut rng = OsEntropy;
        let c = CompartmentId::random(&mut rng).map_err(crypto)?;
        let secret = Key32::random(&mut rng).map_err(crypto)?;
        let me = self.member;
        let to = vec![(me, self.member_wrap_public(&me)?)];
        self.append_epoch(c, 0, &secret, &to, name, source_identities, &mut rng)?;
        self.commit_staged()?;
        Ok(c)
    }

    /// Give `member` every epoch of `c` that this member holds. Coordinators and
    /// administrators only.
    pub fn grant(&mut self, c: CompartmentId, member: MemberId) -> Result<(), AppError> {
        self.require_role(Role::Coordinator, "grant access")?;
        self.token_compartment(&c, "grant access to it")?;
        if self.is_removed(&member) {
            return Err(AppError::new(
                ErrorCode::Usage,
                "that member was removed; add them again as a new member",
            ));
        }
        if self.directory.holders(&c).contains(&member) {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!("that member already holds `{}`", self.directory.label(&c)),
            ));
        }
        self.grant_staged(c, member)?;
        self.commit_staged()
    }

    /// Stage the key-epoch entries of a grant (no checks of role; nothing committed).
    pub(crate) fn grant_staged(
        &mut self,
        c: CompartmentId,
        member: MemberId,
    ) -> Result<(), AppError> {
        let to_public = self.member_wrap_public(&member)?;
        let (name, si) = self.directory.info.get(&c).cloned().ok_or_else(|| {
            AppError::new(
                ErrorCode::Forbidden,
                "you cannot read that compartment, so you cannot grant it",
            )
        })?;
        let held: Vec<(u32, Key32)> = self
            .epoch_secrets
            .range((c, 0)..=(c, u32::MAX))
            .map(|((_, e), s)| (*e, s.clone()))
            .collect();
        let mut rng = OsEntropy;
        for (epoch, secret) in held {
            self.append_epoch(
                c,
                epoch,
                &secret,
                &[(member, to_public)],
                &name,
                si,
                &mut rng,
            )?;
        }
        Ok(())
    }

    /// Withdraw `member`'s access to `c`: a new epoch for everyone else who holds it.
    pub fn withdraw(&mut self, c: CompartmentId, member: MemberId) -> Result<(), AppError> {
        self.require_role(Role::Coordinator, "withdraw access")?;
        self.token_compartment(&c, "withdraw access to it")?;
        if !self.directory.holders(&c).contains(&member) {
            return Err(AppError::new(
                ErrorCode::Usage,
                "that member does not hold this compartment",
            ));
        }
        self.rotate(c, &[member])?;
        self.commit_staged()
    }

    /// Stage a new epoch of `c` for its holders minus `without`.
    pub(crate) fn rotate(
        &mut self,
        c: CompartmentId,
        without: &[MemberId],
    ) -> Result<(), AppError> {
        let (name, si) = self.directory.info.get(&c).cloned().ok_or_else(|| {
            AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "you cannot read compartment {}, so you cannot start its new key epoch; ask a member who holds it",
                    c.short()
                ),
            )
        })?;
        let mut to = Vec::new();
        for m in self.directory.holders(&c) {
            if !without.contains(&m) && !self.is_removed(&m) {
                to.push((m, self.member_wrap_public(&m)?));
            }
        }
        let epoch = self.directory.current_epoch(&c).unwrap_or(0) + 1;
        let mut rng = OsEntropy;
        let secret = Key32::random(&mut rng).map_err(crypto)?;
        self.append_epoch(c, epoch, &secret, &to, &name, si, &mut rng)
    }

    /// Stage a key-epoch entry wrapping `secret` to `to` (and to the recovery key), and learn
    /// its keys if this member is among the recipients.
    #[allow(clippy::too_many_arguments)]
    fn append_epoch(
        &mut self,
        c: CompartmentId,
        epoch: u32,
        secret: &Key32,
        to: &[(MemberId, wrap::WrapPublic)],
        name: &str,
        source_identities: bool,
        rng: &mut dyn Entropy,
    ) -> Result<(), AppError> {
        self.token_may_stage(&c)?;
        let keys = EpochKeys::derive(c, epoch, secret);
        let mut wraps = Vec::new();
        let mut recipients: Vec<(Recipient, wrap::WrapPublic)> = to
            .iter()
            .map(|(m, p)| (Recipient::Member(*m), *p))
            .collect();
        // A new epoch goes to the recovery key too; a grant of an old one needs not repeat it.
        let fresh = !self.epoch_secrets.contains_key(&(c, epoch));
        if fresh {
            recipients.push((Recipient::Recovery, self.recovery_public()?));
        }
        for (r, public) in recipients {
            wraps.push((
                r,
                wrap::wrap(secret, &public, &wrap_ad(c, epoch, &r), rng).map_err(crypto)?,
            ));
        }
        let sealed_info = aead::seal(
            keys.payload_key(),
            &keys.ad(kind::COMPARTMENT_INFO, [0; 32]),
            &info_plaintext(name, source_identities),
            rng,
        )
        .map_err(crypto)?;
        let payload = KeyEpoch { wraps, sealed_info }
            .encode()
            .map_err(AppError::internal)?;
        let e = self.log.stage(
            &self.device_key,
            entry_kind::KEY_EPOCH,
            c,
            epoch,
            vec![],
            vec![],
            payload,
        )?;
        let holders = self
            .directory
            .epochs
            .entry(c)
            .or_default()
            .entry(epoch)
            .or_default();
        holders.extend(to.iter().map(|(m, _)| *m));
        self.directory
            .info
            .entry(c)
            .or_insert_with(|| (name.to_owned(), source_identities));
        if to.iter().any(|(m, _)| *m == self.member) {
            self.epochs.insert((c, epoch), keys);
            self.epoch_secrets.insert((c, epoch), secret.clone());
        }
        self.lines.push(LogLine {
            entry: e,
            evidence: None,
        });
        Ok(())
    }

    /// Make everything staged durable (one commit: bundles, tiles, checkpoint).
    pub(crate) fn commit_staged(&mut self) -> Result<(), AppError> {
        let backend = self.vault.backend.clone();
        self.log.commit(backend.as_ref(), &self.device_key)?;
        Ok(())
    }
}

fn crypto(e: khronika_crypto::CryptoError) -> AppError {
    AppError::internal(format!("cryptographic operation failed: {e}"))
}
