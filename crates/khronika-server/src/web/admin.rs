//! Administration: members (administrators) and compartments with their grants
//! (coordinators). Handlers parse and call the app, which checks the role again and does the
//! cryptography (new key slots, new key epochs on withdrawal).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use khronika_app::members::Role;
use khronika_crypto::Passphrase;
use serde::Deserialize;

use super::guard::Authed;
use super::i18n::Lang;
use super::pages::{Chrome, MIN_PASSPHRASE_CHARS, Shown, render_form, shown};
use super::sessions::Session;
use super::{Web, WebError};

/// A member as listed: name, code, role, removed.
pub struct MemberRow {
    /// Their name.
    pub name: String,
    /// The code they log in with.
    pub code: String,
    /// Their role.
    pub role: &'static str,
    /// Removed from the vault.
    pub removed: bool,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    c: Chrome,
    members: Vec<MemberRow>,
    added: Option<String>,
    error: Option<String>,
}

async fn members_page(
    web: &Arc<Web>,
    s: &Arc<Session>,
    headers: &HeaderMap,
    added: Option<String>,
    error: Option<String>,
) -> Result<Response, Shown> {
    let c = Chrome::for_session(headers, s, "/admin/members");
    let members = web
        .read(s, |v| {
            Ok(v.members()
                .into_iter()
                .map(|m| MemberRow {
                    name: m.name,
                    code: m.id.chars().take(8).collect(),
                    role: m.role.as_str(),
                    removed: m.removed,
                })
                .collect())
        })
        .await
        .map_err(shown(headers))?;
    let refused = error.is_some();
    Ok(render_form(
        &MembersPage {
            c,
            members,
            added,
            error,
        },
        refused,
    ))
}

/// Every member, and the form to add one.
pub async fn members(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
) -> Result<Response, Shown> {
    members_page(&web, &s, &headers, None, None).await
}

/// The new member's fields.
#[derive(Deserialize)]
pub struct NewMember {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    repeat: String,
}

/// Add a member with a first passphrase (to be handed over in person); show their code.
pub async fn member_add(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Form(f): Form<NewMember>,
) -> Result<Response, Shown> {
    let role = match Role::parse(f.role.trim()) {
        Ok(r) => r,
        Err(e) => return members_page(&web, &s, &headers, None, Some(e.message)).await,
    };
    if f.passphrase != f.repeat {
        return members_page(
            &web,
            &s,
            &headers,
            None,
            Some("the two passphrases differ; type them again".into()),
        )
        .await;
    }
    if f.passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return members_page(
            &web,
            &s,
            &headers,
            None,
            Some(format!(
                "the passphrase is shorter than {MIN_PASSPHRASE_CHARS} characters"
            )),
        )
        .await;
    }
    let turn = web.sessions.kdf.acquire().await;
    let kdf = web.config.kdf;
    let added = web
        .write(&s, move |v| {
            v.add_member(&f.name, role, &Passphrase::new(f.passphrase), kdf)
                .map(|m| m.short())
        })
        .await;
    drop(turn);
    match added {
        Ok(code) => members_page(&web, &s, &headers, Some(code), None).await,
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            members_page(&web, &s, &headers, None, Some(e.message)).await
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}

/// The member to remove.
#[derive(Deserialize)]
pub struct WhichMember {
    #[serde(default)]
    member: String,
}

