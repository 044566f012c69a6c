//! Format vectors for the files `khronika-app` defines: the vault marker, the file manifest,
//! evidence ids, the sealed evidence payload (JSON padded to 256 bytes, with its salted
//! commitments), the member and device key slots, and one small vault made of all of them.
//!
//! Each value is built deterministically (fixed ids and keys, `SeededEntropy`) and compared
//! byte for byte with a golden file in `testdata/vectors/`; the golden bytes are then decoded
//! and checked. The key slots are private to the crate, so they are built here by hand from
//! the byte tables in `docs/FORMATS.md`; the vault test then writes the golden files into a
//! folder and opens, unlocks, lists, reads and verifies it through the public API, which
//! proves that the documented key-slot format is the one the code reads.
//!
//! Regenerating the golden files is a deliberate format change (see
//! `testdata/vectors/README.md`): `KHRONIKA_WRITE_VECTORS=1 cargo test -p khronika-app --test it formats`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use khronika_app::catalog::{
    EvidencePayload, decode_manifest, encode_manifest, field, new_evidence_id,
};
use khronika_app::layout::{MARKER, Marker};
use khronika_app::time::rfc3339_ms;
use khronika_app::vault::LockedVault;
use khronika_backends::{Fs, OsFs};
use khronika_crypto::aead::{self, AssociatedData};
use khronika_crypto::hash::{from_hex, sha256, to_hex};
use khronika_crypto::kdf::{self, Argon2Params};
use khronika_crypto::sign::SigningKey;
use khronika_crypto::wrap::{self, WrapSecret};
use khronika_crypto::{Entropy, Key32, Passphrase, SeededEntropy};
use khronika_store::entry::{Entry, EntryBody, ObjectRef, entry_kind, object_kind};
use khronika_store::keys::{EpochKeys, kind};
use khronika_store::log::{Checkpoint, Frontier, encode_bundle, leaf_hash, origin};
use khronika_store::pack::PackBuilder;
use khronika_store::payloads::{Genesis, KeyEpoch, Recipient};
use khronika_store::{CompartmentId, DeviceId, MemberId, ObjectPath, VaultId};

// ---------------------------------------------------------------------------------------
// Golden files.

fn write_mode() -> bool {
    std::env::var_os("KHRONIKA_WRITE_VECTORS").is_some_and(|v| v == "1")
}

fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/vectors")
        .join(name)
}

fn read_golden(name: &str) -> String {
    std::fs::read_to_string(vector_path(name))
        .unwrap_or_else(|e| panic!("golden file testdata/vectors/{name} cannot be read: {e}"))
}

fn parse_hex(text: &str) -> Vec<u8> {
    let digits: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("hex"))
        .collect()
}

fn to_hex_lines(b: &[u8]) -> String {
    b.chunks(32).map(|c| to_hex(c) + "\n").collect()
}

fn changed(name: &str, golden: &[u8], actual: &[u8]) -> ! {
    let at = golden
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(golden.len().min(actual.len()));
    panic!(
        "testdata/vectors/{name}: the format changed (first difference at byte {at}; golden \
         {} bytes, now {}). A format change needs a new version, a migration and new vectors.",
        golden.len(),
        actual.len()
    )
}

/// Compare with (or write) a golden hex file; return the golden bytes.
// Regenerating replaces the golden file on purpose; nothing here touches a vault.
#[allow(clippy::disallowed_methods)]
fn golden_hex(name: &str, about: &str, actual: &[u8]) -> Vec<u8> {
    if write_mode() {
        let mut s: String = about.lines().map(|l| format!("# {l}\n")).collect();
        s.push_str(&format!("# {} bytes, 32 per line\n", actual.len()));
        s.push_str(&to_hex_lines(actual));
        std::fs::create_dir_all(vector_path("")).unwrap();
        std::fs::write(vector_path(name), s).unwrap();
        return actual.to_vec();
    }
    let golden = parse_hex(&read_golden(name));
    if golden != actual {
        changed(name, &golden, actual);
    }
    golden
}

