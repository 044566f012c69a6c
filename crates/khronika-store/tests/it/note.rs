//! Signed notes, verifier keys, checkpoints and cosignatures (`khronika_store::note`) against
//! vectors nobody here wrote.
//!
//! - `testdata/note/go/`: the vectors of Go's `golang.org/x/mod/sumdb/note` tests (TestOpen,
//!   TestSign, TestNewVerifier, TestVerifierList), as also ported by the `signed_note` crate;
//!   `cases.txt` lists each note file, the keys it is opened with and Go's outcome.
//! - `testdata/note/real/`: the c2sp.org/signed-note example, and two checkpoints of public
//!   CT logs with cosignatures by public witnesses (Ed25519 `cosignature/v1` and ML-DSA-44),
//!   with their published verifier keys (see `testdata/note/README.md`).
//! - Khronika's own device checkpoint vector (`testdata/vectors/checkpoint.txt`).

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use khronika_crypto::Key32;
use khronika_crypto::hash::sha256;
use khronika_crypto::sign::SigningKey;
use khronika_store::note::{
    self, CheckpointPolicy, CheckpointText, CosignatureV1Signer, Ed25519Signer, KeyError, KeyKind,
    LookupError, MAX_SIGNATURES, Note, NoteError, Signature, Signer, VerifierKey, VerifierList,
    Verifiers, cosignature_message, key_id,
};

fn data(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text(path: &str) -> String {
    String::from_utf8(data(path)).unwrap()
}

fn vkey(path: &str) -> VerifierKey {
    VerifierKey::parse(text(path).trim()).unwrap()
}

fn vkeys(path: &str) -> Vec<VerifierKey> {
    text(path)
        .lines()
        .map(|l| VerifierKey::parse(l).unwrap())
        .collect()
}

fn seed_key(label: &[u8]) -> SigningKey {
    SigningKey::from_seed(&Key32::from_bytes(sha256(label)))
}

/// Go's signer key `PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)`, decoded by hand (Khronika
/// keeps signing keys in its own key slots and has no parser for this format).
fn go_signer_key(skey: &str) -> (String, u32, SigningKey) {
    let parts: Vec<&str> = skey.trim().splitn(5, '+').collect();
    assert_eq!(&parts[..2], &["PRIVATE", "KEY"]);
    let raw = B64.decode(parts[4]).unwrap();
    assert_eq!(raw[0], 1);
    let seed: [u8; 32] = raw[1..].try_into().unwrap();
    let id = u32::from_str_radix(parts[3], 16).unwrap();
    (
        parts[2].to_owned(),
        id,
        SigningKey::from_seed(&Key32::from_bytes(seed)),
    )
}

fn names(sigs: impl IntoIterator<Item = Signature>) -> String {
    let v: Vec<String> = sigs
        .into_iter()
        .map(|s| format!("{}+{:08x}", s.name(), s.key_id()))
        .collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join(",")
    }
}

/// The same base64 text with one of its padding bits set: the bytes decode the same under a
/// lenient decoder (Go's `StdEncoding`), but the encoding is not canonical.
fn set_padding_bit(b64: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b = b64.as_bytes().to_vec();
    let last = b.iter().rposition(|&c| c != b'=').unwrap();
    assert!(b.len() - last > 1, "needs padding");
    let i = ALPHABET.iter().position(|&c| c == b[last]).unwrap();
    assert_eq!(i & 1, 0, "canonical input");
    b[last] = ALPHABET[i | 1];
    String::from_utf8(b).unwrap()
}

/// Go's `fixedVerifier`: returns one key whatever is asked.
struct Fixed(VerifierKey);

impl Verifiers for Fixed {
    fn verifier(&self, _: &str, _: u32) -> Result<&VerifierKey, LookupError> {
        Ok(&self.0)
    }
}

