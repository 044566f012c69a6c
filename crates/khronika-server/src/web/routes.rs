//! Every route, with who may use it. The router is built from [`ROUTES`] only.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, get, post};
use khronika_app::access::Action;

use super::{Web, admin, edit, entities, evidence, forms, guard, headers, pages, search, tokens};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Files without vault data (the stylesheet).
    Static,
    /// The first-start page: only while there is no vault; its form needs the setup token.
    Setup,
    /// Anyone (the login page); forms still need the pre-login CSRF token.
    Public,
    /// Anyone, for a choice kept only in the browser (the language): same-origin requests
    /// only, no token (it changes nothing on the server).
    Preference,
    /// A logged-in member whose role allows the action.
    Member(Action),
}

/// One route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// GET or POST.
    pub method: &'static str,
    /// The path pattern (axum syntax: `{id}`).
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
}

const fn spec(method: &'static str, path: &'static str, access: Access) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
    }
}

use Access::{Member, Preference, Public, Setup, Static};

/// Every route of the web application.
pub const ROUTES: &[RouteSpec] = &[
    spec("GET", "/static/app.css", Static),
    spec("GET", "/setup", Setup),
    spec("POST", "/setup", Setup),
    spec("GET", "/login", Public),
    spec("POST", "/login", Public),
    spec("POST", "/language", Preference),
    spec("POST", "/logout", Member(Action::Read)),
    spec("GET", "/", Member(Action::Read)),
    spec("GET", "/cases", Member(Action::Read)),
    spec("GET", "/cases/new", Member(Action::Write)),
    spec("POST", "/cases/new", Member(Action::Write)),
    spec("GET", "/cases/{id}", Member(Action::Read)),
    spec("GET", "/cases/{id}/events", Member(Action::Write)),
    spec("POST", "/cases/{id}/events", Member(Action::Write)),
    spec("GET", "/cases/{id}/testimonies", Member(Action::Write)),
    spec("POST", "/cases/{id}/testimonies", Member(Action::Write)),
    spec("GET", "/cases/{id}/interventions", Member(Action::Write)),
    spec("POST", "/cases/{id}/interventions", Member(Action::Write)),
    spec("GET", "/cases/{id}/persons", Member(Action::Write)),
    spec("POST", "/cases/{id}/persons", Member(Action::Write)),
    spec("GET", "/cases/{id}/units", Member(Action::Write)),
    spec("POST", "/cases/{id}/units", Member(Action::Write)),
    spec("GET", "/cases/{id}/sources", Member(Action::Write)),
    spec("POST", "/cases/{id}/sources", Member(Action::Write)),
    spec("GET", "/cases/{id}/links", Member(Action::Write)),
    spec("POST", "/cases/{id}/links", Member(Action::Write)),
    spec("GET", "/persons", Member(Action::Read)),
    spec("GET", "/units", Member(Action::Read)),
    spec("GET", "/records", Member(Action::Read)),
    spec("GET", "/records/{id}", Member(Action::Read)),
    spec("GET", "/records/{id}/history", Member(Action::Read)),
    spec("GET", "/records/{id}/edit", Member(Action::Write)),
    spec("POST", "/records/{id}/edit", Member(Action::Write)),
    spec("GET", "/evidence", Member(Action::Read)),
    spec("GET", "/evidence/new", Member(Action::Write)),
    spec("POST", "/evidence/new", Member(Action::Write)),
    spec("GET", "/evidence/{id}", Member(Action::Read)),
    spec("GET", "/evidence/{id}/download", Member(Action::Read)),
    spec("GET", "/search", Member(Action::Read)),
    spec("GET", "/admin/members", Member(Action::Administer)),
    spec("POST", "/admin/members", Member(Action::Administer)),
    spec("POST", "/admin/members/remove", Member(Action::Administer)),
    spec("GET", "/admin/compartments", Member(Action::Coordinate)),
    spec("POST", "/admin/compartments", Member(Action::Coordinate)),
    spec("POST", "/admin/grants", Member(Action::Coordinate)),
    spec("GET", "/quarantine", Member(Action::Coordinate)),
    spec("POST", "/quarantine", Member(Action::Coordinate)),
    spec("GET", "/tokens", Member(Action::Read)),
    spec("POST", "/tokens", Member(Action::Read)),
    spec("POST", "/tokens/revoke", Member(Action::Read)),
    spec("GET", "/panic", Member(Action::Panic)),
    spec("POST", "/panic", Member(Action::Panic)),
];