/// Compare with (or write) a golden text file; return the golden text.
#[allow(clippy::disallowed_methods)]
fn golden_text(name: &str, actual: &str) -> String {
    if write_mode() {
        std::fs::create_dir_all(vector_path("")).unwrap();
        std::fs::write(vector_path(name), actual).unwrap();
        return actual.to_owned();
    }
    let golden = read_golden(name);
    if golden != actual {
        changed(name, golden.as_bytes(), actual.as_bytes());
    }
    golden
}

// ---------------------------------------------------------------------------------------
// Fixed inputs (the same patterns as khronika-store's vectors).

fn seq<const N: usize>(start: u8) -> [u8; N] {
    std::array::from_fn(|i| start.wrapping_add(i as u8))
}
fn vault_id() -> VaultId {
    VaultId(seq(0x10))
}
fn device_id() -> DeviceId {
    DeviceId(seq(0x20))
}
fn member_id() -> MemberId {
    MemberId(seq(0x30))
}
fn compartment() -> CompartmentId {
    CompartmentId(seq(0x40))
}
const EPOCH: u32 = 0x0000_0102;
fn epoch_secret() -> Key32 {
    Key32::from_bytes(seq(0x50))
}
fn keys() -> EpochKeys {
    EpochKeys::derive(compartment(), EPOCH, &epoch_secret())
}
fn device_seed() -> Key32 {
    Key32::from_bytes(seq(0x60))
}
fn member_secret() -> Key32 {
    Key32::from_bytes(seq(0x70))
}
fn member_sign() -> SigningKey {
    SigningKey::from_seed(&kdf::derive(
        "khronika 2026-11 member signing v1",
        &member_secret(),
    ))
}
fn member_wrap() -> WrapSecret {
    WrapSecret::from_seed(&kdf::derive(
        "khronika 2026-11 member wrap v1",
        &member_secret(),
    ))
}
fn recovery() -> WrapSecret {
    WrapSecret::from_seed(&Key32::from_bytes(seq(0x80)))
}
const TIME_MS: i64 = 1_795_418_802_123;
const PASSPHRASE: &str = "Правозащитник 2026";
/// The evidence file of the vault vector.
const FILE: &[u8] = b"Witness statement, 2026-11-23: a format test vector.\n";
const FILE_NAME: &str = "statement.txt";

// ---------------------------------------------------------------------------------------
// Marker, manifest, evidence id.

#[test]
fn vault_marker() {
    let m = Marker {
        vault: vault_id(),
        device: device_id(),
        member: member_id(),
        compartment: compartment(),
    };
    let golden = golden_text("marker.txt", &m.encode());
    assert_eq!(Marker::decode(golden.as_bytes()).unwrap(), m);
    // By hand: six lines, then "checksum " and the SHA-256 (hex) of everything before it.
    let (body, sum) = golden.rsplit_once("checksum ").unwrap();
    assert_eq!(sum, format!("{}\n", to_hex(&sha256(body.as_bytes()))));
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines,
        [
            "khronika vault".to_owned(),
            "format 1".to_owned(),
            format!("vault {}", vault_id()),
            format!("device {}", device_id()),
            format!("member {}", member_id()),
            format!("compartment {}", compartment()),
        ]
    );
    // A newer format number is refused, even with a correct checksum.
    let newer = body.replace("format 1", "format 2");
    let newer = format!("{newer}checksum {}\n", to_hex(&sha256(newer.as_bytes())));
    assert!(Marker::decode(newer.as_bytes()).is_err());
}