#[test]
fn go_open_vectors() {
    let cases = text("note/go/cases.txt");
    let mut n = 0;
    for line in cases
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split(' ').collect();
        let msg = data(&format!("note/go/{}", f[0]));
        let result = if let Some(k) = f[1].strip_prefix("fixed:") {
            note::open(&msg, &Fixed(vkey(&format!("note/go/{k}.vkey"))))
        } else {
            let keys: Vec<VerifierKey> = if f[1] == "-" {
                Vec::new()
            } else {
                f[1].split(',')
                    .map(|k| vkey(&format!("note/go/{k}.vkey")))
                    .collect()
            };
            note::open(&msg, &VerifierList::new(keys))
        };
        match (f[2], &result) {
            ("ok", Ok(v)) => {
                assert_eq!(
                    names(v.verified.iter().map(|s| s.signature.clone())),
                    f[3],
                    "{line}"
                );
                assert_eq!(names(v.unverified.clone()), f[4], "{line}");
                assert_eq!(v.text, text("note/go/text.txt"), "{line}");
                assert!(v.verified.iter().all(|s| s.timestamp.is_none()));
            }
            ("unverified", Err(NoteError::Unverified { unverified })) => {
                assert_eq!(names(unverified.clone()), f[3], "{line}");
                assert_eq!(
                    result.as_ref().unwrap_err().to_string(),
                    "note has no verifiable signatures"
                );
            }
            ("malformed", Err(NoteError::Malformed(_))) => {}
            ("invalid-signature", Err(e @ NoteError::InvalidSignature { .. }))
            | ("ambiguous", Err(e @ NoteError::AmbiguousKey { .. })) => {
                let want = if f[2] == "ambiguous" {
                    "ambiguous key"
                } else {
                    "invalid signature for key"
                };
                assert_eq!(e.to_string(), format!("{want} {}", f[3]), "{line}");
            }
            ("mismatched", Err(NoteError::MismatchedVerifier)) => {}
            _ => panic!("{line}: got {result:?}"),
        }
        n += 1;
    }
    assert_eq!(n, 18, "every case in cases.txt ran");
}

#[test]
fn go_sign_vector() {
    let (name, id, key) = go_signer_key(&text("note/go/peter.skey"));
    let signer = Ed25519Signer::new(&name, &key).unwrap();
    assert_eq!(signer.key_id(), id);
    assert_eq!(
        signer.verifier_key().to_string(),
        text("note/go/peter.vkey").trim()
    );
    let want = text("note/go/peter.note");
    let mut n = Note::new(text("note/go/text.txt")).unwrap();
    n.sign(&[&signer]).unwrap();
    assert_eq!(n.encode(), want);

    // An existing signature by the same key is replaced.
    let old = Signature::new("PeterNeumann", 0xc74f_20a3, b"BADSIGN".to_vec()).unwrap();
    let mut n = Note::with_signatures(text("note/go/text.txt"), vec![old]).unwrap();
    n.sign(&[&signer]).unwrap();
    assert_eq!(n.encode(), want);

    // Bad inputs: text without a final newline, a bad signature name, a bad signer, a signer
    // that fails.
    assert!(matches!(Note::new("abc"), Err(NoteError::Malformed(_))));
    assert!(matches!(
        Signature::new("a+b", 0, b"ABCD".to_vec()),
        Err(NoteError::Malformed(_))
    ));
    struct BadName<'a>(&'a dyn Signer);
    impl Signer for BadName<'_> {
        fn name(&self) -> &str {
            "bad name"
        }
        fn key_id(&self) -> u32 {
            self.0.key_id()
        }
        fn sign(&self, t: &str) -> Result<Vec<u8>, NoteError> {
            self.0.sign(t)
        }
    }
    struct Fails<'a>(&'a dyn Signer);
    impl Signer for Fails<'_> {
        fn name(&self) -> &str {
            self.0.name()
        }
        fn key_id(&self) -> u32 {
            self.0.key_id()
        }
        fn sign(&self, _: &str) -> Result<Vec<u8>, NoteError> {
            Err(NoteError::SigningFailed("surprise!".into()))
        }
    }
    let mut n = Note::new(text("note/go/text.txt")).unwrap();
    assert_eq!(
        n.sign(&[&BadName(&signer)]),
        Err(NoteError::InvalidSigner("bad name".into()))
    );
    assert_eq!(
        n.sign(&[&Fails(&signer)]),
        Err(NoteError::SigningFailed("surprise!".into()))
    );
    assert!(
        n.signatures().is_empty(),
        "a failed signing changes nothing"
    );

    // Adding a second signer keeps the first signature (Go's doubly-signed example).
    let enoch = seed_key(b"enoch");
    let enoch = Ed25519Signer::new("EnochRoot", &enoch).unwrap();
    let mut n = Note::parse(want.as_bytes()).unwrap();
    n.sign(&[&enoch]).unwrap();
    assert!(n.encode().starts_with(&want));
    let v = note::open(
        n.encode().as_bytes(),
        &VerifierList::new([vkey("note/go/peter.vkey"), enoch.verifier_key().clone()]),
    )
    .unwrap();
    assert_eq!(v.verified.len(), 2);
}

