//! The API's wire types: what goes over the network, kept apart from the domain and app types
//! so that either can change without the other. Every type here has a JSON Schema (for the
//! OpenAPI document) and is built from app values in one place.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A page of a list. Every list answers this way.
#[derive(Serialize, JsonSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items the whole list has (after filtering).
    pub total: u64,
    /// Give this as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The error format of every error response.
#[derive(Serialize, JsonSchema)]
pub struct ErrorOut {
    /// What went wrong.
    pub error: ErrorBody,
}

/// An error: a stable code, a sentence that says what to do, and the HTTP status.
#[derive(Serialize, JsonSchema)]
pub struct ErrorBody {
    /// Stable; see the `x-error-codes` table of this document.
    pub code: String,
    /// What is wrong and what to do, for a person.
    pub message: String,
    /// The HTTP status, repeated.
    pub status: u16,
}

/// A record as listed.
#[derive(Serialize, JsonSchema)]
pub struct RecordSummaryOut {
    /// The record's id (`C-…`, `E-…`, `P-…`).
    pub id: String,
    /// `case`, `event`, `person`, `unit`, `source`, `testimony`, `intervention`, `link`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What to call it.
    pub label: String,
    /// The compartment it is stored in.
    pub compartment: String,
    /// How many fields are in conflict (concurrent edits on different devices).
    pub conflicts: u64,
    /// How many revisions it has.
    pub revisions: u64,
    /// When it last changed (RFC 3339, UTC).
    pub updated: String,
}

/// One record with its state.
#[derive(Serialize, JsonSchema)]
pub struct RecordOut {
    /// The record's id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The compartment it is stored in.
    pub compartment: String,
    /// The record's fields (as `khronika show --json` prints them; docs/RECORDS.md).
    pub record: Map<String, Value>,
    /// Why the fields do not make a valid record, when a merge of concurrent edits left them
    /// so (edit the record to settle it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
    /// The revisions no other supersedes. Give them back as `heads` when you edit the record.
    pub heads: Vec<String>,
    /// Fields whose heads disagree.
    pub conflicts: Vec<ConflictOut>,
    /// How many revisions it has.
    pub revisions: u64,
    /// When it was created and last changed (RFC 3339, UTC; the authors' clocks).
    pub created: String,
    /// When it last changed.
    pub updated: String,
}

/// A field in conflict, with every candidate value.
#[derive(Serialize, JsonSchema)]
pub struct ConflictOut {
    /// The field.
    pub field: String,
    /// Each head's value.
    pub candidates: Vec<CandidateOut>,
}

/// One candidate value of a conflicted field.
#[derive(Serialize, JsonSchema)]
pub struct CandidateOut {
    /// The revision that wrote it.
    pub revision: String,
    /// The value.
    pub value: Value,
}

/// A new record.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecordIn {
    /// The compartment to store it in (by name); the default compartment if absent.
    #[serde(default)]
    pub compartment: Option<String>,
    /// The record's fields, with its `type`; an `id` is made if absent.
    pub record: Map<String, Value>,
}

/// A change to a record.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRecordIn {
    /// The record's `heads` as you read them: if the record changed since, nothing is stored
    /// and the answer is 409 `edited-meanwhile`.
    pub heads: Vec<String>,
    /// The record's fields as they should be.
    pub record: Map<String, Value>,
    /// Fields in conflict that this change settles with the value given.
    #[serde(default)]
    pub resolve: Vec<String>,
}

/// Records to add to a case, in one commit.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddToCaseIn {
    /// The new records (each with its `type`; ids are made if absent).
    pub records: Vec<Map<String, Value>>,
}

/// The records created.
#[derive(Serialize, JsonSchema)]
pub struct CreatedOut {
    /// Their ids, in the order given.
    pub created: Vec<String>,
}

/// One write of one field.
#[derive(Serialize, JsonSchema)]
pub struct FieldChangeOut {
    /// The field.
    pub field: String,
    /// The revision that wrote it.
    pub revision: String,
    /// The value written (`null`: removed).
    pub value: Value,
    /// Who wrote it (member id).
    pub author: String,
    /// When (RFC 3339, the author's clock).
    pub time: String,
    /// Where it was written (device and log position).
    pub origin: String,
}