#[test]
fn manifest_and_evidence_id() {
    let ids = [seq::<32>(0xa0), seq::<32>(0xc0)];
    let size = (1u64 << 20) + 5;
    let golden = golden_hex(
        "manifest.hex",
        "A file manifest (tests/it/formats.rs): size 1048581 (u64 BE), then two chunk ids.",
        &encode_manifest(size, &ids),
    );
    assert_eq!(golden.len(), 8 + 64);
    assert_eq!(decode_manifest(&golden).unwrap(), (size, ids.to_vec()));
    assert_eq!(&golden[..8], &size.to_be_bytes());

    let mut rng = SeededEntropy::new(5);
    let id = new_evidence_id(&mut rng).unwrap();
    let golden = golden_text("evidence-id.txt", &format!("{id}\n"));
    // By hand: "E" and the 80 bits of the first 10 bytes of the stream, Crockford base32.
    let mut b = [0u8; 10];
    SeededEntropy::new(5).fill(&mut b).unwrap();
    let bits: String = b.iter().map(|x| format!("{x:08b}")).collect();
    let alphabet = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let want: String = (0..16)
        .map(|i| alphabet[usize::from_str_radix(&bits[5 * i..5 * i + 5], 2).unwrap()] as char)
        .collect();
    assert_eq!(golden, format!("E{want}\n"));
}

// ---------------------------------------------------------------------------------------
// The evidence payload.

/// The payload of the vault's one evidence item, with salts from seed 6.
fn evidence_payload(manifest: [u8; 32]) -> (EvidencePayload, Vec<(u8, [u8; 32])>) {
    let mut p = EvidencePayload {
        v: 1,
        id: new_evidence_id(&mut SeededEntropy::new(5)).unwrap(),
        name: FILE_NAME.into(),
        size: FILE.len() as u64,
        sha256: to_hex(&sha256(FILE)),
        media_type: khronika_domain::media::sniff(FILE, FILE_NAME).into(),
        added_by: member_id().to_hex(),
        device: device_id().to_hex(),
        time: rfc3339_ms(TIME_MS),
        clock: "system".into(),
        manifest: to_hex(&manifest),
        salts: Default::default(),
    };
    let commitments = p.commit(&mut SeededEntropy::new(6)).unwrap();
    (p, commitments)
}

fn file_blobs(k: &EpochKeys) -> ([u8; 32], Vec<u8>, [u8; 32]) {
    let chunk = k.blob_id(kind::CHUNK, FILE);
    let manifest = encode_manifest(FILE.len() as u64, &[chunk]);
    let mid = k.blob_id(kind::MANIFEST, &manifest);
    (chunk, manifest, mid)
}

#[test]
fn evidence_payload_json_sealed_and_committed() {
    let k = keys();
    let (_, _, mid) = file_blobs(&k);
    let (p, commitments) = evidence_payload(mid);
    let json = serde_json::to_string(&p).unwrap();
    let golden_json = golden_text("evidence-payload.json", &format!("{json}\n"));
    let sealed = p
        .seal(&k, &vault_id(), &device_id(), 2, &mut SeededEntropy::new(7))
        .unwrap();
    let golden = golden_hex(
        "evidence-payload.hex",
        "The sealed payload of evidence entry 2 (tests/it/formats.rs, seed 7): the JSON of\n\
         evidence-payload.json padded with spaces to a multiple of 256 bytes.",
        &sealed,
    );
    let mut ctext = String::from("# Commitments of evidence-payload.json: field id, SHA-256.\n");
    for (f, c) in &commitments {
        ctext.push_str(&format!("{f} {}\n", to_hex(c)));
    }
    let golden_c = golden_text("evidence-commitments.txt", &ctext);

    // Decode: the golden sealed bytes open to the golden JSON, padded with spaces.
    let opened = EvidencePayload::open(&golden, &k, &vault_id(), &device_id(), 2).unwrap();
    assert_eq!(opened, p);
    let pid = khronika_store::entry::payload_id(&vault_id(), &device_id(), 2);
    let plain = aead::open(k.payload_key(), &k.ad(kind::ENTRY_PAYLOAD, pid), &golden).unwrap();
    assert_eq!(plain.len() % 256, 0);
    assert_eq!(golden.len(), plain.len() + 40);
    let j = golden_json.trim_end_matches('\n').as_bytes();
    assert_eq!(&plain[..j.len()], j);
    assert!(plain[j.len()..].iter().all(|&b| b == b' '));
    assert!(EvidencePayload::open(&golden, &k, &vault_id(), &device_id(), 3).is_err());
    // The golden commitments match the payload's salts, by hand.
    let parsed: Vec<(u8, [u8; 32])> = golden_c
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (f, c) = l.split_once(' ').unwrap();
            (f.parse().unwrap(), from_hex::<32>(c).unwrap())
        })
        .collect();
    assert!(opened.check_commitments(&parsed));
    assert_eq!(parsed.len(), field::ALL.len());
    for ((f, c), (ff, name)) in parsed.iter().zip(field::ALL) {
        assert_eq!(*f, ff);
        let salt = from_hex::<32>(&opened.salts[name]).unwrap();
        let mut m = b"khronika commitment v1\x00".to_vec();
        m.push(*f);
        m.extend_from_slice(&salt);
        m.extend_from_slice(&opened.field_value(*f));
        assert_eq!(*c, sha256(&m), "field {name}");
    }
}