#[test]
fn go_new_verifier_vectors() {
    let k = text("note/go/peter.vkey");
    let k = k.trim();
    let v = VerifierKey::parse(k).unwrap();
    assert_eq!(v.name(), "PeterNeumann");
    assert_eq!(v.key_id(), 0xc74f_20a3);
    assert_eq!(v.kind(), KeyKind::Ed25519);
    assert_eq!(v.to_string(), k);
    assert_eq!(k.parse::<VerifierKey>().unwrap(), v);
    let b = k.as_bytes();
    // Every proper substring is refused.
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let s = String::from_utf8_lossy(&b[i..j]);
            assert!(VerifierKey::parse(&s).is_err(), "accepted {s:?}");
        }
    }
    // Every byte incremented is refused.
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let s = String::from_utf8_lossy(&m);
        assert!(VerifierKey::parse(&s).is_err(), "accepted {s:?}");
    }
    // Wrong key length and unknown algorithm, each with an adjusted key id. (Go refuses the
    // first for its length; its last base64 group also has non-zero padding bits, which is
    // refused here first.)
    assert!(matches!(
        VerifierKey::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        Err(KeyError::Malformed(_))
    ));
    assert_eq!(
        VerifierKey::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::UnsupportedType(0x65))
    );
    // A wrong key id is named as such.
    assert!(matches!(
        VerifierKey::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::WrongKeyId {
            found: 0xc74f_20a4,
            expected: 0xc74f_20a3
        })
    ));
    // Go's key id is parsed case-insensitively.
    assert!(
        VerifierKey::parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .is_ok()
    );
    // tlog-scales accepts this one (its split is looser); the key id does not match.
    assert!(VerifierKey::parse(&format!("example.com/foo+00000000+{}", "+".repeat(44))).is_err());
}

#[test]
fn go_verifier_list() {
    let peter = vkey("note/go/peter.vkey");
    let enoch = vkey("note/go/enoch.vkey");
    let list = VerifierList::new([peter.clone(), enoch.clone(), enoch]);
    assert_eq!(list.verifier("PeterNeumann", 0xc74f_20a3), Ok(&peter));
    assert_eq!(
        list.verifier("PeterNeumann", 0xc74f_20a4),
        Err(LookupError::Unknown)
    );
    assert_eq!(
        list.verifier("PeterNeuman", 0xc74f_20a3),
        Err(LookupError::Unknown)
    );
    assert_eq!(
        list.verifier("EnochRoot", 0xaf0c_fe78),
        Err(LookupError::Ambiguous)
    );
}

