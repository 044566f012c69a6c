//! The sample dataset: an [`Archive`] of invented cases, in English and in Russian, for demos,
//! training, screenshots and tests. Every person, unit, organisation and small place in it is
//! invented; towns and regions are real, to make it plausible.
//!
//! It has five compartments (`chechnya-2019-2021`, `crimea`, `lgbt-persecution`, `general`,
//! and `source-identities`, which holds the real identities behind the pseudonymous codes
//! `W-…` of the others), every act type of [`crate::vocab::REQUIRED_ACT_TYPES`], dates of every
//! precision, units with memberships over time, testimonies with consent (two of them
//! withdrawn), and interventions with deadlines from 2026-12 on. The file is
//! `data/sample/khronika-sample.json`; the tests check that it stays valid.

use crate::archive::{Archive, ArchiveError};

/// The sample dataset as JSON.
pub const SAMPLE: &str = include_str!("../data/sample/khronika-sample.json");

/// The sample dataset, read. Fails only if the embedded file was edited into an invalid
/// state, which the tests catch.
pub fn sample() -> Result<Archive, ArchiveError> {
    Archive::parse(SAMPLE)
}
