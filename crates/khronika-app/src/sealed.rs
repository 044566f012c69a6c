//! Sealing and opening the JSON payloads of log entries (records, members, openings of the
//! source register), the same way evidence payloads are sealed: JSON padded with spaces to a
//! multiple of 256 bytes, XChaCha20-Poly1305 under the compartment epoch's payload key, with
//! the entry's position (vault, device, index) bound into the associated data.

use khronika_crypto::{Entropy, aead};
use khronika_store::entry::payload_id;
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::{DeviceId, VaultId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Payloads are padded to a multiple of this many bytes before sealing.
pub const PAD: usize = 256;

/// Seal `value` for the entry at `index` of `device`'s log.
pub(crate) fn seal_json<T: Serialize>(
    value: &T,
    keys: &EpochKeys,
    vault: &VaultId,
    device: &DeviceId,
    index: u64,
    rng: &mut dyn Entropy,
) -> Result<Vec<u8>, AppError> {
    let mut json = serde_json::to_vec(value).map_err(|e| AppError::internal(e.to_string()))?;
    json.resize(json.len().div_ceil(PAD) * PAD, b' ');
    let sealed = aead::seal(
        keys.payload_key(),
        &keys.ad(kind::ENTRY_PAYLOAD, payload_id(vault, device, index)),
        &json,
        rng,
    );
    zeroize::Zeroize::zeroize(&mut json);
    sealed.map_err(|e| AppError::internal(e.to_string()))
}

/// Open a payload sealed by [`seal_json`].
pub(crate) fn open_json<T: DeserializeOwned>(
    sealed: &[u8],
    keys: &EpochKeys,
    vault: &VaultId,
    device: &DeviceId,
    index: u64,
) -> Result<T, String> {
    let plain = aead::open(
        keys.payload_key(),
        &keys.ad(kind::ENTRY_PAYLOAD, payload_id(vault, device, index)),
        sealed,
    )
    .map_err(|e| format!("payload does not open: {e}"))?;
    // `plain` is zeroized when dropped.
    serde_json::from_slice(&plain).map_err(|e| format!("payload is not valid: {e}"))
}