#[test]
fn go_signer_and_verifier_agree() {
    // TestGenerateKey / TestFromEd25519: a signer and the verifier made from its key.
    let key = seed_key(b"EnochRoot");
    let s = Ed25519Signer::new("EnochRoot", &key).unwrap();
    let v = VerifierKey::parse(&s.verifier_key().to_string()).unwrap();
    assert_eq!(v.name(), s.name());
    assert_eq!(v.key_id(), s.key_id());
    assert_eq!(
        v.key_id(),
        key_id("EnochRoot", note::ALG_ED25519, &key.public().0)
    );
    let mut sig = s.sign("hi").unwrap();
    assert_eq!(v.verify("hi", &sig), Ok(None));
    sig[0] = sig[0].wrapping_add(1);
    assert!(v.verify("hi", &sig).is_err());
    sig[0] = sig[0].wrapping_sub(1);
    assert!(v.verify("ii", &sig).is_err());
    assert!(v.verify("hi", &sig[..63]).is_err());
    // Names with white space or '+' make no signer.
    for bad in ["", "a b", "a+b", "a\u{a0}b", "a\tb"] {
        assert!(Ed25519Signer::new(bad, &key).is_err(), "{bad:?}");
        assert!(VerifierKey::ed25519(bad, key.public()).is_err(), "{bad:?}");
    }
}

#[test]
fn c2sp_signed_note_example() {
    let k = vkey("note/real/c2sp-example.vkey");
    let v = note::open(
        &data("note/real/c2sp-example.note"),
        &VerifierList::new([k.clone()]),
    )
    .unwrap();
    assert_eq!(v.text, "This is an example message.\n");
    assert_eq!(v.verified.len(), 1);
    assert_eq!(
        crate::hex(&k.public_key().0),
        "e932791ae6e7a840a46164c904786426d5e7821dd8b29a00d61cae72afdd4da4"
    );
    assert_eq!(k.key_id(), 0x530d_903a);
}

/// A checkpoint of the arche2025h1 static-ct-api log, with an RFC 6962 STH signature (type
/// 0x05, unknown here), the log's Ed25519 signature and four witnesses' `cosignature/v1`s.
#[test]
fn real_checkpoint_with_four_witness_cosignatures() {
    let msg = data("note/real/arche2025h1.checkpoint");
    let log = vkey("note/real/arche2025h1.log.vkey");
    let witnesses = vkeys("note/real/arche2025h1.witnesses.vkey");
    assert!(witnesses.iter().all(|w| w.kind() == KeyKind::CosignatureV1));
    let policy = CheckpointPolicy::new("arche2025h1.staging.ct.transparency.dev", log.clone())
        .with_witnesses(witnesses.clone(), 4);
    let v = policy.open(&msg).unwrap();
    assert_eq!(v.checkpoint.size, 1_432_088_532);
    assert_eq!(
        B64.encode(v.checkpoint.root),
        "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro="
    );
    assert_eq!(v.log_signature.key_id(), 0xba2f_06c0);
    assert_eq!(v.cosignatures.len(), 4);
    for c in &v.cosignatures {
        // 0x6a122120: all four cosigned in the same second.
        assert_eq!(c.timestamp, Some(0x6a12_2120), "{}", c.name);
    }
    assert_eq!(
        v.unverified.len(),
        1,
        "the RFC 6962 STH signature is skipped"
    );
    assert_eq!(v.unverified[0].key_id(), 0xcd33_3cb1);

    // A quorum of five cannot be met; another origin is refused.
    let five = policy.clone().with_witnesses([], 5);
    assert_eq!(
        five.open(&msg),
        Err(NoteError::NotEnoughCosignatures { got: 4, need: 5 })
    );
    assert!(matches!(
        CheckpointPolicy::new("example.com/other", log.clone()).open(&msg),
        Err(NoteError::WrongOrigin { .. })
    ));
    // Without the log's key, the witnesses alone do not make a checkpoint trusted.
    let no_log = CheckpointPolicy::new(
        "arche2025h1.staging.ct.transparency.dev",
        vkey("note/real/c2sp-example.vkey"),
    )
    .with_witnesses(witnesses.clone(), 1);
    assert_eq!(no_log.open(&msg), Err(NoteError::NoLogSignature));

    // The tree size changed by one: every known signature fails.
    let s = String::from_utf8(msg.clone()).unwrap();
    let bumped = s.replacen("1432088532", "1432088533", 1);
    assert!(matches!(
        policy.open(bumped.as_bytes()),
        Err(NoteError::InvalidSignature { .. })
    ));
    // A cosignature's timestamp changed: that witness's signature fails.
    let lines: Vec<&str> = s.lines().collect();
    let remora = lines
        .iter()
        .position(|l| l.starts_with("— remora"))
        .unwrap();
    let (_, b64) = lines[remora].rsplit_once(' ').unwrap();
    let mut raw = B64.decode(b64).unwrap();
    raw[11] ^= 1;
    let forged = s.replace(b64, &B64.encode(&raw));
    assert_eq!(
        policy.open(forged.as_bytes()),
        Err(NoteError::InvalidSignature {
            name: "remora.n621.de".into(),
            id: 0xda77_ade7
        })
    );
}

