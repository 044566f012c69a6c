//! The access-control matrix: every route × method of the table × who asks (anonymous,
//! viewer, documenter, coordinator, administrator, a member of another compartment, a removed
//! member, an expired session). A route missing from the expectations fails the test; an
//! allow that the table does not grant fails it too.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use khronika_app::access::Action;
use khronika_app::members::Role;
use khronika_crypto::Passphrase;
use khronika_crypto::kdf::Argon2Params;
use khronika_domain::{Case, Record, RecordKind};
use khronika_server::web::routes::{Access, ROUTES, RouteSpec};

use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    Expired,
    Removed,
    Outsider,
    Role(Role),
}

/// What a request may get.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// The page or the change.
    Allowed,
    /// Sent to the login page (GET) or told to log in (POST).
    LoginFirst,
    /// 403.
    Forbidden,
    /// 404: the record is in a compartment the member holds no key for (or no such page).
    NotFound,
}

fn classify(method: &Method, r: &Resp) -> Outcome {
    match r.status {
        StatusCode::SEE_OTHER if r.location() == "/login" && method == Method::GET => {
            Outcome::LoginFirst
        }
        StatusCode::UNAUTHORIZED if method == Method::POST => Outcome::LoginFirst,
        StatusCode::FORBIDDEN => Outcome::Forbidden,
        StatusCode::NOT_FOUND => Outcome::NotFound,
        // The guard let it through and the handler judged the input.
        StatusCode::BAD_REQUEST => Outcome::Allowed,
        s if s.is_success() || s.is_redirection() => Outcome::Allowed,
        s => panic!("unexpected status {s}: {}", r.body),
    }
}

/// What a principal holds keys for: the `secret` compartment (the case the case routes
/// ask for), the default one (the evidence the evidence routes ask for).
#[derive(Debug, Clone, Copy)]
struct Holds {
    secret: bool,
    default: bool,
}

/// The expectations: one line per route of the table.
fn expected(r: &RouteSpec, who: Who, holds: Holds) -> Outcome {
    let needs = if r.path.starts_with("/evidence/{id}") {
        Some(holds.default)
    } else if r.path.contains("{id}") {
        Some(holds.secret)
    } else {
        None
    };
    match (r.method, r.path) {
        ("GET", "/static/app.css") => Outcome::Allowed,
        ("GET" | "POST", "/setup") => Outcome::NotFound,
        ("GET" | "POST", "/login") | ("POST", "/language") => Outcome::Allowed,
        ("POST", "/logout")
        | ("GET", "/")
        | ("GET", "/cases")
        | ("GET" | "POST", "/cases/new")
        | ("GET", "/cases/{id}")
        | ("GET" | "POST", "/cases/{id}/events")
        | ("GET" | "POST", "/cases/{id}/testimonies")
        | ("GET" | "POST", "/cases/{id}/interventions")
        | ("GET" | "POST", "/cases/{id}/persons")
        | ("GET" | "POST", "/cases/{id}/units")
        | ("GET" | "POST", "/cases/{id}/sources")
        | ("GET" | "POST", "/cases/{id}/links")
        | ("GET", "/persons")
        | ("GET", "/units")
        | ("GET", "/records")
        | ("GET", "/records/{id}")
        | ("GET", "/records/{id}/history")
        | ("GET" | "POST", "/records/{id}/edit")
        | ("GET", "/evidence")
        | ("GET" | "POST", "/evidence/new")
        | ("GET", "/evidence/{id}")
        | ("GET", "/evidence/{id}/download")
        | ("GET", "/search")
        | ("GET" | "POST", "/admin/members")
        | ("POST", "/admin/members/remove")
        | ("GET" | "POST", "/admin/compartments")
        | ("POST", "/admin/grants")
        | ("GET" | "POST", "/quarantine")
        | ("GET" | "POST", "/tokens")
        | ("POST", "/tokens/revoke")
        | ("GET" | "POST", "/panic") => {
            let Access::Member(action) = r.access else {
                panic!("{} {} should need a member", r.method, r.path)
            };
            let role = match who {
                Who::Anonymous | Who::Expired => return Outcome::LoginFirst,
                Who::Removed => return Outcome::Forbidden,
                Who::Outsider => Role::Documenter,
                Who::Role(role) => role,
            };
            // Creating a case (in the default compartment: the form names none) and adding
            // evidence (always to the default compartment) need its key.
            let writes_default =
                r.method == "POST" && matches!(r.path, "/cases/new" | "/evidence/new");
            if !action.allowed(role) || (writes_default && !holds.default) {
                Outcome::Forbidden
            } else if needs == Some(false) {
                Outcome::NotFound
            } else {
                Outcome::Allowed
            }
        }
        (m, p) => panic!("{m} {p} is missing from the access matrix: add its expectations"),
    }
}

