//! API tokens, on a vault on the real disk: created, opened and unlocked within their scope;
//! malformed, unknown, wrong and revoked tokens refused alike; read-only tokens refused at
//! every write; compartment scopes hiding records, search results and evidence; roles on top;
//! removed members; revocation and the panic button erasing slots; token files never sent to
//! a mirror; the activity log (round trip, damage, no plaintext on disk).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use khronika_app::access::Action;
use khronika_app::members::Role;
use khronika_app::search::{Filters, SearchQuery};
use khronika_app::tokens::{TokenKey, TokenScope, TokenUse};
use khronika_app::vault::{self, LockedVault, UnlockedVault};
use khronika_app::{AppError, ErrorCode};
use khronika_backends::OsFs;
use khronika_crypto::kdf::Argon2Params;
use khronika_crypto::{Passphrase, SeededEntropy};
use khronika_domain::{Record, RecordId, RecordKind};
use khronika_store::CompartmentId;
use serde_json::json;

use crate::support::{pass, source};

fn init(root: &Path) -> UnlockedVault {
    vault::init(
        Arc::new(OsFs),
        root,
        &pass(),
        Argon2Params::weak_for_tests(),
        &mut SeededEntropy::new(11),
    )
    .unwrap()
    .0
}

fn locked(root: &Path) -> LockedVault {
    LockedVault::open(Arc::new(OsFs), root).unwrap()
}

fn reopen(root: &Path) -> UnlockedVault {
    locked(root).unlock(&pass()).unwrap()
}

fn with_token(root: &Path, token: &str) -> UnlockedVault {
    let l = locked(root);
    let key = l.open_token(token).unwrap();
    l.unlock_token(&key).unwrap()
}

fn rid(kind: RecordKind, n: u8) -> RecordId {
    RecordId::new(kind, [n; 16])
}

fn case(n: u8, title: &str) -> Record {
    serde_json::from_value(json!({
        "type": "case", "id": rid(RecordKind::Case, n).to_string(), "title": title,
    }))
    .unwrap()
}

fn scope(compartments: &[&str], write: bool) -> TokenScope {
    TokenScope {
        compartments: compartments.iter().map(|c| (*c).to_owned()).collect(),
        write,
    }
}