/// Remove a member: new key epochs of everything they held; their sessions are refused.
pub async fn member_remove(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Form(f): Form<WhichMember>,
) -> Result<Response, Shown> {
    if f.member.trim().is_empty() {
        return members_page(
            &web,
            &s,
            &headers,
            None,
            Some("choose a member to remove".into()),
        )
        .await;
    }
    let removed = web
        .write(&s, move |v| {
            let m = v.find_member(&f.member)?;
            v.remove_member(m).map(|_| ())
        })
        .await;
    match removed {
        Ok(()) => Ok(Redirect::to("/admin/members").into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            members_page(&web, &s, &headers, None, Some(e.message)).await
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}

/// A compartment as listed: name, holders' names, whether it is the source register.
pub struct CompartmentRow {
    /// Its name (or short id when this member holds none of its epochs).
    pub name: String,
    /// Who holds its newest epoch.
    pub holders: String,
    /// The source-identities register.
    pub sources: bool,
}

#[derive(Template)]
#[template(path = "compartments.html")]
struct CompartmentsPage {
    c: Chrome,
    compartments: Vec<CompartmentRow>,
    members: Vec<(String, String)>,
    error: Option<String>,
}

async fn compartments_page(
    web: &Arc<Web>,
    s: &Arc<Session>,
    headers: &HeaderMap,
    error: Option<String>,
) -> Result<Response, Shown> {
    let c = Chrome::for_session(headers, s, "/admin/compartments");
    let (compartments, members) = web
        .read(s, |v| {
            let members = v.members();
            let name_of = |id: &str| {
                members
                    .iter()
                    .find(|m| m.id == id)
                    .map_or_else(|| id.chars().take(8).collect(), |m| m.name.clone())
            };
            let rows = v
                .compartments()
                .into_iter()
                .map(|c| CompartmentRow {
                    name: c
                        .name
                        .clone()
                        .unwrap_or_else(|| c.id.to_hex().chars().take(8).collect()),
                    holders: c
                        .holders
                        .iter()
                        .map(|h| name_of(&h.to_hex()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    sources: c.source_identities,
                })
                .collect();
            let pick = members
                .iter()
                .filter(|m| !m.removed)
                .map(|m| (m.id.chars().take(8).collect(), m.name.clone()))
                .collect();
            Ok((rows, pick))
        })
        .await
        .map_err(shown(headers))?;
    let refused = error.is_some();
    Ok(render_form(
        &CompartmentsPage {
            c,
            compartments,
            members,
            error,
        },
        refused,
    ))
}

/// Compartments with who holds them, and the forms to create one and to grant or withdraw.
pub async fn compartments(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
) -> Result<Response, Shown> {
    compartments_page(&web, &s, &headers, None).await
}

/// The new compartment's name.
#[derive(Deserialize)]
pub struct NewCompartment {
    #[serde(default)]
    name: String,
}

/// Create a compartment (its key is wrapped to the creator and the recovery key).
pub async fn compartment_create(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Form(f): Form<NewCompartment>,
) -> Result<Response, Shown> {
    let made = web
        .write(&s, move |v| {
            v.create_compartment(f.name.trim(), false).map(|_| ())
        })
        .await;
    done(&web, &s, &headers, made).await
}

/// A grant or a withdrawal.
#[derive(Deserialize)]
pub struct GrantFields {
    #[serde(default)]
    compartment: String,
    #[serde(default)]
    member: String,
    #[serde(default)]
    action: String,
}

/// Grant a compartment to a member (every epoch wrapped to them), or withdraw it (a new
/// epoch for the others).
pub async fn grant(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Form(f): Form<GrantFields>,
) -> Result<Response, Shown> {
    if !matches!(f.action.as_str(), "grant" | "withdraw") {
        return compartments_page(&web, &s, &headers, Some("choose grant or withdraw".into()))
            .await;
    }
    let made = web
        .write(&s, move |v| {
            let c = v.find_compartment(f.compartment.trim())?;
            let m = v.find_member(f.member.trim())?;
            if f.action == "grant" {
                v.grant(c, m)
            } else {
                v.withdraw(c, m)
            }
        })
        .await;
    done(&web, &s, &headers, made).await
}

async fn done(
    web: &Arc<Web>,
    s: &Arc<Session>,
    headers: &HeaderMap,
    made: Result<(), WebError>,
) -> Result<Response, Shown> {
    match made {
        Ok(()) => Ok(Redirect::to("/admin/compartments").into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            compartments_page(web, s, headers, Some(e.message)).await
        }
        Err(e) => Err(Shown(Lang::of(headers), e)),
    }
}

/// An entry of a revoked device, written after its cut-off, as the quarantine page lists it.
pub struct QuarantineRow {
    /// The device (full hex: the form sends it back).
    pub device: String,
    /// Its first characters, for people.
    pub short: String,
    /// The entry's position in the device's log.
    pub index: u64,
    /// What the entry is (`evidence-added`, `record-revision`…).
    pub kind: &'static str,
    /// For evidence this member can read: its name (made safe) and size.
    pub evidence: Option<(String, String)>,
    /// `quarantined` (awaiting review), `trusted` (accepted) or `rejected`.
    pub status: &'static str,
    /// The words key of the status.
    pub label: String,
}

#[derive(Template)]
#[template(path = "quarantine.html")]
struct QuarantinePage {
    c: Chrome,
    rows: Vec<QuarantineRow>,
    error: Option<String>,
}

async fn quarantine_page(
    web: &Arc<Web>,
    s: &Arc<Session>,
    headers: &HeaderMap,
    error: Option<String>,
) -> Result<Response, Shown> {
    let c = Chrome::for_session(headers, s, "/quarantine");
    let t = c.t;
    let rows = web
        .read(s, move |v| {
            Ok(v.quarantine()
                .into_iter()
                .map(|(l, trust)| {
                    let b = &l.entry.body;
                    QuarantineRow {
                        device: b.device.to_hex(),
                        short: b.device.short(),
                        index: b.index,
                        kind: khronika_store::entry::entry_kind::name(b.kind),
                        evidence: l
                            .evidence
                            .as_ref()
                            .map(|p| (super::evidence::safe_name(&p.name), t.number(p.size))),
                        status: trust.as_str(),
                        label: format!("trust.{}", trust.as_str()),
                    }
                })
                .collect::<Vec<_>>())
        })
        .await
        .map_err(shown(headers))?;
    let refused = error.is_some();
    Ok(render_form(&QuarantinePage { c, rows, error }, refused))
}

/// The entries that revoked devices wrote after their cut-off, to accept or reject.
pub async fn quarantine(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
) -> Result<Response, Shown> {
    quarantine_page(&web, &s, &headers, None).await
}

/// The decision form's fields.
#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    device: String,
    #[serde(default)]
    index: String,
    #[serde(default)]
    decision: String,
}

/// Accept or reject one quarantined entry.
pub async fn decide(
    State(web): State<Arc<Web>>,
    Extension(Authed(s)): Extension<Authed>,
    headers: HeaderMap,
    Form(f): Form<Decision>,
) -> Result<Response, Shown> {
    let accept = match f.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            let e = "choose to accept or reject the entry".to_owned();
            return quarantine_page(&web, &s, &headers, Some(e)).await;
        }
    };
    let Ok(index) = f.index.trim().parse::<u64>() else {
        let e = format!("`{}` is not an entry's position", f.index);
        return quarantine_page(&web, &s, &headers, Some(e)).await;
    };
    let decided = web
        .write(&s, move |v| {
            let device = v.find_device(&f.device)?;
            v.decide(device, index, accept)
        })
        .await;
    match decided {
        Ok(()) => Ok(Redirect::to("/quarantine").into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            quarantine_page(&web, &s, &headers, Some(e.message)).await
        }
        Err(e) => Err(Shown(Lang::of(&headers), e)),
    }
}