/// A vocabulary list.
#[derive(Serialize, JsonSchema)]
pub struct VocabularyOut {
    /// The list's name (`types_of_acts`).
    pub list: String,
    /// How many terms it has.
    pub terms: u64,
}

/// A term of a vocabulary list.
#[derive(Serialize, JsonSchema)]
pub struct TermOut {
    /// The term's code, stable forever.
    pub code: String,
    /// Its label in the language asked for.
    pub label: String,
    /// The code of its parent term, for hierarchical lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Offered in pickers (hidden terms stay valid in old records).
    pub visible: bool,
}

/// An evidence file.
#[derive(Serialize, JsonSchema)]
pub struct EvidenceOut {
    /// Its id (`E…`).
    pub id: String,
    /// Its name as given (made safe to show).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes (hex).
    pub sha256: String,
    /// The detected media type.
    pub media_type: String,
    /// Who added it (member id).
    pub added_by: String,
    /// When (RFC 3339).
    pub time: String,
    /// Its chain of custody.
    pub custody: CustodyOut,
}

/// Where an evidence file entered the vault's signed history.
#[derive(Serialize, JsonSchema)]
pub struct CustodyOut {
    /// The device that added it.
    pub device: String,
    /// The position of its entry in that device's signed log.
    pub position: u64,
    /// The size of the newest checkpoint that covers the entry, if one does yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<u64>,
}

/// Search results.
#[derive(Serialize, JsonSchema)]
pub struct SearchOut {
    /// How many records and files match.
    pub total: u64,
    /// This page of the matches, best first.
    pub hits: Vec<HitOut>,
    /// Give this as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Counts by type, act type and year, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Value>,
}

/// One search result.
#[derive(Serialize, JsonSchema)]
pub struct HitOut {
    /// The record's or file's id.
    pub id: String,
    /// Its type (`evidence` for files).
    #[serde(rename = "type")]
    pub kind: String,
    /// What to call it.
    pub label: String,
    /// Its compartment.
    pub compartment: String,
    /// The relevance score.
    pub score: f32,
    /// Passages with the matches marked `[[…]]`.
    pub snippets: Vec<String>,
}

/// Where the vault's copies stand.
#[derive(Serialize, JsonSchema)]
pub struct SyncOut {
    /// Mirrors holding everything this node holds.
    pub safe_on: u64,
    /// Mirrors in all.
    pub mirrors_total: u64,
    /// Each mirror.
    pub mirrors: Vec<MirrorOut>,
}

/// One mirror's state (never its credentials).
#[derive(Serialize, JsonSchema)]
pub struct MirrorOut {
    /// Its name.
    pub name: String,
    /// Objects it lacks, when it could be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<u64>,
    /// Why it could not be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Log entries it is behind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behind_entries: Option<u64>,
    /// When a sync to it last completed (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<String>,
}

/// A member of the vault.
#[derive(Serialize, JsonSchema)]
pub struct MemberOut {
    /// The member's id.
    pub id: String,
    /// The code they log in with.
    pub code: String,
    /// Their name.
    pub name: String,
    /// `viewer`, `documenter`, `coordinator` or `administrator`.
    pub role: String,
    /// Removed from the vault.
    pub removed: bool,
}

/// A compartment and who can read it.
#[derive(Serialize, JsonSchema)]
pub struct CompartmentOut {
    /// Its name (or id, when this member holds none of its keys).
    pub name: String,
    /// Its id.
    pub id: String,
    /// Codes of the members holding its newest key epoch.
    pub holders: Vec<String>,
    /// The source-identities register.
    pub source_identities: bool,
}

/// A grant of a compartment to a member.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIn {
    /// The member's code or id.
    pub member: String,
}

/// One of the member's tokens (never its secret).
#[derive(Serialize, JsonSchema)]
pub struct TokenOut {
    /// Its public id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The compartments it may use (empty: all the member holds).
    pub compartments: Vec<String>,
    /// Whether it may change things.
    pub write: bool,
    /// When it was created (RFC 3339).
    pub created: String,
}

/// One use of a token.
#[derive(Serialize, JsonSchema)]
pub struct TokenUseOut {
    /// When (RFC 3339).
    pub time: String,
    /// The token's id.
    pub token: String,
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The status answered.
    pub status: u16,
}