/// A checkpoint whose witness cosigned twice: Ed25519 `cosignature/v1` and ML-DSA-44 (type
/// 0x06, not verified here). The same witness name has two keys; only the Ed25519 one is
/// known, so the ML-DSA-44 line is skipped.
#[test]
fn real_checkpoint_with_ml_dsa_cosignature_is_read() {
    let msg = data("note/real/coachandhorses2026h1.checkpoint");
    let n = Note::parse(&msg).unwrap();
    assert_eq!(n.signatures().len(), 3);
    assert_eq!(n.signatures()[2].bytes().len(), 8 + 2420);
    let w = vkey("note/real/coachandhorses2026h1.witness.vkey");
    let v = note::open(&msg, &VerifierList::new([w])).unwrap();
    assert_eq!(v.verified.len(), 1);
    assert_eq!(v.verified[0].kind, KeyKind::CosignatureV1);
    assert_eq!(v.verified[0].timestamp, Some(0x6a6f_b0f3));
    assert_eq!(v.unverified.len(), 2);
    assert_eq!(
        VerifierKey::parse(text("note/real/coachandhorses2026h1.witness-mldsa.vkey").trim()),
        Err(KeyError::UnsupportedType(6))
    );
}

#[test]
fn cosignature_message_and_round_trip() {
    let body =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    // The exact message of c2sp.org/tlog-cosignature's example.
    assert_eq!(
        cosignature_message(1_679_315_147, body),
        "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n\
         CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    );
    let wk = seed_key(b"witness");
    let w = CosignatureV1Signer::new("witness.example.com/w1", &wk, 1_679_315_147).unwrap();
    let wv = w.verifier_key().clone();
    assert_eq!(wv.kind(), KeyKind::CosignatureV1);
    assert_eq!(
        wv.key_id(),
        key_id("witness.example.com/w1", 0x04, &wk.public().0)
    );
    let sig = w.sign(body).unwrap();
    assert_eq!(sig.len(), 72);
    assert_eq!(&sig[..8], &1_679_315_147u64.to_be_bytes());
    // The signature is a plain Ed25519 signature over the message.
    wk.public()
        .verify(
            cosignature_message(1_679_315_147, body).as_bytes(),
            sig[8..].try_into().unwrap(),
        )
        .unwrap();
    assert_eq!(wv.verify(body, &sig), Ok(Some(1_679_315_147)));
    // Another timestamp, a plain-signature key, or a non-checkpoint text: no.
    let mut other = sig.clone();
    other[7] ^= 1;
    assert!(wv.verify(body, &other).is_err());
    let plain = VerifierKey::ed25519("witness.example.com/w1", wk.public()).unwrap();
    assert_ne!(plain.key_id(), wv.key_id());
    assert!(plain.verify(body, &sig).is_err());
    assert!(w.sign("not\na\ncheckpoint\n").is_err());
    assert!(CosignatureV1Signer::new("w", &wk, 1 << 63).is_err());
    // A forged timestamp above 2^63 - 1 is refused even when signed.
    let ts = u64::MAX;
    let mut forged = ts.to_be_bytes().to_vec();
    forged.extend_from_slice(&wk.sign(cosignature_message(ts, body).as_bytes()));
    assert!(wv.verify(body, &forged).is_err());

    // On a note: log signature, then the cosignature; the policy reports the time.
    let lk = seed_key(b"log");
    let log = Ed25519Signer::new("example.com/behind-the-sofa", &lk).unwrap();
    let cp = CheckpointText::parse(body).unwrap();
    let signed = cp.sign(&[&log]).unwrap();
    let mut n = Note::parse(signed.as_bytes()).unwrap();
    n.sign(&[&w]).unwrap();
    let policy = CheckpointPolicy::new("example.com/behind-the-sofa", log.verifier_key().clone())
        .with_witnesses([wv.clone()], 1);
    let v = policy.open(n.encode().as_bytes()).unwrap();
    assert_eq!(v.cosignatures[0].timestamp, Some(1_679_315_147));
    assert_eq!(v.checkpoint, cp);
    // A witness key listed as the log's too is ambiguous, not silently accepted.
    let both =
        CheckpointPolicy::new("example.com/behind-the-sofa", wv.clone()).with_witnesses([wv], 1);
    assert!(matches!(
        both.open(n.encode().as_bytes()),
        Err(NoteError::AmbiguousKey { .. })
    ));
}

/// Our cosigner and the Python one in `testdata/tlog-proof/generate.py` (checked there with
/// tlog-scales' verifier) produce the same bytes from the same key, time and checkpoint.
#[test]
fn cosignature_matches_the_python_cosigner() {
    let proof = text("tlog-proof/scales/proof-7.tlog-proof");
    let cp = proof.split_once("\n\n").unwrap().1;
    let n = Note::parse(cp.as_bytes()).unwrap();
    let wk = seed_key(b"khronika tlog-proof interop: witness key");
    let w = CosignatureV1Signer::new("example.com/khronika-interop-witness", &wk, 1_790_000_000)
        .unwrap();
    assert_eq!(
        w.verifier_key().to_string(),
        text("tlog-proof/witness.vkey").trim()
    );
    let ours = Signature::new(w.name(), w.key_id(), w.sign(n.text()).unwrap()).unwrap();
    assert_eq!(&ours, &n.signatures()[1]);
}

#[test]
fn checkpoint_text_rules() {
    let root = B64.encode([7u8; 32]);
    let ok = format!("o\n0\n{root}\n");
    let cp = CheckpointText::parse(&ok).unwrap();
    assert_eq!((cp.origin.as_str(), cp.size), ("o", 0));
    assert_eq!(cp.to_text(), ok);
    let ext = format!("o\n18446744073709551615\n{root}\next one\next two\n");
    let cp = CheckpointText::parse(&ext).unwrap();
    assert_eq!(cp.size, u64::MAX);
    assert_eq!(cp.extensions, ["ext one", "ext two"]);
    assert_eq!(cp.to_text(), ext);
    let short = B64.encode([7u8; 31]);
    let noncanonical = set_padding_bit(&root);
    for bad in [
        format!("o\n0\n{root}"),
        format!("\n0\n{root}\n"),
        format!("o\n00\n{root}\n"),
        format!("o\n01\n{root}\n"),
        format!("o\n+1\n{root}\n"),
        format!("o\n1 \n{root}\n"),
        format!("o\n18446744073709551616\n{root}\n"),
        format!("o\n1\n{short}\n"),
        format!("o\n1\n{noncanonical}\n"),
        format!("o\n1\n{root}\n\n"),
        format!("o\n1\n{root}\nx\n\n"),
        "o\n1\n".to_owned(),
    ] {
        assert!(CheckpointText::parse(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn note_syntax_limits() {
    let key = seed_key(b"limits");
    let s = Ed25519Signer::new("k", &key).unwrap();
    let known = VerifierList::new([s.verifier_key().clone()]);
    // The text may hold blank lines: the signatures start after the last one.
    let mut n = Note::new("a\n\nb\n").unwrap();
    n.sign(&[&s]).unwrap();
    let v = note::open(n.encode().as_bytes(), &known).unwrap();
    assert_eq!(v.text, "a\n\nb\n");
    // 100 signature lines are accepted (the spec asks for at least 16), 101 are not.
    let line = n.signatures()[0].to_line();
    let head = "a\n\nb\n\n";
    assert!(
        note::open(
            format!("{head}{}", line.repeat(MAX_SIGNATURES)).as_bytes(),
            &known
        )
        .is_ok()
    );
    assert!(matches!(
        Note::parse(format!("{head}{}", line.repeat(MAX_SIGNATURES + 1)).as_bytes()),
        Err(NoteError::Malformed(_))
    ));
    // Non-canonical base64 (a padding bit set) is refused, so no two encodings of one
    // signature both pass.
    let (_, b64) = line.trim_end().rsplit_once(' ').unwrap();
    let flipped = set_padding_bit(b64);
    let sig_line = |s: &str| format!("{head}\u{2014} k {s}\n");
    assert!(note::open(sig_line(b64).as_bytes(), &known).is_ok());
    assert!(matches!(
        note::open(sig_line(&flipped).as_bytes(), &known),
        Err(NoteError::Malformed(_))
    ));
    // A repeated signature by a known key is verified too, not skipped.
    let mut raw = B64.decode(b64).unwrap();
    raw[10] ^= 1;
    let second = sig_line(&B64.encode(&raw))[head.len()..].to_owned();
    assert!(matches!(
        note::open(format!("{head}{line}{second}").as_bytes(), &known),
        Err(NoteError::InvalidSignature { .. })
    ));
    // Signature lines shorter than 5 bytes, or with no space, are malformed.
    for l in [
        "\u{2014} k AAAA\n",
        "\u{2014} k\n",
        "\u{2014}k AAAAAAA=\n",
        "- k AAAAAAA=\n",
    ] {
        assert!(
            matches!(
                Note::parse(format!("{head}{l}").as_bytes()),
                Err(NoteError::Malformed(_))
            ),
            "{l:?}"
        );
    }
    // DEL and non-ASCII are fine; other control characters are not.
    assert!(Note::new("\u{7f} ÿ —\n").is_ok());
    assert!(Note::new("a\rb\n").is_err());
    assert!(Note::new("a\tb\n").is_err());
}

/// Khronika's own device checkpoint (docs/FORMATS.md §12.3) reads as a C2SP checkpoint, and
/// its verifier key string parses to the same key.
#[test]
fn khronika_device_checkpoint_vector() {
    let tree = crate::read_golden("tree.txt");
    let vk = tree
        .lines()
        .find_map(|l| l.strip_prefix("verifier key "))
        .unwrap();
    let k = VerifierKey::parse(vk).unwrap();
    assert_eq!(k.to_string(), vk);
    let origin = k.name().to_owned();
    let cp = crate::read_golden("checkpoint.txt");
    let v = CheckpointPolicy::new(&origin, k)
        .open(cp.as_bytes())
        .unwrap();
    assert_eq!(v.checkpoint.size, 3);
    assert!(v.cosignatures.is_empty() && v.unverified.is_empty());
    // Byte-identical re-signing through note.rs with the fixture device key.
    let key = crate::fixtures::device_key();
    let signer = Ed25519Signer::new(&origin, &key).unwrap();
    assert_eq!(v.checkpoint.sign(&[&signer]).unwrap(), cp);
}
