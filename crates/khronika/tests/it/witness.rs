//! Witnesses from the command line: a keyless witness cosigns a log's checkpoints as it grows,
//! refuses a rolled-back or rewritten (forked) log and names it, and proofs carry its
//! cosignature for verifiers who require it.

use crate::util::*;

#[test]
fn a_witness_cosigns_growth_and_refuses_rollback_and_forks() {
    let env = Env::new();
    env.init();
    let wdir = env.path("witness");
    let wkey = env
        .cmd()
        .args([
            "witness",
            "init",
            "--name",
            "witness.example.org/1",
            "--dir",
        ])
        .arg(&wdir)
        .run()
        .ok()
        .stdout();
    assert!(wkey.starts_with("witness.example.org/1+"), "{wkey}");
    let cosign = || {
        env.cmd()
            .vault(&env.vault())
            .args(["witness", "cosign", "--dir"])
            .arg(&wdir)
            .run()
    };

    let ids = env.add(&[env.input("a.txt", b"first")]);
    assert!(cosign().ok().stdout().contains("cosigned"));
    // A second round with nothing new is not a refusal.
    assert!(cosign().ok().stdout().contains("cosigned"));
    // Keep the vault as it was at size 3, then grow it and cosign size 4.
    let old = env.path("vault-at-3");
    copy_dir(&env.vault(), &old);
    env.add(&[env.input("b.txt", b"second")]);
    assert!(cosign().ok().stdout().contains("at size 4"));

    // A proof requiring the witness verifies.
    let out = env.path("proof");
    std::fs::create_dir(&out).unwrap();
    env.k(&["prove", &ids[0], "--out"]).arg(&out).run().ok();
    let proof = out.join(format!("{}.tlog-proof", ids[0]));
    let v = env
        .cmd()
        .args(["--json", "verify-proof"])
        .arg(&proof)
        .args(["--witness", wkey.trim()])
        .run()
        .ok()
        .json();
    assert_eq!(v["cosigned_by"][0], "witness.example.org/1");
    // … and one requiring another witness does not.
    let other = env.path("other-witness");
    let okey = env
        .cmd()
        .args(["witness", "init", "--name", "other.example/2", "--dir"])
        .arg(&other)
        .run()
        .ok()
        .stdout();
    env.cmd()
        .arg("verify-proof")
        .arg(&proof)
        .args(["--witness", okey.trim()])
        .run()
        .refused(7, &["does not verify"]);

    // Rolled back: the vault is put back to size 3.
    std::fs::remove_dir_all(env.vault()).unwrap();
    copy_dir(&old, &env.vault());
    let out = cosign();
    out.refused(7, &["witness refused"]);
    assert!(out.stdout().contains("rolled back"), "{out:?}");

    // Rewritten: from size 3, another entry 4 is appended (a fork of the history).
    env.add(&[env.input("c.txt", b"a different second entry")]);
    let out = cosign();
    out.refused(7, &["witness refused"]);
    assert!(out.stdout().contains("forked"), "{out:?}");
}

#[test]
fn witness_folders_are_checked() {
    let env = Env::new();
    env.init();
    env.cmd()
        .vault(&env.vault())
        .args(["witness", "cosign", "--dir"])
        .arg(env.path("nowhere"))
        .run()
        .refused(3, &["not a witness folder"]);
    let w = env.path("w");
    env.cmd()
        .args(["witness", "init", "--name", "w.example/1", "--dir"])
        .arg(&w)
        .run()
        .ok();
    env.cmd()
        .args(["witness", "init", "--name", "w.example/1", "--dir"])
        .arg(&w)
        .run()
        .refused(3, &["already holds a witness"]);
    env.cmd()
        .args(["witness", "init", "--name", "bad name with spaces", "--dir"])
        .arg(env.path("w2"))
        .run()
        .refused(2, &["cannot name a witness"]);
}

/// One HTTP/1.1 request on a fresh connection; returns the status and the body.
fn http(addr: &str, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, answer[split + 4..].to_vec())
}

#[test]
fn witness_serve_answers_add_checkpoint_and_serves_logs_but_not_key_slots() {
    use std::io::BufRead;
    let env = Env::new();
    env.init();
    env.add(&[env.input("a.txt", b"first")]);
    let wdir = env.path("witness");
    env.cmd()
        .args([
            "witness",
            "init",
            "--name",
            "witness.example.org/2",
            "--dir",
        ])
        .arg(&wdir)
        .run()
        .ok();
    env.cmd()
        .vault(&env.vault())
        .args(["witness", "cosign", "--dir"])
        .arg(&wdir)
        .run()
        .ok();
    let mut child = env
        .cmd()
        .args(["witness", "serve", "--listen", "127.0.0.1:0", "--dir"])
        .arg(&wdir)
        .arg("--store")
        .arg(env.vault())
        .spawn_piped();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit_once("http://")
        .map(|(_, a)| a.to_owned())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    assert!(line.starts_with("witness witness.example.org/2+"), "{line}");

    let cp = std::fs::read_dir(env.vault().join("log"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path().join("checkpoint")).unwrap())
        .map(|e| e.unwrap().path())
        .next()
        .unwrap();
    let rel = cp
        .strip_prefix(env.vault())
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let (status, body) = http(&addr, "GET", &format!("/{rel}"), b"");
    assert_eq!((status, body), (200, std::fs::read(&cp).unwrap()));
    let device = rel.split('/').nth(1).unwrap();
    // Never a passphrase key slot (anyone could guess passphrases against it offline).
    let member = std::fs::read_dir(env.vault().join("keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("member-"))
        .unwrap();
    let (status, _) = http(&addr, "GET", &format!("/node/{device}/{member}"), b"");
    assert_eq!(status, 404);
    // The checkpoint the witness already cosigned, from its size: the same size again is fine.
    let size: u64 = cp.file_name().unwrap().to_str().unwrap().parse().unwrap();
    let mut req = format!("old {size}\n\n").into_bytes();
    req.extend(std::fs::read(&cp).unwrap());
    let (status, body) = http(&addr, "POST", "/add-checkpoint", &req);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body.starts_with("— witness.example.org/2 ".as_bytes()));
    let (status, _) = http(&addr, "POST", "/add-checkpoint", b"old x\n\nnonsense");
    assert_eq!(status, 400);
    child.kill().unwrap();
    child.wait().unwrap();
}