struct World {
    s: Server,
    codes: Vec<(Who, String, Holds)>,
    secret_case: String,
    evidence: String,
}

async fn world() -> World {
    let s = server();
    let (_, admin) = set_up(&s).await;
    let locked = s.web.locked().unwrap();
    let key = locked.login(&admin, &Passphrase::new(PASS.into())).unwrap();
    let mut v = locked.clone().unlock_key(&key).unwrap();
    let weak = Argon2Params::weak_for_tests();
    let pass = Passphrase::new(PASS.into());
    let all = Holds {
        secret: true,
        default: true,
    };
    let mut codes = vec![(Who::Role(Role::Administrator), admin, all)];
    let secret = v.create_compartment("secret", false).unwrap();
    let case = Case {
        id: khronika_app::records::new_record_id(RecordKind::Case).unwrap(),
        title: "Sealed case".into(),
        summary: String::new(),
        compartment: String::new(),
        responsible: String::new(),
        records: vec![],
    };
    let secret_case = case.id.to_string();
    v.create_records(secret, vec![Record::Case(case)]).unwrap();
    for (who, role, name) in [
        (Who::Role(Role::Viewer), Role::Viewer, "viewer"),
        (Who::Role(Role::Documenter), Role::Documenter, "documenter"),
        (
            Who::Role(Role::Coordinator),
            Role::Coordinator,
            "coordinator",
        ),
        (Who::Outsider, Role::Documenter, "outsider"),
        (Who::Removed, Role::Documenter, "removed"),
    ] {
        let m = v.add_member(name, role, &pass, weak).unwrap();
        let holds = Holds {
            secret: matches!(who, Who::Role(Role::Viewer) | Who::Removed | Who::Outsider),
            default: who != Who::Outsider,
        };
        if holds.secret {
            v.grant(secret, m).unwrap();
        }
        if !holds.default {
            let default = v.default_compartment();
            v.withdraw(default, m).unwrap();
        }
        codes.push((who, m.short(), holds));
    }
    // Added after the outsider's access to the default compartment was withdrawn: under
    // the new epoch, which they never held (what they could read before, they keep).
    let added = v
        .add(
            vec![khronika_app::ingest::Source {
                name: "statement.txt".into(),
                origin: "statement.txt".into(),
                size: 9,
                reader: Box::new(std::io::Cursor::new(b"statement".to_vec())),
            }],
            &mut |_| {},
        )
        .unwrap();
    let evidence = added[0].id.clone();
    World {
        s,
        codes,
        secret_case,
        evidence,
    }
}