// ---------------------------------------------------------------------------------------
// Key slots, built by hand from the documented byte tables.

fn slot_ad(kind: u8, header: &[u8]) -> [u8; aead::AD_LEN] {
    AssociatedData {
        kind,
        compartment: [0; 16],
        epoch: 0,
        id: sha256(header),
    }
    .encode()
}

/// `keys/member-<id>.key`: magic, version, member id, Argon2id m/t/p, salt, sealed secret,
/// SHA-256. Randomness (seed 8): the salt (16 bytes), then the nonce (24).
fn member_slot() -> Vec<u8> {
    let params = Argon2Params::weak_for_tests();
    let mut rng = SeededEntropy::new(8);
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).unwrap();
    let mut b = b"KHRNMKEY".to_vec();
    b.push(1);
    b.extend_from_slice(&member_id().0);
    for v in [params.m_kib(), params.t(), params.p()] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.extend_from_slice(&salt);
    let key = kdf::passphrase_key(&Passphrase::new(PASSPHRASE.into()), &salt, params).unwrap();
    let ad = slot_ad(kind::MEMBER_SLOT, &b);
    aead::seal_into(&key, &ad, member_secret().expose(), &mut rng, &mut b).unwrap();
    let sum = sha256(&b);
    b.extend_from_slice(&sum);
    b
}

/// `keys/device.key`: magic, version, device id, member id, sealed signing seed, SHA-256.
/// Randomness (seed 9): the nonce.
fn device_slot() -> Vec<u8> {
    let mut b = b"KHRNDKEY".to_vec();
    b.push(1);
    b.extend_from_slice(&device_id().0);
    b.extend_from_slice(&member_id().0);
    let key = kdf::derive("khronika 2026-11 device slot v1", &member_secret());
    let ad = slot_ad(kind::DEVICE_SLOT, &b);
    aead::seal_into(
        &key,
        &ad,
        device_seed().expose(),
        &mut SeededEntropy::new(9),
        &mut b,
    )
    .unwrap();
    let sum = sha256(&b);
    b.extend_from_slice(&sum);
    b
}

