//! Selective disclosure: opening chosen fields of an evidence entry to someone outside the
//! organisation, through the entry's per-field salted commitments, without revealing the rest.
//!
//! A disclosure is a small JSON document (`khronika-disclosure/v1`) written in one canonical
//! form: fields in a fixed order, lower-case hex, no extra space. A reader refuses any other
//! form, so that no byte of it can change without the verification failing.
//!
//! ```json
//! {"format":"khronika-disclosure/v1","origin":"khronika/vault/…/device/…","index":7,
//!  "fields":{"sha256":{"value":"…","salt":"…"},"size":{"value":"123","salt":"…"}}}
//! ```
//!
//! Each disclosed field is checked by recomputing SHA-256(`"khronika commitment v1\0"` ‖ field
//! id ‖ salt ‖ value) and finding it among the entry's public commitments.

use std::collections::BTreeMap;

use khronika_crypto::hash::{from_hex, to_hex};
use khronika_store::entry::{Entry, entry_kind};
use khronika_store::keys::commitment;
use serde::{Deserialize, Serialize};

use crate::catalog::{EvidencePayload, field};

/// The format name written in every disclosure.
pub const FORMAT: &str = "khronika-disclosure/v1";

/// Fields disclosed when nobody chooses: what a court needs to tie a file to the log, and
/// nothing about who collected it.
pub const DEFAULT_FIELDS: [&str; 4] = ["sha256", "size", "media_type", "time"];

/// One opened field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opened {
    /// The field's value, as committed (see `docs/FORMATS.md`).
    pub value: String,
    /// The field's salt (hex).
    pub salt: String,
}

/// A disclosure of some fields of one evidence entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Always [`FORMAT`].
    pub format: String,
    /// The origin of the log holding the entry.
    pub origin: String,
    /// The entry's index in that log.
    pub index: u64,
    /// The opened fields, by name.
    pub fields: BTreeMap<String, Opened>,
}

fn field_id(name: &str) -> Option<u8> {
    field::ALL
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(id, _)| *id)
}

impl Disclosure {
    /// Open `names` of `payload`, the payload of entry `index` of the log `origin`.
    pub fn new(
        payload: &EvidencePayload,
        names: &[&str],
        origin: &str,
        index: u64,
    ) -> Result<Self, String> {
        let mut fields = BTreeMap::new();
        for &name in names {
            let id = field_id(name).ok_or_else(|| {
                let known: Vec<&str> = field::ALL.iter().map(|(_, n)| *n).collect();
                format!(
                    "`{name}` is not a field that can be disclosed (choose from {})",
                    known.join(", ")
                )
            })?;
            let salt = payload
                .salts
                .get(name)
                .ok_or_else(|| format!("the entry has no salt for {name}"))?;
            let value = String::from_utf8(payload.field_value(id))
                .map_err(|_| format!("{name} is not text"))?;
            fields.insert(
                name.to_owned(),
                Opened {
                    value,
                    salt: salt.clone(),
                },
            );
        }
        Ok(Self {
            format: FORMAT.into(),
            origin: origin.into(),
            index,
            fields,
        })
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec(self).unwrap_or_default();
        b.push(b'\n');
        b
    }

