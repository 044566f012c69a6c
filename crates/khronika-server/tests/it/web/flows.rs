//! First start, login, sessions, CSRF, headers and the case pages.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use khronika_server::web::headers::HEADERS;
use khronika_server::web::routes::ROUTES;

use super::*;

#[tokio::test]
async fn first_start_needs_the_setup_token_and_shows_the_recovery_key_once() {
    let s = server();
    let token = s
        .token
        .clone()
        .expect("a setup token while there is no vault");
    let mut b = Browser::default();
    let r = b.get(&s, "/").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/setup"));
    assert_eq!(b.get(&s, "/login").await.location(), "/setup");

    // Wrong token, passphrases that differ, too short: refused, no vault made.
    for (tok, p, q, says) in [
        ("0".repeat(64), PASS, PASS, "setup token is wrong"),
        (token.clone(), PASS, "another passphrase", "differ"),
        (token.clone(), "short", "short", "shorter than 12"),
    ] {
        let r = b
            .submit(
                &s,
                "/setup",
                "/setup",
                &[("token", &tok), ("passphrase", p), ("repeat", q)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains(says), "{}", r.body);
        assert!(s.web.locked().is_none(), "no vault after a refused setup");
    }
    // Without the pre-login token (a forged form): refused before anything is read.
    let r = b
        .send(
            &s,
            Method::POST,
            "/setup",
            &[("token", &token), ("passphrase", PASS), ("repeat", PASS)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = b
        .submit(
            &s,
            "/setup",
            "/setup",
            &[("token", &token), ("passphrase", PASS), ("repeat", PASS)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"recovery-key\">KR1-"), "{}", r.body);
    assert!(b.cookies.contains_key("__Host-khronika-session"));
    assert!(s.web.locked().is_some());

    // Logged in; the token is spent and the page is gone, for everyone.
    let r = b.get(&s, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.body.contains("KR1-"),
        "the recovery key is shown once only"
    );
    let mut other = Browser::default();
    assert_eq!(other.get(&s, "/setup").await.status, StatusCode::NOT_FOUND);
    let r = other
        .send(
            &s,
            Method::POST,
            "/setup",
            &[("token", &token), ("passphrase", PASS), ("repeat", PASS)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&s, "/").await.location(), "/login");
}

#[tokio::test]
async fn a_login_says_the_same_for_unknown_members_and_wrong_passphrases() {
    let s = server();
    let (_, code) = set_up(&s).await;
    let (_, wrong) = log_in(&s, &code, "not the passphrase at all").await;
    let (_, unknown) = log_in(&s, "abcdef01", PASS).await;
    let (_, malformed) = log_in(&s, "'; drop table", PASS).await;
    for r in [&wrong, &unknown, &malformed] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(
            r.body
                .contains("the member code or the passphrase is wrong"),
            "{}",
            r.body
        );
    }
    let (mut b, ok) = log_in(&s, &code, PASS).await;
    assert_eq!((ok.status, ok.location()), (StatusCode::SEE_OTHER, "/"));
    assert_eq!(b.get(&s, "/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_101st_failed_login_in_an_hour_is_refused_even_with_the_right_passphrase() {
    let s = server();
    let (_, code) = set_up(&s).await;
    for _ in 0..100 {
        let (_, r) = log_in(&s, &code, "wrong passphrase!!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let (_, r) = log_in(&s, &code, PASS).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // An unknown code is counted the same way, so the refusal says nothing about membership.
    for _ in 0..100 {
        log_in(&s, "0123456789", PASS).await;
    }
    let (_, r) = log_in(&s, "0123456789", PASS).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Other members are not locked out.
    let (_, r) = log_in(&s, "fedcba98", PASS).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changes_need_the_session_token_and_the_same_origin() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    let form = [("title", "Detention in Grozny")];
    // No token, a wrong token, the token of another session.
    let r = b.send(&s, Method::POST, "/cases/new", &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .send(&s, Method::POST, "/cases/new", &[("csrf", "00"), form[0]])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let token = b.get(&s, "/cases/new").await.csrf();
    // From another site: refused even with the right token.
    for extra in [
        [("origin", "https://evil.example")],
        [("sec-fetch-site", "cross-site")],
    ] {
        let r = b
            .send_with(
                &s,
                Method::POST,
                "/cases/new",
                &[("csrf", &token), form[0]],
                &extra,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{extra:?}");
    }
    assert_eq!(
        b.get(&s, "/cases")
            .await
            .body
            .matches("href=\"/cases/C-")
            .count(),
        0,
        "nothing was created by a refused form"
    );
    // Same origin, right token: created.
    let r = b
        .send_with(
            &s,
            Method::POST,
            "/cases/new",
            &[("csrf", &token), form[0]],
            &[
                ("origin", "http://127.0.0.1:8470"),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // No state change by GET: the form's action does not exist as GET with fields.
    let r = b.get(&s, "/logout").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        b.get(&s, "/").await.status,
        StatusCode::OK,
        "still logged in"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    let mut paths: Vec<(Method, String)> = ROUTES
        .iter()
        .map(|r| {
            (
                routes::method(r),
                r.path.replace("{id}", "C-2GDWVX9JG7AMP0QY163DDGM34Y"),
            )
        })
        .collect();
    paths.push((Method::GET, "/no/such/page".into()));
    paths.push((Method::DELETE, "/cases".into()));
    paths.push((Method::GET, "/records/not-an-id".into()));
    let mut anonymous = Browser::default();
    for (m, p) in &paths {
        for who in [&mut b, &mut anonymous] {
            let r = who.send(&s, m.clone(), p, &[]).await;
            for (name, value) in HEADERS {
                let got = r.headers.get(name).map(|v| v.to_str().unwrap().to_owned());
                if name == "cache-control" && p.starts_with("/static/") {
                    continue;
                }
                assert_eq!(
                    got.as_deref(),
                    Some(value),
                    "{m} {p} ({}) lacks {name}",
                    r.status
                );
            }
        }
    }
    let css = b.get(&s, "/static/app.css").await;
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    // No inline script or style anywhere: the CSP would block it.
    for (m, p) in &paths {
        let r = b.send(&s, m.clone(), p, &[]).await;
        assert!(
            !r.body.contains("<script") && !r.body.contains("style="),
            "{p} has inline code"
        );
    }
}

#[tokio::test]
async fn logout_and_expiry_forget_the_session() {
    let s = server_with(Duration::from_millis(300));
    let (mut b, code) = set_up(&s).await;
    assert_eq!(b.get(&s, "/").await.status, StatusCode::OK);
    let stolen = b.clone();
    let r = b.submit(&s, "/", "/logout", &[]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"));
    assert_eq!(b.get(&s, "/").await.location(), "/login");
    // The old cookie is dead on the server, not only deleted in the browser.
    let mut stolen = stolen;
    assert_eq!(stolen.get(&s, "/").await.location(), "/login");
    assert_eq!(s.web.sessions.count(), 0);

    let (mut b, _) = log_in(&s, &code, PASS).await;
    assert_eq!(b.get(&s, "/").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        b.get(&s, "/").await.location(),
        "/login",
        "expired after idling"
    );
    let r = b
        .send(
            &s,
            Method::POST,
            "/cases/new",
            &[("csrf", "x"), ("title", "t")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a form after expiry says to log in again"
    );
}

#[tokio::test]
async fn a_case_is_created_listed_shown_and_its_history_kept_in_both_languages() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    let r = b
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[
                ("title", "Задержание в Грозном"),
                ("summary", "Three men <b>detained</b>"),
                ("compartment", "default"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case = r.location().to_owned();
    assert!(case.starts_with("/cases/C-"));
    let list = b.get(&s, "/cases").await;
    assert!(list.body.contains("Задержание в Грозном"));
    let page = b.get(&s, &case).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Three men &#60;b&#62;detained&#60;/b&#62;")
            || page.body.contains("Three men &lt;b&gt;detained&lt;/b&gt;"),
        "escaped: {}",
        page.body
    );
    let id = case.trim_start_matches("/cases/");
    let history = b.get(&s, &format!("/records/{id}/history")).await;
    assert!(history.body.contains("title") && history.body.contains("Задержание"));
    let filtered = b.get(&s, "/cases?q=nothing-like-this").await;
    assert!(!filtered.body.contains("Задержание"));

    // The same pages in Russian: words and dates.
    b.lang = Some("ru");
    let ru = b.get(&s, "/cases").await;
    assert!(
        ru.body.contains("<html lang=\"ru\">") && ru.body.contains("Дела"),
        "{}",
        ru.body
    );
    assert!(
        ru.body.contains("ноября") || ru.body.contains("декабря") || ru.body.contains("г.,"),
        "{}",
        ru.body
    );
    // The language switch: a cookie, and back to a path of this site only.
    let r = b
        .send(
            &s,
            Method::POST,
            "/language",
            &[("lang", "en"), ("back", "//evil.example/")],
        )
        .await;
    assert_eq!(r.location(), "/");
    assert_eq!(
        b.cookies.get("__Host-khronika-lang").map(String::as_str),
        Some("en")
    );
    assert!(
        b.get(&s, "/cases")
            .await
            .body
            .contains("<html lang=\"en\">")
    );
}

#[tokio::test]
async fn malformed_requests_get_clear_errors_and_change_nothing() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    // A form without its fields, an unknown compartment, an empty title.
    let r = b.submit(&s, "/cases/new", "/cases/new", &[]).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = b
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[("title", "x"), ("compartment", "no such")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // A body over the form limit.
    let token = b.get(&s, "/cases/new").await.csrf();
    let big = "x".repeat(2 << 20);
    let r = b
        .send(
            &s,
            Method::POST,
            "/cases/new",
            &[("csrf", &token), ("title", &big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Ids that are not ids, or name nothing.
    for p in [
        "/records/..%2F..%2Fetc",
        "/records/C-",
        "/cases/C-2GDWVX9JG7AMP0QY163DDGM34Y",
        "/records/C-2GDWVX9JG7AMP0QY163DDGM34Y/history",
    ] {
        let r = b.get(&s, p).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}: {}", r.body);
    }
    let r = b.get(&s, "/records?type=nonsense").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        b.get(&s, "/cases").await.body.contains("No cases yet"),
        "nothing was created"
    );
}

#[tokio::test]
async fn a_session_sees_changes_by_other_sessions_and_by_other_processes() {
    let s = server();
    let (mut admin, code) = set_up(&s).await;
    let locked = s.web.locked().unwrap();
    let key = locked
        .login(&code, &khronika_crypto::Passphrase::new(PASS.into()))
        .unwrap();
    let mut v = locked.clone().unlock_key(&key).unwrap();
    let m = v
        .add_member(
            "anna",
            khronika_app::members::Role::Documenter,
            &khronika_crypto::Passphrase::new(PASS.into()),
            khronika_crypto::kdf::Argon2Params::weak_for_tests(),
        )
        .unwrap();
    let (mut anna, r) = log_in(&s, &m.short(), PASS).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(anna.get(&s, "/cases").await.body.contains("No cases yet"));
    // Another session's change.
    let r = admin
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[("title", "Raid on the office")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        anna.get(&s, "/cases")
            .await
            .body
            .contains("Raid on the office")
    );
    // Another process's change (as `khronika` on the command line would make it): the
    // member is removed while logged in, and the next request is refused.
    // (A vault loaded before the admin's change cannot write: the log moved on.)
    let stale = v.remove_member(m).unwrap_err();
    assert!(
        stale.message.contains("at the same time"),
        "{}",
        stale.message
    );
    let mut v = locked.clone().unlock_key(&key).unwrap();
    v.remove_member(m).unwrap();
    let r = anna.get(&s, "/cases").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("removed"));
}

#[tokio::test]
async fn the_search_page_finds_across_scripts_with_facets_and_escapes_what_it_shows() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    for title in [
        "Задержание Кадырова <script>",
        "Raid on the office in Grozny",
    ] {
        let r = b
            .submit(&s, "/cases/new", "/cases/new", &[("title", title)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let empty = b.get(&s, "/search").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(!empty.body.contains("id=\"total\""));
    // A Latin spelling finds the Cyrillic name; the match is marked, the rest escaped.
    let r = b.get(&s, "/search?q=Kadyrov").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<mark>Кадырова</mark>"), "{}", r.body);
    assert!(!r.body.contains("<script>"), "hostile text is escaped");
    assert!(!r.body.contains("Raid on the office"));
    // Facets link to the same search narrowed.
    let r = b.get(&s, "/search?q=Grozny").await;
    assert!(r.body.contains("Raid on the office"), "{}", r.body);
    assert!(
        r.body.contains("href=\"/search?q=Grozny&#38;type=case\""),
        "{}",
        r.body
    );
    // Bad filters get a clear error.
    let r = b.get(&s, "/search?q=x&from=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("is not a date"), "{}", r.body);
    let r = b.get(&s, "/search?type=spaceship").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // In Russian.
    b.lang = Some("ru");
    assert!(
        b.get(&s, "/search?q=Kadyrow")
            .await
            .body
            .contains("Найдено")
    );
}

#[tokio::test]
async fn the_panic_button_erases_the_keys_after_one_confirmation_and_ends_every_session() {
    let s = server();
    let (mut b, code) = set_up(&s).await;
    let (mut other, _) = log_in(&s, &code, PASS).await;
    let keys = s._dir.path().join("vault/keys");
    let slots = std::fs::read_dir(&keys).unwrap().count();
    assert!(slots >= 2);
    // The page asks; a form without the confirmation changes nothing.
    let page = b.get(&s, "/panic").await;
    assert!(page.body.contains("value=\"erase\""), "{}", page.body);
    let r = b.submit(&s, "/panic", "/panic", &[]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/panic"));
    assert_eq!(std::fs::read_dir(&keys).unwrap().count(), slots);
    // Confirmed: every slot erased, every session over, no login possible.
    let r = b
        .submit(&s, "/panic", "/panic", &[("confirm", "erase")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"erased\""));
    assert_eq!(std::fs::read_dir(&keys).unwrap().count(), 0);
    assert_eq!(other.get(&s, "/").await.location(), "/login");
    assert_eq!(b.get(&s, "/").await.location(), "/login");
    let (_, r) = log_in(&s, &code, PASS).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn background_sync_sends_the_mirrors_what_they_lack_while_someone_is_logged_in() {
    let s = server();
    assert!(
        !s.web.sync_now().await,
        "no vault, no session: nothing to sync with"
    );
    let (mut b, code) = set_up(&s).await;
    let mirror = s._dir.path().join("usb-mirror");
    {
        let locked = s.web.locked().unwrap();
        let key = locked
            .login(&code, &khronika_crypto::Passphrase::new(PASS.into()))
            .unwrap();
        let mut v = locked.unlock_key(&key).unwrap();
        v.mirror_add("usb", mirror.to_str().unwrap(), None).unwrap();
    }
    let r = b
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[("title", "Arson of the office")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let before = b.get(&s, "/").await;
    assert!(before.body.contains("Safe on 0 / 1"), "{}", before.body);
    assert!(
        before.body.contains("pending; ") || before.body.contains("object(s) pending"),
        "{}",
        before.body
    );
    assert!(
        before.body.contains("last success: never"),
        "{}",
        before.body
    );
    assert!(s.web.sync_now().await);
    let after = b.get(&s, "/").await;
    assert!(after.body.contains("Safe on 1 / 1"), "{}", after.body);
    assert!(after.body.contains("0 object(s) pending"), "{}", after.body);
    assert!(
        !after.body.contains("last success: never"),
        "{}",
        after.body
    );
    // The mirror holds what the vault holds, and verifies.
    let locked = s.web.locked().unwrap();
    let key = locked
        .login(&code, &khronika_crypto::Passphrase::new(PASS.into()))
        .unwrap();
    let v = locked.unlock_key(&key).unwrap();
    let report = v.mirror_verify("usb", &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    // Logged out: no keys, no background sync.
    b.submit(&s, "/", "/logout", &[]).await;
    assert!(!s.web.sync_now().await);
}

#[tokio::test]
async fn a_case_gets_an_event_with_act_victim_and_perpetrator_unit_and_a_testimony() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    let r = b
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[("title", "Detentions in Achkhoy-Martan")],
        )
        .await;
    let case = r.location().to_owned();
    let acts = khronika_server::web::forms::act_types("en");
    assert!(acts.len() > 10, "the act types come from the vocabulary");
    let (code, label) = acts
        .iter()
        .find(|(_, l)| !l.starts_with('—'))
        .unwrap()
        .clone();
    let form = format!("{case}/events");
    let page = b.get(&s, &form).await;
    assert!(
        page.body.contains(&format!("value=\"{code}\"")),
        "the picker offers the act types"
    );
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[
                ("title", "Detention at the checkpoint"),
                ("date", "around 2014-12"),
                ("place", "Ачхой-Мартан"),
                ("act_type", &code),
                ("victim_given", "Ислам"),
                ("victim_surname", "Дадашев"),
                ("unit_name", "ППС-2"),
                ("role", "ordered"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, case.as_str()),
        "{}",
        r.body
    );
    let page = b.get(&s, &case).await;
    assert!(
        page.body.contains("Detention at the checkpoint"),
        "{}",
        page.body
    );
    assert!(page.body.contains("around 2014-12"), "{}", page.body);
    assert!(
        page.body.contains(&label),
        "the act type by its label: {}",
        page.body
    );
    assert!(
        page.body.contains("Дадашев") && page.body.contains("ППС-2"),
        "{}",
        page.body
    );

    let form = format!("{case}/testimonies");
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[
                ("title", "Statement of W-17"),
                ("pseudonym", "W-17"),
                ("date", "2015-01-20"),
                ("language", "ru"),
                ("reliability", "medium"),
                ("transcript", "Их вывели из машины и пытали."),
                ("court", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get(&s, &case).await;
    assert!(page.body.contains("Statement of W-17"), "{}", page.body);
    // The testimony's words are found, in another form of the word.
    let found = b.get(&s, "/search?q=%D0%BF%D1%8B%D1%82%D0%BA%D0%B8").await;
    assert!(found.body.contains("Statement of W-17"), "{}", found.body);

    // Bad input: a date that is not one, a case that is not one.
    let form = format!("{case}/events");
    let r = b
        .submit(&s, &form, &form, &[("title", "x"), ("date", "last winter")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("class=\"error\""), "{}", r.body);
    assert_eq!(
        b.get(&s, "/cases/V-2GDWVX9JG7AMP0QY163DDGM34Y/events")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn administrators_add_and_remove_members_and_coordinators_grant_compartments() {
    let s = server();
    let (mut admin, _) = set_up(&s).await;
    let r = admin
        .submit(
            &s,
            "/admin/members",
            "/admin/members",
            &[
                ("name", "Анна"),
                ("role", "documenter"),
                ("passphrase", "anna's first passphrase"),
                ("repeat", "anna's first passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let at = r.body.find("class=\"code\">").unwrap() + 13;
    let code = r.body[at..at + 8].to_owned();
    // Refusals: passphrases that differ, a role that is none, a name taken.
    for (name, role, p, q) in [
        (
            "Boris",
            "documenter",
            "long enough passphrase",
            "another long passphrase",
        ),
        (
            "Boris",
            "king",
            "long enough passphrase",
            "long enough passphrase",
        ),
        (
            "Анна",
            "viewer",
            "long enough passphrase",
            "long enough passphrase",
        ),
    ] {
        let r = admin
            .submit(
                &s,
                "/admin/members",
                "/admin/members",
                &[
                    ("name", name),
                    ("role", role),
                    ("passphrase", p),
                    ("repeat", q),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{name} {role}: {}",
            r.body
        );
    }
    let (mut anna, r) = log_in(&s, &code, "anna's first passphrase").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A documenter may not administer.
    assert_eq!(
        anna.get(&s, "/admin/members").await.status,
        StatusCode::FORBIDDEN
    );
    // A compartment, a case in it, a grant: Anna reads it; a withdrawal: new records are closed to her.
    let r = admin
        .submit(
            &s,
            "/admin/compartments",
            "/admin/compartments",
            &[("name", "chechnya-2014")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = admin
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[
                ("title", "Sealed detention"),
                ("compartment", "chechnya-2014"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        !anna
            .get(&s, "/cases")
            .await
            .body
            .contains("Sealed detention")
    );
    let r = admin
        .submit(
            &s,
            "/admin/compartments",
            "/admin/grants",
            &[
                ("compartment", "chechnya-2014"),
                ("member", &code),
                ("action", "grant"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        anna.get(&s, "/cases")
            .await
            .body
            .contains("Sealed detention")
    );
    let page = admin.get(&s, "/admin/compartments").await;
    assert!(page.body.contains("Анна"), "{}", page.body);
    let r = admin
        .submit(
            &s,
            "/admin/compartments",
            "/admin/grants",
            &[
                ("compartment", "chechnya-2014"),
                ("member", &code),
                ("action", "withdraw"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = admin
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[
                ("title", "After the withdrawal"),
                ("compartment", "chechnya-2014"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !anna
            .get(&s, "/cases")
            .await
            .body
            .contains("After the withdrawal")
    );
    // Bad grants: no such compartment, no such member.
    let r = admin
        .submit(
            &s,
            "/admin/compartments",
            "/admin/grants",
            &[
                ("compartment", "nowhere"),
                ("member", &code),
                ("action", "grant"),
            ],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    // Removal: Anna's session is refused from the next request on.
    let r = admin
        .submit(
            &s,
            "/admin/members",
            "/admin/members/remove",
            &[("member", &code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(anna.get(&s, "/cases").await.status, StatusCode::FORBIDDEN);
    assert!(
        admin
            .get(&s, "/admin/members")
            .await
            .body
            .contains("removed")
    );
}

#[tokio::test]
async fn an_intervention_with_a_deadline_soon_is_on_the_overview() {
    let s = server();
    let (mut b, _) = set_up(&s).await;
    let r = b
        .submit(
            &s,
            "/cases/new",
            "/cases/new",
            &[("title", "Complaint about the detention")],
        )
        .await;
    let case = r.location().to_owned();
    let form = format!("{case}/interventions");
    let page = b.get(&s, &form).await;
    let kinds = khronika_server::web::forms::intervention_types("en");
    assert!(
        !kinds.is_empty() && page.body.contains(&kinds[0].0),
        "{}",
        page.body
    );
    // A deadline ten days from now.
    let soon = khronika_app::time::rfc3339_ms(khronika_app::time::now_ms() + 10 * 86_400_000)[..10]
        .to_owned();
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[
                ("kind", &kinds[0].0),
                ("addressee", "Прокуратура Ачхой-Мартановского района"),
                ("filed", "2014-12-10"),
                ("reference", "№ 123/45-2014"),
                ("deadline", &soon),
                ("status", "filed"),
                ("next_step", "Appeal if refused"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(b.get(&s, &case).await.body.contains("Прокуратура"));
    let overview = b.get(&s, "/").await;
    let due = &overview.body[overview.body.find("id=\"due\"").unwrap()
        ..overview.body.find("id=\"conflicts\"").unwrap()];
    assert!(due.contains(&soon), "{due}");
    // A date that is not one.
    let r = b
        .submit(
            &s,
            &form,
            &form,
            &[("addressee", "x"), ("deadline", "someday")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn the_navigation_shows_each_member_only_what_their_role_allows() {
    let s = server();
    let (mut admin, _) = set_up(&s).await;
    let nav = |body: &str| {
        let at = body.find("<nav>").unwrap();
        body[at..at + body[at..].find("</nav>").unwrap()].to_owned()
    };
    let n = nav(&admin.get(&s, "/").await.body);
    for link in [
        "/admin/members",
        "/admin/compartments",
        "/quarantine",
        "/panic",
    ] {
        assert!(n.contains(link), "{link}: {n}");
    }
    let viewer = {
        let mut v = s.web.locked().unwrap().unlock(&pass()).unwrap();
        let weak = khronika_crypto::kdf::Argon2Params::weak_for_tests();
        v.add_member("viewer", khronika_app::members::Role::Viewer, &pass(), weak)
            .unwrap()
            .short()
    };
    let (mut b, r) = log_in(&s, &viewer, PASS).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let n = nav(&b.get(&s, "/").await.body);
    for link in ["/admin/members", "/admin/compartments", "/quarantine"] {
        assert!(!n.contains(link), "{link} shown to a viewer: {n}");
    }
    assert!(n.contains("/panic") && n.contains("/cases"), "{n}");
    // Hidden is not the protection: the route refuses on its own.
    assert_eq!(
        b.get(&s, "/admin/members").await.status,
        StatusCode::FORBIDDEN
    );
}
