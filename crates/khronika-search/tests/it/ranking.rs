//! Ranking across compartments: each compartment has its own index, and their hits are merged
//! by score. Scored alone, a word rare in a small index weighs more there than in a large one
//! where it is common, so the same text would rank differently by where it is stored;
//! `search_all` scores every index with the statistics of all of them together.

use khronika_search::SearchIndex;
use serde_json::json;

use crate::support::*;

#[test]
fn the_same_text_scores_the_same_in_a_small_and_a_large_compartment() {
    let t = tempfile::tempdir().unwrap();
    let mut small = open(&t.path().join("small"));
    let mut large = open(&t.path().join("large"));
    let text = "Men who said they served Kadyrov took him from the checkpoint.";
    small
        .add(
            &record(
                json!({"type": "testimony", "id": id('T', 1), "title": "W-1", "transcript": text}),
            ),
            &[],
        )
        .unwrap();
    large
        .add(
            &record(
                json!({"type": "testimony", "id": id('T', 2), "title": "W-1", "transcript": text}),
            ),
            &[],
        )
        .unwrap();
    // The large compartment also holds many documents that name Kadyrov, and others that do not.
    for n in 3..40 {
        let transcript = if n % 2 == 0 {
            format!("Kadyrov's people searched house {n}.")
        } else {
            format!("Nothing was said about house {n}.")
        };
        large
            .add(
                &record(
                    json!({"type": "testimony", "id": id('T', n), "title": format!("W-{n}"),
                    "transcript": transcript}),
                ),
                &[],
            )
            .unwrap();
    }
    small.commit().unwrap();
    large.commit().unwrap();
    let q = query("Kadyrov checkpoint");

    let score = |r: &khronika_search::SearchResults, want: &str| {
        r.hits
            .iter()
            .find(|h| h.id.to_string() == want)
            .map(|h| h.score)
            .unwrap()
    };
    // Alone, the two copies score differently: this is what merging would get wrong.
    let alone = (
        score(&small.search(&q).unwrap(), &id('T', 1)),
        score(&large.search(&q).unwrap(), &id('T', 2)),
    );
    assert!((alone.0 - alone.1).abs() > 0.01, "{alone:?}");
    // Together, they score the same.
    let both = SearchIndex::search_all(&[&small, &large], &q).unwrap();
    let together = (score(&both[0], &id('T', 1)), score(&both[1], &id('T', 2)));
    assert!(
        (together.0 - together.1).abs() < 1e-4,
        "{together:?} (alone {alone:?})"
    );
    // And the ranking within an index is unchanged in kind: the full match first.
    assert_eq!(both[1].hits[0].id.to_string(), id('T', 2));
}
