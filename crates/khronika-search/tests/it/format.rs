//! The on-disk format of the encrypted directory (docs/FORMATS.md, "Search indexes"), pinned
//! by a fixed test vector built from the specification with the crypto crate alone, then
//! read by `CryptDir`.

use std::io::Write;
use std::path::Path;

use khronika_crypto::{Key32, aead, hash, kdf};
use khronika_search::SearchKey;
use khronika_search::crypt_dir::CryptDir;
use tantivy::directory::Directory;

fn counting(from: u8) -> [u8; 32] {
    std::array::from_fn(|i| from + i as u8)
}

fn ad(index_id: &[u8; 16], name: &[u8; 32], number: u64, last: bool) -> Vec<u8> {
    let mut ad = b"KHRSRCH1".to_vec();
    ad.extend_from_slice(index_id);
    ad.extend_from_slice(name);
    ad.extend_from_slice(&number.to_be_bytes());
    ad.push(u8::from(last));
    ad
}

/// The header and version 1 of `meta.json` holding `{"v":1}`, as the specification says.
fn vector() -> (Vec<u8>, String, Vec<u8>) {
    let key = Key32::from_bytes(counting(0x50));
    let blocks = kdf::derive("khronika 2026-11 search index blocks v1", &key);
    let names = kdf::derive("khronika 2026-11 search index file names v1", &key);
    let id: [u8; 16] = std::array::from_fn(|i| 0x40 + i as u8);
    let mut header = b"KHRONIKA-SEARCH\n".to_vec();
    header.push(1);
    header.extend_from_slice(&id);
    let nonce: [u8; 24] = std::array::from_fn(|i| i as u8);
    aead::seal_into_with_nonce(
        &blocks,
        &ad(&id, &[0xff; 32], u64::MAX, true),
        b"khronika search index v1",
        &nonce,
        &mut header,
    )
    .unwrap();
    let mut named = b"meta.json".to_vec();
    named.push(0);
    named.extend_from_slice(&1u64.to_be_bytes());
    let name = hash::keyed(&names, &named);
    let stem = hash::keyed(&names, b"meta.json");
    let file_name = format!("{}.1", hash::to_hex(&stem[..16]));
    let nonce: [u8; 24] = std::array::from_fn(|i| 0x20 + i as u8);
    let mut block = Vec::new();
    aead::seal_into_with_nonce(
        &blocks,
        &ad(&id, &name, 0, true),
        b"{\"v\":1}",
        &nonce,
        &mut block,
    )
    .unwrap();
    (header, file_name, block)
}

const HEADER_HEX: &str = "4b48524f4e494b412d5345415243480a01404142434445464748494a4b4c4d4e4f000102030405060708090a0b0c0d0e0f10111213141516178c5713fa9f689989465875594e83dd735a56b986ec25d782b025b8fd5c55e53e6a7e26fdd5948e46";
const FILE_NAME: &str = "f49393215b55b5048c802b449bb6f5d4.1";
const BLOCK_HEX: &str = "202122232425262728292a2b2c2d2e2f30313233343536373241159faf7d19688f83ff0edf79afedec9d77b79a9861";

#[test]
fn the_format_is_fixed() {
    let (header, file_name, block) = vector();
    assert_eq!(hash::to_hex(&header), HEADER_HEX);
    assert_eq!(file_name, FILE_NAME);
    assert_eq!(hash::to_hex(&block), BLOCK_HEX);
}

#[test]
fn the_directory_reads_the_vector() {
    let (header, file_name, block) = vector();
    let t = tempfile::tempdir().unwrap();
    let put = |name: &str, bytes: &[u8]| {
        std::fs::File::create_new(t.path().join(name))
            .unwrap()
            .write_all(bytes)
            .unwrap();
    };
    put("khronika-search", &header);
    put(&file_name, &block);
    let dir = CryptDir::open(t.path(), &SearchKey::from_bytes(counting(0x50)), 4).unwrap();
    assert_eq!(dir.index_id(), std::array::from_fn(|i| 0x40 + i as u8));
    assert_eq!(
        dir.atomic_read(Path::new("meta.json")).unwrap(),
        b"{\"v\":1}"
    );
}