#[test]
fn key_slots_by_the_documented_tables() {
    let m = golden_hex(
        "member-slot.hex",
        "keys/member-303132333435363738393a3b3c3d3e3f.key (tests/it/formats.rs, seed 8):\n\
         passphrase \"Правозащитник 2026\", Argon2id m=64 KiB t=1 p=1 (test-only parameters).",
        &member_slot(),
    );
    let d = golden_hex(
        "device-slot.hex",
        "keys/device.key (tests/it/formats.rs, seed 9), sealed under the member secret\n\
         of member-slot.hex.",
        &device_slot(),
    );
    assert_eq!((m.len(), d.len()), (157, 145));
    // Member slot, by hand.
    assert_eq!(&m[..9], b"KHRNMKEY\x01");
    assert_eq!(&m[9..25], &member_id().0);
    let u32_at = |i: usize| u32::from_be_bytes(m[i..i + 4].try_into().unwrap());
    let params = Argon2Params::from_stored(u32_at(25), u32_at(29), u32_at(33)).unwrap();
    assert_eq!(params, Argon2Params::weak_for_tests());
    assert_eq!(&m[125..], &sha256(&m[..125]));
    let key = kdf::passphrase_key(
        &Passphrase::new(PASSPHRASE.into()),
        &m[37..53].try_into().unwrap(),
        params,
    )
    .unwrap();
    let secret = aead::open(&key, &slot_ad(kind::MEMBER_SLOT, &m[..53]), &m[53..125]).unwrap();
    assert_eq!(&secret[..], member_secret().expose());
    // Device slot, by hand.
    assert_eq!(&d[..9], b"KHRNDKEY\x01");
    assert_eq!(&d[9..25], &device_id().0);
    assert_eq!(&d[25..41], &member_id().0);
    assert_eq!(&d[113..], &sha256(&d[..113]));
    let dk = kdf::derive("khronika 2026-11 device slot v1", &member_secret());
    let seed = aead::open(&dk, &slot_ad(kind::DEVICE_SLOT, &d[..41]), &d[41..113]).unwrap();
    assert_eq!(&seed[..], device_seed().expose());
    // That the app's own code reads these slots is shown by `golden_vault_opens_and_reads`.
}

// ---------------------------------------------------------------------------------------
// A whole vault.

/// Every file of the vault vector, by path relative to the vault folder.
fn vault_files() -> Vec<(String, Vec<u8>)> {
    let k = keys();
    let dkey = SigningKey::from_seed(&device_seed());
    // The pack: the file's one chunk and its manifest (seed 10).
    let (chunk, manifest, mid) = file_blobs(&k);
    let mut rng = SeededEntropy::new(10);
    let mut pb = PackBuilder::new(&k);
    pb.add(&k, kind::CHUNK, chunk, FILE, &mut rng).unwrap();
    pb.add(&k, kind::MANIFEST, mid, &manifest, &mut rng)
        .unwrap();
    let pack = pb.finish(&k, &mut rng).unwrap();
    // The log: genesis, key epoch (seed 11), evidence (payload of the payload vector).
    let genesis = Genesis::new(
        &vault_id(),
        &device_id(),
        dkey.public(),
        member_id(),
        &member_sign(),
        member_wrap().public(),
        recovery().public(),
        TIME_MS,
    );
    let mut rng = SeededEntropy::new(11);
    let mut wraps = Vec::new();
    for (r, to) in [
        (Recipient::Member(member_id()), member_wrap().public()),
        (Recipient::Recovery, recovery().public()),
    ] {
        let ad = AssociatedData {
            kind: kind::EPOCH_WRAP,
            compartment: compartment().0,
            epoch: EPOCH,
            id: r.ad_id(),
        }
        .encode();
        wraps.push((r, wrap::wrap(&epoch_secret(), &to, &ad, &mut rng).unwrap()));
    }
    let sealed_info = aead::seal(
        k.payload_key(),
        &k.ad(kind::COMPARTMENT_INFO, [0; 32]),
        b"default",
        &mut rng,
    )
    .unwrap();
    let (p, commitments) = evidence_payload(mid);
    let sealed = p
        .seal(&k, &vault_id(), &device_id(), 2, &mut SeededEntropy::new(7))
        .unwrap();
    let body = |index: u64, kd: u8, c: CompartmentId, e: u32, prev: [u8; 32]| EntryBody {
        kind: kd,
        vault: vault_id(),
        device: device_id(),
        index,
        prev,
        compartment: c,
        epoch: e,
        objects: vec![],
        commitments: vec![],
        payload: vec![],
    };
    let e0 = EntryBody {
        payload: genesis.encode(),
        ..body(
            0,
            entry_kind::DEVICE_GENESIS,
            CompartmentId::NONE,
            0,
            [0; 32],
        )
    }
    .sign(&dkey)
    .unwrap();
    let e1 = EntryBody {
        payload: KeyEpoch { wraps, sealed_info }.encode().unwrap(),
        ..body(1, entry_kind::KEY_EPOCH, compartment(), EPOCH, e0.hash())
    }
    .sign(&dkey)
    .unwrap();
    let e2 = EntryBody {
        objects: vec![ObjectRef {
            kind: object_kind::PACK,
            hash: pack.hash,
        }],
        commitments,
        payload: sealed,
        ..body(2, entry_kind::EVIDENCE_ADD, compartment(), EPOCH, e1.hash())
    }
    .sign(&dkey)
    .unwrap();
    let entries = [e0, e1, e2];
    let mut f = Frontier::default();
    for e in &entries {
        f.push(leaf_hash(e.bytes()));
    }
    let note = Checkpoint {
        origin: origin(&vault_id(), &device_id()),
        size: 3,
        root: f.root(),
    }
    .sign(&dkey);
    let marker = Marker {
        vault: vault_id(),
        device: device_id(),
        member: member_id(),
        compartment: compartment(),
    };
    vec![
        (MARKER.to_owned(), marker.encode().into_bytes()),
        (
            format!("keys/member-{}.key", member_id().to_hex()),
            member_slot(),
        ),
        ("keys/device.key".to_owned(), device_slot()),
        (
            pack.path().as_str().to_owned(),
            pack.stored.as_bytes().to_vec(),
        ),
        (
            ObjectPath::bundle(&device_id(), 0, Some(3))
                .as_str()
                .to_owned(),
            encode_bundle(entries.iter().map(Entry::bytes))
                .as_bytes()
                .to_vec(),
        ),
        (
            ObjectPath::checkpoint(&device_id(), 3).as_str().to_owned(),
            note.into_bytes(),
        ),
        (
            ObjectPath::hash_tile(&device_id(), 0, 0, Some(3))
                .as_str()
                .to_owned(),
            entries.iter().flat_map(|e| leaf_hash(e.bytes())).collect(),
        ),
    ]
}

