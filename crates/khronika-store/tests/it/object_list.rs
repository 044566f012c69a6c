//! The object-list vector: a public, content-addressed list of three object references
//! (`"KHRNOBJL"`, version, count, then kind and SHA-256 per object), as an entry lists it
//! when one file adds more packs than fit inline.

use khronika_store::entry::{ObjectRef, object_kind};
use khronika_store::verify::object_list;

use crate::fixtures::seq;
use crate::{be, golden_hex, golden_text, hex};

#[test]
fn object_list_of_three() {
    let refs: Vec<ObjectRef> = [0xa0u8, 0xb0, 0xc0]
        .iter()
        .map(|&s| ObjectRef {
            kind: object_kind::PACK,
            hash: seq(s),
        })
        .collect();
    let golden = golden_hex(
        "object-list.hex",
        "An object list of three packs (tests/it/object_list.rs).",
        object_list::encode(&refs).as_bytes(),
    );
    assert_eq!(object_list::decode(&golden).unwrap(), refs);
    // By hand.
    assert_eq!(&golden[..8], b"KHRNOBJL");
    assert_eq!(golden[8], 1);
    let n = be(&golden, 9, 4) as usize;
    assert_eq!(golden.len(), 13 + 33 * n);
    let mut text = format!(
        "# The list in object-list.hex, decoded (tests/it/object_list.rs).\n\
         magic KHRNOBJL version {} count {n}\n",
        golden[8]
    );
    for i in 0..n {
        let r = &golden[13 + 33 * i..13 + 33 * (i + 1)];
        assert_eq!(r[0], refs[i].kind);
        assert_eq!(&r[1..], &refs[i].hash);
        text.push_str(&format!("object kind {} sha256 {}\n", r[0], hex(&r[1..])));
    }
    golden_text("object-list.txt", &text);
    // Truncated, extended or re-versioned lists are refused.
    assert!(object_list::decode(&golden[..golden.len() - 1]).is_err());
    let mut longer = golden.clone();
    longer.push(0);
    assert!(object_list::decode(&longer).is_err());
    let mut v2 = golden.clone();
    v2[8] = 2;
    assert!(object_list::decode(&v2).is_err());
}