fn search_ids(v: &mut UnlockedVault, text: &str) -> Vec<String> {
    let r = v
        .search(&SearchQuery {
            text: text.into(),
            fuzzy: false,
            filters: Filters::default(),
            limit: 100,
            facets: false,
        })
        .unwrap();
    r.hits.into_iter().map(|h| h.id).collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Create a new file (the tests damage vault files by replacing them).
fn put(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

fn forbidden(r: Result<impl std::fmt::Debug, AppError>, says: &str, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.code, ErrorCode::Forbidden, "{what}: {}", e.message);
    assert!(e.message.contains(says), "{what}: {}", e.message);
}

/// A vault with a case in the default compartment, a case in `lawyers-2025`, and one
/// evidence file (evidence goes to the default compartment).
fn vault_with_two_compartments(root: &Path) -> (CompartmentId, CompartmentId, String) {
    let mut v = init(root);
    let lawyers = v.create_compartment("lawyers-2025", false).unwrap();
    let d = v.default_compartment();
    v.create_records(d, vec![case(1, "Raid on the editorial office")])
        .unwrap();
    v.create_records(lawyers, vec![case(2, "Detention of the advocate Petrov")])
        .unwrap();
    let added = v
        .add(
            vec![source("statement.txt", b"witness statement about the raid")],
            &mut |_| {},
        )
        .unwrap();
    (d, lawyers, added[0].id.clone())
}

#[test]
fn a_token_opens_and_unlocks_within_its_scope() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let (d, lawyers, evidence) = vault_with_two_compartments(&root);
    let mut v = reopen(&root);
    let (info, token) = v
        .create_token("partner import", scope(&["lawyers-2025"], false))
        .unwrap();
    assert!(token.expose().starts_with("khr_"));
    assert_eq!(token.expose().len(), 4 + 16 + 1 + 64);
    assert_eq!(&token.expose()[4..20], info.id);
    assert_eq!(info.member, v.member().to_hex());
    assert_eq!(info.scope, scope(&["lawyers-2025"], false));
    let (all_info, all) = v.create_token("dashboard", scope(&[], false)).unwrap();
    // Listing never shows a secret.
    let listed = v.tokens().unwrap();
    // Oldest first; two tokens made within one millisecond are in id order.
    let mut names = listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>();
    assert!(
        listed
            .windows(2)
            .all(|w| (w[0].created_ms, &w[0].id) < (w[1].created_ms, &w[1].id))
    );
    names.sort_unstable();
    assert_eq!(names, ["dashboard", "partner import"]);
    let listed_json = serde_json::to_string(&listed).unwrap();
    assert!(!listed_json.contains(&token.expose()[21..]));
    assert!(!format!("{token:?}").contains(&token.expose()[21..]));
    drop(v);

    // Opening: the member, the id, the scope; no Argon2 involved.
    let l = locked(&root);
    let key: TokenKey = l.open_token(token.expose()).unwrap();
    assert_eq!(key.id(), info.id);
    assert_eq!(key.scope(), &info.scope);
    assert_eq!(key.member().to_hex(), info.member);
    assert!(!format!("{key:?}").contains(&token.expose()[21..]));
    let mut scoped = l.unlock_token(&key).unwrap();
    assert_eq!(scoped.token_scope(), Some(&info.scope));
    assert_eq!(scoped.token_id(), Some(info.id.as_str()));

    // The scope's records only: the other compartment's are not found, not listed, not
    // searched; its name is not shown.
    assert!(scoped.record(&rid(RecordKind::Case, 2)).is_ok());
    let e = scoped.record(&rid(RecordKind::Case, 1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let listed: Vec<String> = scoped
        .list_records(None)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, [rid(RecordKind::Case, 2).to_string()]);
    assert_eq!(
        search_ids(&mut scoped, "Petrov"),
        [rid(RecordKind::Case, 2).to_string()]
    );
    assert!(search_ids(&mut scoped, "editorial").is_empty());
    assert!(search_ids(&mut scoped, "statement").is_empty());
    let names: Vec<Option<String>> = scoped.compartments().into_iter().map(|c| c.name).collect();
    assert!(names.contains(&Some("lawyers-2025".into())));
    assert!(!names.contains(&Some("default".into())), "{names:?}");
    // Evidence lives in the default compartment: not listed, not found, not downloadable.
    assert!(scoped.evidence().is_empty());
    assert_eq!(
        scoped.find(&evidence).unwrap_err().code,
        ErrorCode::NotFound
    );
    let mut sink = Vec::new();
    assert!(scoped.cat(&evidence, &mut sink).is_err());
    assert!(sink.is_empty());
    assert!(scoped.prove(&evidence, &["sha256"]).is_err());
    // The per-route check follows the scope.
    scoped.may(Action::Read).unwrap();
    scoped.may_in(Action::Read, lawyers).unwrap();
    forbidden(
        scoped.may_in(Action::Read, d),
        "reaches only",
        "read elsewhere",
    );
    drop(scoped);

    // A token of every compartment reads both, and the evidence.
    let mut wide = with_token(&root, all.expose());
    assert_eq!(wide.token_scope(), Some(&all_info.scope));
    assert!(wide.record(&rid(RecordKind::Case, 1)).is_ok());
    assert!(wide.record(&rid(RecordKind::Case, 2)).is_ok());
    assert_eq!(wide.evidence().len(), 1);
    let mut bytes = Vec::new();
    wide.cat(&evidence, &mut bytes).unwrap();
    assert_eq!(bytes, b"witness statement about the raid");
    assert_eq!(search_ids(&mut wide, "editorial").len(), 1);
    // A passphrase session has no token scope.
    assert!(reopen(&root).token_scope().is_none());
}

#[test]
fn malformed_unknown_wrong_and_revoked_tokens_get_the_same_error() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    let (info, token) = v.create_token("form", scope(&[], true)).unwrap();
    let (_, other) = v.create_token("other", scope(&[], false)).unwrap();
    let real = token.expose().to_owned();
    let secret = &real[21..];
    let flip = |s: &str, i: usize| {
        let mut b = s.as_bytes().to_vec();
        b[i] = if b[i] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    let mut bad = vec![
        String::new(),
        "khr_".into(),
        "Bearer ".to_owned() + &real,
        real.to_uppercase(),
        real[..real.len() - 1].to_owned(),
        format!("{real}0"),
        real.replace('_', "-"),
        format!("khr_{}_{}", "я".repeat(8), secret),
        "x".repeat(10_000),
        // Unknown id, right form.
        format!("khr_0000000000000000_{secret}"),
        // The right id with a wrong secret; another token's secret.
        flip(&real, 30),
        flip(&real, real.len() - 1),
        format!("khr_{}_{}", info.id, &other.expose()[21..]),
        // A token's id with a well-formed secret of zeros.
        format!("khr_{}_{}", info.id, "0".repeat(64)),
    ];
    let l = locked(&root);
    l.open_token(&real).unwrap();
    l.open_token(&format!("  {real}\n")).unwrap();
    v.revoke_token(&info.id).unwrap();
    bad.push(real.clone());
    let mut messages = std::collections::BTreeSet::new();
    for b in &bad {
        let e = l.open_token(b).unwrap_err();
        assert_eq!(e.code, ErrorCode::WrongPassphrase, "{b:?}: {}", e.message);
        assert!(e.message.contains("khronika token create"), "{}", e.message);
        messages.insert(e.message);
    }
    assert_eq!(messages.len(), 1, "{messages:?}");
    // The other token still works.
    l.open_token(other.expose()).unwrap();
}

#[test]
fn a_read_only_token_refuses_every_write_and_stores_nothing() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let (d, lawyers, _) = vault_with_two_compartments(&root);
    let mut v = reopen(&root);
    let viewer = v
        .add_member(
            "viewer-1",
            Role::Viewer,
            &Passphrase::new("the viewer's own passphrase".into()),
            Argon2Params::weak_for_tests(),
        )
        .unwrap();
    let (_, token) = v.create_token("reader", scope(&[], false)).unwrap();
    let size = v.log_lines().unwrap().len();
    drop(v);

    let mut r = with_token(&root, token.expose());
    assert_eq!(
        r.role(),
        Role::Administrator,
        "roles come through the scope"
    );
    let ro = "read-only";
    forbidden(r.may(Action::Write), ro, "may write");
    forbidden(r.may(Action::Coordinate), ro, "may coordinate");
    forbidden(r.may(Action::Administer), ro, "may administer");
    forbidden(r.may(Action::Panic), ro, "may panic");
    r.may(Action::Read).unwrap();
    forbidden(
        r.create_records(d, vec![case(3, "new")]),
        ro,
        "create records",
    );
    forbidden(r.edit_record(case(1, "changed"), &[]), ro, "edit a record");
    forbidden(
        r.add_to_case(&rid(RecordKind::Case, 1), vec![case(4, "gathered")]),
        ro,
        "add to a case",
    );
    forbidden(
        r.add(vec![source("x.txt", b"x")], &mut |_| {}),
        ro,
        "add evidence",
    );
    let archive = khronika_domain::sample::sample().unwrap();
    forbidden(r.import_archive(&archive), ro, "import");
    forbidden(
        r.create_compartment("new-one", false),
        ro,
        "create compartment",
    );
    forbidden(r.grant(lawyers, viewer), ro, "grant");
    forbidden(r.withdraw(lawyers, r.member()), ro, "withdraw");
    forbidden(
        r.add_member(
            "someone",
            Role::Viewer,
            &Passphrase::new("yet another passphrase".into()),
            Argon2Params::weak_for_tests(),
        ),
        ro,
        "add member",
    );
    forbidden(r.remove_member(viewer), ro, "remove member");
    forbidden(
        r.decide(khronika_store::DeviceId([9; 16]), 3, true),
        ro,
        "quarantine decision",
    );
    forbidden(
        r.revoke(khronika_store::DeviceId([9; 16]), None),
        ro,
        "revoke a device",
    );
    forbidden(r.open_source_register("checking"), ro, "open the register");
    let mirror_dir = t.path().join("mirror");
    forbidden(
        r.mirror_add("m", mirror_dir.to_str().unwrap(), None),
        ro,
        "add a mirror",
    );
    forbidden(
        r.enrol(Arc::new(OsFs), &t.path().join("device-2")),
        ro,
        "enrol a device",
    );
    forbidden(
        r.create_token("more", scope(&[], true)),
        "passphrase",
        "token",
    );
    forbidden(r.revoke_token("abcdef"), "passphrase", "revoke token");
    assert!(!mirror_dir.exists() && !t.path().join("device-2").exists());
    // Reading still works, and nothing was stored.
    assert!(r.record(&rid(RecordKind::Case, 1)).is_ok());
    drop(r);
    let mut v = reopen(&root);
    assert_eq!(v.log_lines().unwrap().len(), size);
    assert!(v.record(&rid(RecordKind::Case, 3)).is_err());
}