/// `vault.txt`: for each file, `== <path> (<length> bytes)` and its bytes in hex.
fn encode_vault(files: &[(String, Vec<u8>)]) -> String {
    let mut s = String::from(
        "# A complete vault (tests/it/formats.rs): passphrase \"Правозащитник 2026\",\n\
         # one evidence file \"statement.txt\". For each file: `== <path> (<n> bytes)`, then hex.\n",
    );
    for (p, b) in files {
        s.push_str(&format!("== {p} ({} bytes)\n{}", b.len(), to_hex_lines(b)));
    }
    s
}

fn decode_vault(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, String, usize)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("== ") {
            let (p, n) = rest.rsplit_once(" (").unwrap();
            let n = n.strip_suffix(" bytes)").unwrap().parse().unwrap();
            out.push((p.to_owned(), String::new(), n));
        } else {
            out.last_mut().unwrap().1.push_str(line.trim());
        }
    }
    out.into_iter()
        .map(|(p, h, n)| {
            let b = parse_hex(&h);
            assert_eq!(b.len(), n, "{p}");
            (p, b)
        })
        .collect()
}

/// Write the files into a new folder (create-only, as the vault itself writes).
fn materialise(root: &Path, files: &[(String, Vec<u8>)]) {
    for (p, b) in files {
        let full = root.join(p);
        OsFs.create_dir_all(full.parent().unwrap()).unwrap();
        OsFs.write_new(&full, b).unwrap();
    }
}

