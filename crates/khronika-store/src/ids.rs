//! Identifiers: 128-bit random ids for vaults, devices, members and compartments.

use std::fmt;

use khronika_crypto::hash::{from_hex, to_hex};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 16]);

        impl $name {
            /// A fresh random id.
            pub fn random(rng: &mut dyn khronika_crypto::Entropy) -> Result<Self, khronika_crypto::CryptoError> {
                let mut b = [0u8; 16];
                rng.fill(&mut b)?;
                Ok(Self(b))
            }
            /// Lower-case hex, 32 characters.
            pub fn to_hex(&self) -> String {
                to_hex(&self.0)
            }
            /// Parse 32 hex characters.
            pub fn from_hex(s: &str) -> Option<Self> {
                from_hex::<16>(s).map(Self)
            }
            /// The first 8 hex characters, for people.
            pub fn short(&self) -> String {
                to_hex(&self.0[..4])
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }
    };
}

id_type!(
    /// Identifies a vault; bound into every log entry and checkpoint.
    VaultId
);
id_type!(
    /// Identifies a device (one laptop, one server); each has its own log.
    DeviceId
);
id_type!(
    /// Identifies a member of the organisation.
    MemberId
);
id_type!(
    /// Identifies a compartment. Names are sealed; only this random id is public.
    CompartmentId
);

impl CompartmentId {
    /// The id used for things that belong to no compartment (device genesis entries).
    pub const NONE: CompartmentId = CompartmentId([0; 16]);
}