#[test]
fn a_writing_token_writes_only_inside_its_scope_and_roles_still_apply() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let (d, lawyers, _) = vault_with_two_compartments(&root);
    let mut v = reopen(&root);
    let documenter_pass = Passphrase::new("the documenter's passphrase".into());
    let viewer_pass = Passphrase::new("the viewer's passphrase".into());
    let documenter = v
        .add_member(
            "documenter-1",
            Role::Documenter,
            &documenter_pass,
            Argon2Params::weak_for_tests(),
        )
        .unwrap();
    let viewer = v
        .add_member(
            "viewer-1",
            Role::Viewer,
            &viewer_pass,
            Argon2Params::weak_for_tests(),
        )
        .unwrap();
    let (_, scoped) = v
        .create_token("lawyers form", scope(&["lawyers-2025"], true))
        .unwrap();
    let (_, admin) = v.create_token("admin script", scope(&[], true)).unwrap();
    drop(v);

    // Scoped to lawyers-2025: writes there; nothing elsewhere, no administration.
    let mut w = with_token(&root, scoped.expose());
    w.may(Action::Write).unwrap();
    w.may_in(Action::Write, lawyers).unwrap();
    w.may(Action::Coordinate).unwrap();
    forbidden(
        w.may_in(Action::Write, d),
        "reaches only",
        "may write default",
    );
    forbidden(
        w.may(Action::Administer),
        "every compartment",
        "may administer",
    );
    forbidden(w.may(Action::Panic), "every compartment", "may panic");
    w.create_records(lawyers, vec![case(5, "Appeal of the advocate")])
        .unwrap();
    w.edit_record(case(2, "Detention of the advocate Petrov, appealed"), &[])
        .unwrap();
    forbidden(
        w.create_records(d, vec![case(6, "elsewhere")]),
        "reaches only",
        "write default",
    );
    forbidden(
        w.add(vec![source("x.txt", b"x")], &mut |_| {}),
        "reaches only",
        "evidence to default",
    );
    forbidden(
        w.create_compartment("another", false),
        "every compartment",
        "create compartment",
    );
    forbidden(w.grant(d, viewer), "reaches only", "grant default");
    forbidden(
        w.add_member(
            "x",
            Role::Viewer,
            &Passphrase::new("another passphrase".into()),
            Argon2Params::weak_for_tests(),
        ),
        "every compartment",
        "add member",
    );
    forbidden(
        w.revoke(khronika_store::DeviceId([9; 16]), None),
        "every compartment",
        "revoke device",
    );
    // A grant of the compartment in scope is a coordinator's right, which this member has.
    w.grant(lawyers, viewer).unwrap();
    drop(w);

    // A token of every compartment may administer (the member is an administrator).
    let mut a = with_token(&root, admin.expose());
    a.may(Action::Administer).unwrap();
    let c = a.create_compartment("from-a-script", false).unwrap();
    a.create_records(c, vec![case(7, "scripted")]).unwrap();
    drop(a);

    // Roles on top: a documenter's token of every compartment cannot administer; a viewer
    // cannot make a writing token, and their reading token writes nothing.
    let l = locked(&root);
    let mut dv = l
        .clone()
        .unlock_as(Some(&documenter.to_hex()[..8]), &documenter_pass)
        .unwrap();
    let (_, dtoken) = dv
        .create_token("documenter script", scope(&[], true))
        .unwrap();
    drop(dv);
    let mut dt = with_token(&root, dtoken.expose());
    dt.create_records(d, vec![case(8, "by the documenter's script")])
        .unwrap();
    forbidden(
        dt.may(Action::Administer),
        "administrator",
        "documenter administers",
    );
    forbidden(
        dt.create_compartment("not-mine", false),
        "coordinator",
        "documenter creates compartment",
    );
    drop(dt);
    let mut vv = l
        .clone()
        .unlock_as(Some(&viewer.to_hex()[..8]), &viewer_pass)
        .unwrap();
    forbidden(
        vv.create_token("viewer write", scope(&[], true)),
        "read-only token",
        "viewer write token",
    );
    let (_, vtoken) = vv.create_token("viewer read", scope(&[], false)).unwrap();
    drop(vv);
    let mut vt = with_token(&root, vtoken.expose());
    forbidden(vt.may(Action::Write), "read-only", "viewer writes");
    assert!(
        vt.record(&rid(RecordKind::Case, 5)).is_ok(),
        "granted above"
    );
}