/// The handler of a route in [`ROUTES`].
fn handler(r: &RouteSpec) -> MethodRouter<Arc<Web>> {
    match (r.method, r.path) {
        ("GET", "/static/app.css") => get(pages::stylesheet),
        ("GET", "/setup") => get(pages::setup_form),
        ("POST", "/setup") => post(pages::setup),
        ("GET", "/login") => get(pages::login_form),
        ("POST", "/login") => post(pages::login),
        ("POST", "/language") => post(pages::language),
        ("POST", "/logout") => post(pages::logout),
        ("GET", "/") => get(pages::dashboard),
        ("GET", "/cases") => get(pages::cases),
        ("GET", "/cases/new") => get(pages::case_form),
        ("POST", "/cases/new") => post(pages::case_create),
        ("GET", "/cases/{id}") => get(pages::case),
        ("GET", "/cases/{id}/events") => get(forms::event_form),
        ("POST", "/cases/{id}/events") => post(forms::event_create),
        ("GET", "/cases/{id}/testimonies") => get(forms::testimony_form),
        ("POST", "/cases/{id}/testimonies") => post(forms::testimony_create),
        ("GET", "/cases/{id}/interventions") => get(forms::intervention_form),
        ("POST", "/cases/{id}/interventions") => post(forms::intervention_create),
        ("GET", "/cases/{id}/persons") => get(entities::person_form),
        ("POST", "/cases/{id}/persons") => post(entities::person_create),
        ("GET", "/cases/{id}/units") => get(entities::unit_form),
        ("POST", "/cases/{id}/units") => post(entities::unit_create),
        ("GET", "/cases/{id}/sources") => get(entities::source_form),
        ("POST", "/cases/{id}/sources") => post(entities::source_create),
        ("GET", "/cases/{id}/links") => get(entities::link_form),
        ("POST", "/cases/{id}/links") => post(entities::link_create),
        ("GET", "/persons") => get(entities::persons),
        ("GET", "/units") => get(entities::units),
        ("GET", "/records") => get(pages::records),
        ("GET", "/records/{id}") => get(pages::record),
        ("GET", "/records/{id}/history") => get(pages::history),
        ("GET", "/records/{id}/edit") => get(edit::edit_form),
        ("POST", "/records/{id}/edit") => post(edit::edit_save),
        ("GET", "/evidence") => get(evidence::list),
        ("GET", "/evidence/new") => get(evidence::upload_form),
        ("POST", "/evidence/new") => post(evidence::upload),
        ("GET", "/evidence/{id}") => get(evidence::item),
        ("GET", "/evidence/{id}/download") => get(evidence::download),
        ("GET", "/search") => get(search::search),
        ("GET", "/admin/members") => get(admin::members),
        ("POST", "/admin/members") => post(admin::member_add),
        ("POST", "/admin/members/remove") => post(admin::member_remove),
        ("GET", "/admin/compartments") => get(admin::compartments),
        ("POST", "/admin/compartments") => post(admin::compartment_create),
        ("POST", "/admin/grants") => post(admin::grant),
        ("GET", "/quarantine") => get(admin::quarantine),
        ("POST", "/quarantine") => post(admin::decide),
        ("GET", "/tokens") => get(tokens::tokens),
        ("POST", "/tokens") => post(tokens::create),
        ("POST", "/tokens/revoke") => post(tokens::revoke),
        ("GET", "/panic") => get(pages::panic_form),
        ("POST", "/panic") => post(pages::panic),
        _ => get(pages::not_found),
    }
}

/// Guarded method routers merged by path (axum takes each path once), in table order.
pub(crate) fn by_path(
    routes: impl IntoIterator<Item = (&'static str, MethodRouter<Arc<Web>>)>,
) -> Vec<(&'static str, MethodRouter<Arc<Web>>)> {
    let mut out: Vec<(&str, MethodRouter<Arc<Web>>)> = Vec::new();
    for (path, m) in routes {
        match out.iter_mut().find(|(p, _)| *p == path) {
            Some((_, merged)) => *merged = std::mem::take(merged).merge(m),
            None => out.push((path, m)),
        }
    }
    out
}

/// The router, without a socket (tests call it with `tower::ServiceExt::oneshot`).
pub fn router(web: Arc<Web>) -> Router {
    let guarded = ROUTES.iter().map(|r| {
        let m = handler(r).route_layer(from_fn_with_state((web.clone(), r.access), guard::guard));
        (r.path, m)
    });
    let mut router = Router::new();
    for (path, m) in by_path(guarded) {
        router = router.route(path, m);
    }
    router
        .merge(crate::api::router(web.clone()))
        // Bodies are limited where they are read: forms by the guard (1 MiB), uploads by
        // `--max-upload-mib` while they stream.
        .layer(DefaultBodyLimit::disable())
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .with_state(web)
        .layer(from_fn(headers::secure))
}

/// The methods of [`ROUTES`] as `http` methods (for tests).
pub fn method(r: &RouteSpec) -> Method {
    Method::from_bytes(r.method.as_bytes()).unwrap_or(Method::GET)
}