#[test]
fn golden_vault_opens_and_reads() {
    let golden = golden_text("vault.txt", &encode_vault(&vault_files()));
    let files = decode_vault(&golden);
    assert_eq!(files.len(), 7);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    materialise(&root, &files);

    // Keyless: the marker is read and everything verifies.
    let locked = LockedVault::open(Arc::new(OsFs), &root).unwrap();
    assert_eq!(locked.marker().vault, vault_id());
    let report = locked.verify(&mut |_| {});
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.entries_checked, 3);

    // A wrong passphrase opens nothing.
    assert!(
        LockedVault::open(Arc::new(OsFs), &root)
            .unwrap()
            .unlock(&Passphrase::new("wrong".into()))
            .is_err()
    );

    // The passphrase opens the member slot, the member key the device slot and the epoch.
    let mut v = locked.unlock(&Passphrase::new(PASSPHRASE.into())).unwrap();
    assert_eq!(v.member(), member_id());
    assert_eq!(v.log_lines().unwrap().len(), 3);
    let ev = v.evidence().to_vec();
    assert_eq!(ev.len(), 1);
    let (_, _, mid) = file_blobs(&keys());
    assert_eq!(ev[0].payload, evidence_payload(mid).0);
    assert_eq!((ev[0].index, ev[0].epoch), (2, EPOCH));
    let mut out = Vec::new();
    let id = ev[0].payload.id.clone();
    v.cat(&id, &mut out).unwrap();
    assert_eq!(out, FILE);
    let report = v.verify_data(&mut |_| {});
    assert!(report.is_ok(), "{:?}", report.problems);
}

// ---------------------------------------------------------------------------------------
// Records, members, the source register, compartment descriptions (FORMATS §11.2, §11.8–11.11).

fn salts(seed: u64, names: &[&str]) -> std::collections::BTreeMap<String, String> {
    let mut rng = SeededEntropy::new(seed);
    names
        .iter()
        .map(|n| {
            let mut b = [0u8; 32];
            rng.fill(&mut b).unwrap();
            ((*n).to_owned(), to_hex(&b))
        })
        .collect()
}

#[test]
fn record_revision_payload_json_sealed_and_committed() {
    use khronika_app::records::{RevisionPayload, body_digest};
    use khronika_domain::{RecordId, RecordKind};
    let record = RecordId::new(RecordKind::Case, seq(0x90)).to_string();
    let fields: std::collections::BTreeMap<String, serde_json::Value> = serde_json::from_value(
        serde_json::json!({"type": "case", "id": record, "title": "Обыск в офисе в Грозном",
                           "compartment": "default", "summary": "Raid on the office.", "records": []}),
    )
    .unwrap();
    let p = RevisionPayload {
        v: 1,
        record: record.clone(),
        supersedes: vec![to_hex(&seq::<32>(0xa0))],
        fields: Some(fields.clone()),
        body_blob: None,
        author: member_id().to_hex(),
        time_ms: TIME_MS,
        salts: salts(9, &["body", "record"]),
    };
    let json = serde_json::to_string(&p).unwrap();
    let golden_json = golden_text("record-payload.json", &format!("{json}\n"));
    let k = keys();
    let sealed = p
        .seal(
            &k,
            &vault_id(),
            &device_id(),
            4,
            &mut SeededEntropy::new(10),
        )
        .unwrap();
    let golden = golden_hex(
        "record-payload.hex",
        "The sealed payload of record revision entry 4 (tests/it/formats.rs, seed 10): the JSON\n\
         of record-payload.json padded with spaces to a multiple of 256 bytes.",
        &sealed,
    );
    let commitments = p.commitments(&fields).unwrap();
    let mut ctext = String::from("# Commitments of record-payload.json: field id, SHA-256.\n");
    for (f, c) in &commitments {
        ctext.push_str(&format!("{f} {}\n", to_hex(c)));
    }
    let golden_c = golden_text("record-commitments.txt", &ctext);

    let opened = RevisionPayload::open(&golden, &k, &vault_id(), &device_id(), 4).unwrap();
    assert_eq!(
        serde_json::to_string(&opened).unwrap(),
        golden_json.trim_end()
    );
    assert!(RevisionPayload::open(&golden, &k, &vault_id(), &device_id(), 5).is_err());
    // By hand: field 1 commits to the record id, field 2 to SHA-256 (hex) of the compact,
    // key-sorted JSON of the fields.
    let digest = to_hex(&sha256(serde_json::to_string(&fields).unwrap().as_bytes()));
    assert_eq!(body_digest(&fields).unwrap(), digest);
    let by_hand = |f: u8, salt: &str, value: &[u8]| {
        let mut m = b"khronika commitment v1\x00".to_vec();
        m.push(f);
        m.extend_from_slice(&from_hex::<32>(salt).unwrap());
        m.extend_from_slice(value);
        to_hex(&sha256(&m))
    };
    let lines: Vec<&str> = golden_c.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            format!("1 {}", by_hand(1, &p.salts["record"], record.as_bytes())),
            format!("2 {}", by_hand(2, &p.salts["body"], digest.as_bytes())),
        ]
    );
}