#[test]
fn tokens_of_a_removed_member_stop_working() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    let p = Passphrase::new("the documenter's passphrase".into());
    let m = v
        .add_member(
            "leaving",
            Role::Documenter,
            &p,
            Argon2Params::weak_for_tests(),
        )
        .unwrap();
    drop(v);
    let mut mv = locked(&root).unlock_as(Some(&m.to_hex()[..8]), &p).unwrap();
    let (_, token) = mv.create_token("their script", scope(&[], true)).unwrap();
    drop(mv);
    let l = locked(&root);
    let key = l.open_token(token.expose()).unwrap();
    let mut v = reopen(&root);
    v.remove_member(m).unwrap();
    drop(v);
    // Opened before the removal, unlocked after: refused.
    let e = locked(&root).unlock_token(&key).unwrap_err();
    assert_eq!(e.code, ErrorCode::WrongPassphrase);
    // And the slot is gone.
    let e = locked(&root).open_token(token.expose()).unwrap_err();
    assert_eq!(e.code, ErrorCode::WrongPassphrase);
    assert!(files_under(&root.join("tokens")).is_empty());
}

#[test]
fn creating_listing_and_revoking_check_their_input() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    v.create_compartment("lawyers-2025", false).unwrap();
    for bad in ["", "   ", "two\nlines", &"x".repeat(101)] {
        let e = v.create_token(bad, scope(&[], false)).unwrap_err();
        assert_eq!(e.code, ErrorCode::Usage, "{bad:?}");
    }
    let e = v
        .create_token("x", scope(&["no-such-compartment"], false))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.contains("no-such-compartment"), "{}", e.message);
    let (a, _) = v
        .create_token("a", scope(&["lawyers-2025", "lawyers-2025"], false))
        .unwrap();
    assert_eq!(a.scope.compartments, ["lawyers-2025"]);
    let e = v.create_token("a", scope(&[], false)).unwrap_err();
    assert_eq!(e.code, ErrorCode::Usage);
    assert!(e.message.contains("already"), "{}", e.message);
    assert!(files_under(&root.join("tokens")).len() == 1);

    for bad in ["", "abc", "zzzzzzzz", "0123456789abcdef0"] {
        let e = v.revoke_token(bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::Usage, "{bad:?}: {}", e.message);
    }
    let e = v.revoke_token("ffffffffffffffff").unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    // Another member's token is not theirs to revoke, nor listed.
    let p = Passphrase::new("the second member's passphrase".into());
    let m = v
        .add_member(
            "second",
            Role::Documenter,
            &p,
            Argon2Params::weak_for_tests(),
        )
        .unwrap();
    let mut other = locked(&root).unlock_as(Some(&m.to_hex()[..8]), &p).unwrap();
    assert!(other.tokens().unwrap().is_empty());
    assert_eq!(
        other.revoke_token(&a.id).unwrap_err().code,
        ErrorCode::NotFound
    );
    let (b, _) = other.create_token("b", scope(&[], false)).unwrap();
    assert_eq!(v.tokens().unwrap().len(), 1);
    // Revoked by a prefix: the slot is gone from the folder.
    v.revoke_token(&a.id[..6].to_uppercase()).unwrap();
    assert!(v.tokens().unwrap().is_empty());
    let left = files_under(&root.join("tokens"));
    assert_eq!(left.len(), 1);
    assert!(left[0].ends_with(format!("{}.token", b.id)));

    // A damaged slot: verify names it, listing says how to erase it, revoking erases it.
    let path = left[0].clone();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[40] ^= 1;
    std::fs::remove_file(&path).unwrap();
    put(&path, &bytes);
    let report = locked(&root).verify(&mut |_| {});
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.object.starts_with("tokens/") && p.what.contains("token slot")),
        "{:?}",
        report.problems
    );
    let e = v.tokens().unwrap_err();
    assert_eq!(e.code, ErrorCode::Damaged);
    assert!(
        e.message.contains(&b.id) && e.message.contains("khronika token revoke"),
        "{}",
        e.message
    );
    assert_eq!(
        v.revoke_token(&b.id[..8]).unwrap_err().code,
        ErrorCode::NotFound,
        "a damaged slot is erased only by its whole id"
    );
    v.revoke_token(&b.id).unwrap();
    assert!(files_under(&root.join("tokens")).is_empty());
    assert!(v.tokens().unwrap().is_empty());
}