    /// Parse, refusing anything but the canonical encoding.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let d: Disclosure = serde_json::from_slice(bytes)
            .map_err(|e| format!("the disclosure is not valid: {e}"))?;
        if d.format != FORMAT {
            return Err(format!("unknown disclosure format `{}`", d.format));
        }
        if d.to_bytes() != bytes {
            return Err("the disclosure is not in its canonical form (was it edited?)".into());
        }
        Ok(d)
    }

    /// Check every opened field against the entry's public commitments.
    pub fn check(&self, entry: &Entry) -> Result<(), String> {
        if entry.body.kind != entry_kind::EVIDENCE_ADD {
            return Err("the entry is not an evidence entry".into());
        }
        let origin = khronika_store::log::origin(&entry.body.vault, &entry.body.device);
        if self.origin != origin {
            return Err(format!(
                "the disclosure names the log {}, the leaf belongs to {origin}",
                self.origin
            ));
        }
        if entry.body.index != self.index {
            return Err(format!(
                "the disclosure is for entry {}, the leaf is entry {}",
                self.index, entry.body.index
            ));
        }
        for (name, opened) in &self.fields {
            let id = field_id(name).ok_or_else(|| format!("unknown field `{name}`"))?;
            let salt = from_hex::<32>(&opened.salt)
                .filter(|s| to_hex(s) == opened.salt)
                .ok_or_else(|| format!("the salt of {name} is not 64 lower-case hex digits"))?;
            let want = entry
                .body
                .commitments
                .iter()
                .find(|(f, _)| *f == id)
                .map(|(_, c)| c);
            match want {
                Some(c) if *c == commitment(id, &salt, opened.value.as_bytes()) => {}
                Some(_) => {
                    return Err(format!(
                        "the disclosed {name} does not match the entry's commitment"
                    ));
                }
                None => return Err(format!("the entry has no commitment for {name}")),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use khronika_crypto::SeededEntropy;
    use khronika_crypto::sign::SigningKey;
    use khronika_store::entry::EntryBody;
    use khronika_store::{CompartmentId, DeviceId, VaultId};

    fn payload() -> EvidencePayload {
        EvidencePayload {
            v: 1,
            id: "E0123456789ABCDEF".into(),
            name: "протокол обыска.pdf".into(),
            size: 1234,
            sha256: "ab".repeat(32),
            media_type: "application/pdf".into(),
            added_by: "11".repeat(16),
            device: "22".repeat(16),
            time: "2026-11-23T07:00:00.000Z".into(),
            clock: "system".into(),
            manifest: "33".repeat(32),
            salts: BTreeMap::new(),
        }
    }

    fn entry(p: &mut EvidencePayload) -> Entry {
        let commitments = p.commit(&mut SeededEntropy::new(4)).unwrap();
        let key = SigningKey::from_seed(&khronika_crypto::Key32::from_bytes([1; 32]));
        EntryBody {
            kind: entry_kind::EVIDENCE_ADD,
            vault: VaultId([1; 16]),
            device: DeviceId([2; 16]),
            index: 7,
            prev: [0; 32],
            compartment: CompartmentId([3; 16]),
            epoch: 0,
            objects: vec![],
            commitments,
            payload: vec![0; 64],
        }
        .sign(&key)
        .unwrap()
    }

    #[test]
    fn opens_only_the_chosen_fields_and_checks_them() {
        let mut p = payload();
        let e = entry(&mut p);
        let origin = khronika_store::log::origin(&e.body.vault, &e.body.device);
        let d = Disclosure::new(&p, &DEFAULT_FIELDS, &origin, 7).unwrap();
        let bytes = d.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            !text.contains("протокол") && !text.contains(&p.added_by),
            "undisclosed fields leaked: {text}"
        );
        let back = Disclosure::parse(&bytes).unwrap();
        assert_eq!(back, d);
        back.check(&e).unwrap();
        // Every single changed byte is refused, by the parser or by the commitments.
        for i in 0..bytes.len() {
            for bit in [0x01u8, 0x20] {
                let mut b = bytes.clone();
                b[i] ^= bit;
                let ok = Disclosure::parse(&b)
                    .map(|d| d.check(&e).is_ok())
                    .unwrap_or(false);
                assert!(!ok, "changing byte {i} (xor {bit:#x}) went unnoticed");
            }
        }
    }

    #[test]
    fn refuses_unknown_fields_and_other_entries() {
        let mut p = payload();
        let e = entry(&mut p);
        let o = khronika_store::log::origin(&e.body.vault, &e.body.device);
        assert!(Disclosure::new(&p, &["colour"], &o, 7).is_err());
        let d = Disclosure::new(&p, &["name"], &o, 8).unwrap();
        assert!(d.check(&e).unwrap_err().contains("entry 8"));
        let elsewhere = Disclosure::new(&p, &["name"], "khronika/vault/00/device/00", 7).unwrap();
        assert!(elsewhere.check(&e).unwrap_err().contains("names the log"));
        let mut lie = Disclosure::new(&p, &["size"], &o, 7).unwrap();
        lie.fields.get_mut("size").unwrap().value = "1235".into();
        assert!(lie.check(&e).unwrap_err().contains("does not match"));
    }
}