/// One request by `who` (logged in afresh, so that a logout elsewhere does not matter).
async fn ask(w: &World, who: Who, code: &str, r: &RouteSpec) -> Resp {
    let method = routes::method(r);
    let path = if r.path.starts_with("/evidence/{id}") {
        r.path.replace("{id}", &w.evidence)
    } else {
        r.path.replace("{id}", &w.secret_case)
    };
    let mut b = match who {
        Who::Anonymous => Browser::default(),
        _ => {
            let (b, resp) = log_in(&w.s, code, PASS).await;
            assert_eq!(
                resp.status,
                StatusCode::SEE_OTHER,
                "{who:?} logs in: {}",
                resp.body
            );
            b
        }
    };
    let fields: Vec<(&str, &str)> = match (r.method, r.path) {
        ("POST", "/login") => vec![("code", &w.codes[0].1), ("passphrase", PASS)],
        ("POST", "/language") => vec![("lang", "ru"), ("back", "/")],
        ("POST", "/setup") => vec![("token", "x"), ("passphrase", PASS), ("repeat", PASS)],
        ("POST", "/cases/new") => vec![("title", "Matrix case")],
        ("POST", "/admin/members") => vec![
            ("name", "Matrix member"),
            ("role", "viewer"),
            ("passphrase", "matrix passphrase"),
            ("repeat", "matrix passphrase"),
        ],
        ("POST", "/admin/compartments") => vec![("name", "matrix")],
        ("POST", "/cases/{id}/interventions") => vec![("addressee", "Prosecutor")],
        ("POST", "/admin/grants") => vec![
            ("compartment", "no such"),
            ("member", "00000000"),
            ("action", "grant"),
        ],
        ("POST", "/cases/{id}/events") => vec![("title", "Matrix event"), ("date", "2014")],
        ("POST", "/cases/{id}/testimonies") => vec![
            ("title", "Matrix testimony"),
            ("pseudonym", "W-1"),
            ("transcript", "text"),
        ],
        _ => vec![],
    };
    if method != Method::POST {
        return b.get(&w.s, &path).await;
    }
    if r.path == "/evidence/new" {
        // A real upload, with the session's token in the action when there is a session.
        let page = b.get(&w.s, "/").await;
        let action = if page.status == StatusCode::OK {
            format!("/evidence/new?csrf={}", page.csrf())
        } else {
            "/evidence/new?csrf=none".to_owned()
        };
        return b
            .send_files(&w.s, &action, &[("matrix.txt", "text/plain", b"matrix")])
            .await;
    }
    // The right token for the form: the session's, or the pre-login one.
    let token = match r.access {
        Access::Member(_) => match b.get(&w.s, "/").await {
            page if page.status == StatusCode::OK => page.csrf(),
            _ => "no-session".to_owned(),
        },
        _ => {
            b.get(&w.s, "/login").await;
            b.cookies
                .get("__Host-khronika-pre")
                .cloned()
                .unwrap_or_default()
        }
    };
    let mut all = vec![("csrf", token.as_str())];
    all.extend(fields);
    b.send(&w.s, method, &path, &all).await
}

#[tokio::test]
async fn every_route_allows_exactly_whom_the_table_allows() {
    let w = world().await;
    // The removed member is removed after the world is built (their slot still opens).
    {
        let locked = w.s.web.locked().unwrap();
        let admin = &w.codes[0].1;
        let key = locked.login(admin, &Passphrase::new(PASS.into())).unwrap();
        let mut v = locked.clone().unlock_key(&key).unwrap();
        let removed = w
            .codes
            .iter()
            .find(|c| c.0 == Who::Removed)
            .unwrap()
            .1
            .clone();
        let id = v.find_member(&removed).unwrap();
        v.remove_member(id).unwrap();
    }
    let mut checked = 0;
    let mut who_list: Vec<(Who, String, Holds)> = w.codes.clone();
    who_list.push((
        Who::Anonymous,
        String::new(),
        Holds {
            secret: false,
            default: false,
        },
    ));
    for r in ROUTES {
        for (who, code, holds) in &who_list {
            let resp = ask(&w, *who, code, r).await;
            let got = classify(&routes::method(r), &resp);
            let want = expected(r, *who, *holds);
            assert_eq!(
                got, want,
                "{} {} by {who:?}: {} {}",
                r.method, r.path, resp.status, resp.body
            );
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * 7);
    // Every member route names an action of the app's table.
    for r in ROUTES {
        if let Access::Member(a) = r.access {
            assert!(Action::ALL.contains(&a));
        }
    }
}

#[tokio::test]
async fn an_expired_session_gets_nothing_anywhere() {
    let s = server_with(Duration::from_millis(150));
    let (_, admin) = set_up(&s).await;
    for r in ROUTES
        .iter()
        .filter(|r| matches!(r.access, Access::Member(_)))
    {
        let (mut b, resp) = log_in(&s, &admin, PASS).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER);
        let token = b.get(&s, "/").await.csrf();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let path = r.path.replace("{id}", "C-2GDWVX9JG7AMP0QY163DDGM34Y");
        let method = routes::method(r);
        let resp = if r.path == "/evidence/new" && method == Method::POST {
            b.send_files(
                &s,
                &format!("/evidence/new?csrf={token}"),
                &[("late.txt", "text/plain", b"late")],
            )
            .await
        } else if method == Method::POST {
            b.send(
                &s,
                method.clone(),
                &path,
                &[("csrf", &token), ("title", "late")],
            )
            .await
        } else {
            b.get(&s, &path).await
        };
        let got = classify(&method, &resp);
        assert_eq!(
            got,
            expected(
                r,
                Who::Expired,
                Holds {
                    secret: false,
                    default: false
                }
            ),
            "{} {}",
            r.method,
            r.path
        );
    }
}