#[test]
fn the_panic_button_erases_every_token_slot() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    let (_, a) = v.create_token("a", scope(&[], false)).unwrap();
    let (_, b) = v.create_token("b", scope(&[], true)).unwrap();
    drop(v);
    let slots = files_under(&root.join("tokens"));
    assert_eq!(slots.len(), 2);
    let erased = locked(&root).erase_keys().unwrap();
    for s in &slots {
        assert!(erased.files.contains(s), "{s:?} not in {:?}", erased.files);
        assert!(!s.exists());
    }
    assert!(files_under(&root.join("tokens")).is_empty());
    assert!(files_under(&root.join("keys")).is_empty());
    for token in [a, b] {
        let e = locked(&root).open_token(token.expose()).unwrap_err();
        assert_eq!(e.code, ErrorCode::WrongPassphrase);
    }
}

#[test]
fn a_mirror_sync_sends_no_token_file() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    let (_, token) = v.create_token("a", scope(&[], false)).unwrap();
    v.record_token_uses(&[TokenUse {
        time_ms: 1,
        token: token.expose()[4..20].to_owned(),
        method: "GET".into(),
        path: "/api/v1/cases".into(),
        status: 200,
    }])
    .unwrap();
    let mirror = t.path().join("mirror");
    v.mirror_add("usb", mirror.to_str().unwrap(), None).unwrap();
    let done = v.sync_mirror("usb", &mut |_| {}, &mut |_| {}).unwrap();
    assert_eq!(done.pending, 0);
    let files = files_under(&mirror);
    // The key slots went; no token slot nor activity file did.
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("member-"))
    );
    for f in &files {
        let name = f.to_string_lossy();
        assert!(
            !name.contains("token") && !name.contains("activity") && !name.ends_with(".log"),
            "{name}"
        );
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !bytes
                .windows(8)
                .any(|w| w == b"KHRNTOKN" || w == b"KHRNACTV"),
            "{name}"
        );
    }
}