#[test]
fn member_and_opening_payloads_and_compartment_descriptions() {
    use khronika_app::compartments::{info_plaintext, parse_info};
    use khronika_app::members::{MemberPayload, Role};
    use khronika_app::records::OpeningPayload;
    let m = MemberPayload {
        v: 1,
        member: member_id().to_hex(),
        role: Role::Documenter,
        name: "Юрист М.".into(),
        wrap: to_hex(&member_wrap().public().0),
        sign: to_hex(&member_sign().public().0),
        added_by: member_id().to_hex(),
        time_ms: TIME_MS,
    };
    let golden = golden_text(
        "member-payload.json",
        &format!("{}\n", serde_json::to_string(&m).unwrap()),
    );
    let back: MemberPayload = serde_json::from_str(&golden).unwrap();
    assert_eq!(back.role, Role::Documenter);
    let o = OpeningPayload {
        v: 1,
        member: member_id().to_hex(),
        purpose: "подготовка жалобы в ЕСПЧ".into(),
        time_ms: TIME_MS,
    };
    let golden = golden_text(
        "opening-payload.json",
        &format!("{}\n", serde_json::to_string(&o).unwrap()),
    );
    let back: OpeningPayload = serde_json::from_str(&golden).unwrap();
    assert_eq!(back.purpose, o.purpose);
    // A compartment description: name, "\n", "source-identities", zero-padded to 64.
    let golden = golden_hex(
        "compartment-info-register.hex",
        "The plaintext description of a source-identities compartment named `register`.",
        &info_plaintext("register", true),
    );
    assert_eq!(golden.len(), 64);
    assert_eq!(&golden[..26], b"register\nsource-identities");
    assert!(golden[26..].iter().all(|&b| b == 0));
    assert_eq!(parse_info(&golden).unwrap(), ("register".to_owned(), true));
    assert_eq!(
        parse_info(&info_plaintext("default", false)).unwrap(),
        ("default".to_owned(), false)
    );
    assert!(
        parse_info(&khronika_store::payloads::info_plaintext(
            "x\nsomething-else"
        ))
        .is_err()
    );
}

/// FORMATS §25: the search index's watermark, kept after the schema line in the payload of
/// each commit. Do *not* change this vector: the watermark is on disk (sealed).
#[test]
fn search_watermark() {
    use khronika_app::search::Watermark;
    let w = Watermark {
        v: 1,
        seq: 42,
        rev: Some((0u8..32).map(|b| format!("{b:02x}")).collect()),
        evidence: [("00112233445566778899aabbccddeeff".to_owned(), 7)].into(),
    };
    let text = r#"{"v":1,"seq":42,"rev":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","evidence":{"00112233445566778899aabbccddeeff":7}}"#;
    assert_eq!(w.encode(), text);
    assert_eq!(Watermark::decode(text), Some(w));
    assert_eq!(khronika_search_schema(), "khronika-search/2");
    // A new index has none; one that does not read, or of another version, is rebuilt.
    assert_eq!(Watermark::decode("").map(|w| (w.v, w.seq)), Some((1, 0)));
    assert_eq!(
        Watermark::decode("{\"v\":2,\"seq\":1,\"evidence\":{}}"),
        None
    );
    assert_eq!(
        Watermark::decode("{\"v\":1,\"seq\":1,\"evidence\":{},\"x\":0}"),
        None
    );
    assert_eq!(Watermark::decode("garbage"), None);
}

fn khronika_search_schema() -> &'static str {
    khronika_app::search::SCHEMA_VERSION
}