#[test]
fn the_activity_log_round_trips_and_holds_no_plaintext() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vault");
    let mut v = init(&root);
    let (info, token) = v.create_token("CANARY script", scope(&[], true)).unwrap();
    drop(v);
    let canary_path = "/api/v1/records/CANARY-Задержание-7f3a";
    let canary_method = "PROPFIND";
    let mut s = with_token(&root, token.expose());
    let use_at = |ms: i64, path: &str, status: u16| TokenUse {
        time_ms: ms,
        token: info.id.clone(),
        method: canary_method.into(),
        path: path.into(),
        status,
    };
    s.record_token_uses(&[use_at(1_000, canary_path, 200), use_at(1_001, "/a", 201)])
        .unwrap();
    s.record_token_uses(&[]).unwrap();
    let hostile = format!("/b\n\u{1b}[31m{}", "я".repeat(3000));
    s.record_token_uses(&[use_at(2_000, &hostile, 404)])
        .unwrap();
    s.record_token_uses(&[use_at(1_500, "/c", 403)]).unwrap();
    let all = s.token_uses(100).unwrap();
    let times: Vec<i64> = all.iter().map(|u| u.time_ms).collect();
    assert_eq!(times, [2_000, 1_500, 1_001, 1_000]);
    assert_eq!(all[3].path, canary_path);
    assert!(!all[0].path.contains('\n') && !all[0].path.contains('\u{1b}'));
    assert!(all[0].path.len() <= khronika_app::tokens::MAX_USE_PATH);
    assert_eq!(s.token_uses(2).unwrap(), all[..2]);
    assert!(s.token_uses(0).unwrap().is_empty());
    drop(s);
    // The member reads the same log with the passphrase; a scoped token may not.
    let mut v = reopen(&root);
    assert_eq!(v.token_uses(100).unwrap(), all);
    let (_, narrow) = v.create_token("narrow", scope(&["default"], true)).unwrap();
    drop(v);
    let n = with_token(&root, narrow.expose());
    forbidden(n.token_uses(10), "every compartment", "scoped log");
    drop(n);

    // Nothing readable on disk: no path, method or token id anywhere in the vault folder.
    let files = files_under(&root);
    let activity: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.starts_with(root.join("activity")))
        .collect();
    assert_eq!(activity.len(), 3, "one file per non-empty batch");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for canary in [
            "CANARY".as_bytes(),
            "Задержание".as_bytes(),
            canary_method.as_bytes(),
            b"/api/v1",
            info.id.as_bytes(),
        ] {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary),
                "{} holds {:?}",
                f.display(),
                String::from_utf8_lossy(canary)
            );
        }
    }

    // A damaged file is named; nothing panics; a stray file is named too.
    let victim = activity[0].clone();
    let mut b = std::fs::read(&victim).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x20;
    std::fs::remove_file(&victim).unwrap();
    put(&victim, &b);
    let v = reopen(&root);
    let e = v.token_uses(100).unwrap_err();
    assert_eq!(e.code, ErrorCode::Damaged);
    assert!(
        e.message
            .contains(&victim.file_name().unwrap().to_string_lossy().into_owned()),
        "{}",
        e.message
    );
    std::fs::remove_file(&victim).unwrap();
    // The damaged batch held one or two of the four uses; the others read.
    let rest = v.token_uses(100).unwrap().len();
    assert!((2..=3).contains(&rest), "{rest}");
    let stray = victim.with_file_name("notes.txt");
    put(&stray, b"x");
    let e = v.token_uses(100).unwrap_err();
    assert!(e.message.contains("notes.txt"), "{}", e.message);
    std::fs::remove_file(&stray).unwrap();
    put(&victim, b"");
    let e = v.token_uses(100).unwrap_err();
    assert_eq!(e.code, ErrorCode::Damaged);
}
