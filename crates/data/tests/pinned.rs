//! Pins what the generators produce and what the grid-file tables accept, so that a refactor
//! of the parameter types cannot move a bit: datasets are hashed into result ids, and users'
//! result folders depend on them. The constants were computed with the code as it was before
//! the blob-like kinds shared one parameter set; change them only on purpose.

#![allow(clippy::unwrap_used)]
use std::path::Path;

use clusterlab_data::DatasetSpec;

/// FNV-1a over the shape, every value's bits and the labels (as the runner's dataset hash).
fn hash(kind: &str, text: &str) -> u64 {
    let table: toml::Table = toml::from_str(text).unwrap();
    let spec = DatasetSpec::from_kind(kind, table).unwrap();
    let d = spec.generate(Path::new(".")).unwrap();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&(d.n_samples() as u64).to_le_bytes());
    eat(&(d.n_features() as u64).to_le_bytes());
    for v in d.x() {
        eat(&v.to_bits().to_le_bytes());
    }
    match d.labels() {
        Some(l) => l.iter().for_each(|&l| eat(&(l as u64).to_le_bytes())),
        None => eat(b"-"),
    }
    h
}

/// Parameter sets per kind, and the hash of what they generate with `rng = "chacha"` and
/// `rng = "numpy"` (run with `PRINT_PINS=1` to print the current values).
const CASES: &[(&str, &str, [u64; 2])] = &[
    ("blobs", "", [0x685c8179d32ebcc3, 0xb83507d31f6fbf86]),
    (
        "blobs",
        "n_samples = 37\ncenters = 4\nn_features = 3\ncluster_std = 0.3\ncenter_box = [-2.0, 5.0]\nseed = 7",
        [0xc49dc006e095fddc, 0xdd351e8ac225be62],
    ),
    (
        "blobs",
        "n_samples = [5, 9, 2]\ncluster_std = [0.5, 1.0, 2.0]\nshuffle = false\nseed = 3",
        [0xb6663fbf73e6e3ec, 0x1d6eef2e4461496d],
    ),
    (
        "blobs",
        "centers = [[0.0, 1.0], [4.0, 4.0]]\nn_samples = 21\nseed = 1",
        [0xbe96080efc2c01da, 0x2535f6bbd4f8bc06],
    ),
    ("varied", "", [0x166902b1dda5fab4, 0x5378d106a6c50023]),
    (
        "varied",
        "cluster_std = [0.2, 3.0]\nn_samples = 51\nseed = 9",
        [0x53bcfe0c08b250f4, 0x6cc0b890e8c3a8de],
    ),
    (
        "varied",
        "n_samples = [4, 6, 8]\ncenters = 3\nshuffle = false\nn_features = 3",
        [0x3aab241197c36938, 0xdaa15fa1c18cf093],
    ),
    (
        "varied",
        "n_samples = [4, 6, 8]\nseed = 2",
        [0xb8ed172aad767391, 0x11ce5710689ef791],
    ),
    (
        "varied",
        "centers = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]\ncluster_std = [0.5, 0.1]\nn_samples = 30\ncenter_box = [0.0, 1.0]",
        [0xcdc7bdcd18d23b32, 0x25b8d72108a97d2f],
    ),
    ("anisotropic", "", [0x472ef6e55dac9042, 0x32298521a40dccbd]),
    (
        "anisotropic",
        "transformation = [[1.0, 0.5, 0.0], [0.0, 1.0, 0.2], [0.3, 0.0, 1.0]]\nn_samples = 40\ncenters = 2\ncluster_std = [0.5, 2.0]\nseed = 11",
        [0x160876631cb545a1, 0xd59d63689750c4db],
    ),
    (
        "anisotropic",
        "n_samples = [3, 4, 5]\nshuffle = false\ncenter_box = [0.0, 1.0]\nseed = 4",
        [0xa831f82b7e95cb90, 0xc2c877cd575cddec],
    ),
    (
        "anisotropic",
        "centers = [[1.0, 2.0], [3.0, -1.0]]\nn_samples = 25\ncluster_std = 0.1",
        [0x6aa79f372c0583a8, 0x5f10b2b8a5ff2016],
    ),
    ("uneven", "", [0x1da54699da14892a, 0x4676f5128a41ff5c]),
    (
        "uneven",
        "n_samples = 90\nsizes = [30, 5, 1]\nseed = 5\nn_features = 3",
        [0xd1cf10eedfe68a40, 0x5bb0bf1d8831c9fb],
    ),
    (
        "uneven",
        "n_samples = [10, 20]\nsizes = [10, 3]\ncluster_std = [0.1, 4.0]\nshuffle = false",
        [0x149a255c55f83bf5, 0xed7df033489b0009],
    ),
    (
        "uneven",
        "center_box = [-1.0, 1.0]\ncluster_std = 0.5\nseed = 8",
        [0xe66fb5c155db8a52, 0x0f221fa3ea8f9287],
    ),
    ("uniform", "", [0x15a8b7eb0c6eec95, 0x9d8e63eec551c77b]),
    (
        "uniform",
        "n_samples = 17\nn_features = 4\nlow = -3.0\nhigh = 2.0\nseed = 6",
        [0x308a77f87a9e30fd, 0xa2ec49284189f731],
    ),
    ("moons", "", [0xdb64fbfc8df96ad1, 0xdb690c740f4a6499]),
    (
        "moons",
        "n_samples = [7, 12]\nnoise = 0.1\nshuffle = false\nseed = 2",
        [0x5b88541bfdacae42, 0x3842c3477e2f07ad],
    ),
    ("circles", "", [0xb4857e2ff945673b, 0x1ef8dcefac46d003]),
    (
        "circles",
        "n_samples = 33\nnoise = 0.05\nfactor = 0.3\nseed = 12",
        [0x018ca7664343386c, 0xe59ee782a1cf9a62],
    ),
];

fn with_rng(text: &str, rng: &str) -> String {
    format!("{text}\nrng = \"{rng}\"")
}

#[test]
fn generated_bits_are_pinned() {
    let got: Vec<_> = CASES
        .iter()
        .map(|&(kind, text, _)| {
            let h = |rng| hash(kind, &with_rng(text, rng));
            (kind, text, [h("chacha"), h("numpy")])
        })
        .collect();
    if std::env::var_os("PRINT_PINS").is_some() {
        for (kind, text, h) in &got {
            println!(
                "    ({kind:?}, {text:?}, [{:#018x}, {:#018x}]),",
                h[0], h[1]
            );
        }
    }
    assert_eq!(got, CASES);
}

/// Tables refused, and serde's message for each, as read by `toml::Table` and by the
/// runner's path (a `toml::de::Deserializer` over the rendered `[data]` text).
const REFUSED: &[(&str, &str, &str, &str)] = &[
    (
        "blobs",
        "n_sampels = 3",
        "unknown field `n_sampels`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | n_sampels = 3\n  | ^^^^^^^^^\nunknown field `n_sampels`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "blobs",
        "sizes = [1, 2]",
        "unknown field `sizes`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | sizes = [1, 2]\n  | ^^^^^\nunknown field `sizes`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "blobs",
        "transformation = [[1.0]]",
        "unknown field `transformation`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | transformation = [[1.0]]\n  | ^^^^^^^^^^^^^^\nunknown field `transformation`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "blobs",
        "n_samples = \"many\"",
        "a number of samples (an integer >= 1) or a list of counts, one per center\nin `n_samples`\n",
        "TOML parse error at line 1, column 13\n  |\n1 | n_samples = \"many\"\n  |             ^^^^^^\na number of samples (an integer >= 1) or a list of counts, one per center\n",
    ),
    (
        "blobs",
        "cluster_std = \"wide\"",
        "a standard deviation (a number >= 0) or a list of them, one per center\nin `cluster_std`\n",
        "TOML parse error at line 1, column 15\n  |\n1 | cluster_std = \"wide\"\n  |               ^^^^^^\na standard deviation (a number >= 0) or a list of them, one per center\n",
    ),
    (
        "varied",
        "n_sampels = 3",
        "unknown field `n_sampels`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | n_sampels = 3\n  | ^^^^^^^^^\nunknown field `n_sampels`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "varied",
        "sizes = [1, 2]",
        "unknown field `sizes`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | sizes = [1, 2]\n  | ^^^^^\nunknown field `sizes`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "varied",
        "transformation = [[1.0]]",
        "unknown field `transformation`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | transformation = [[1.0]]\n  | ^^^^^^^^^^^^^^\nunknown field `transformation`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "varied",
        "cluster_std = 1.5",
        "invalid type: floating point `1.5`, expected a sequence\nin `cluster_std`\n",
        "TOML parse error at line 1, column 15\n  |\n1 | cluster_std = 1.5\n  |               ^^^\ninvalid type: floating point `1.5`, expected a sequence\n",
    ),
    (
        "varied",
        "noise = 0.1",
        "unknown field `noise`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | noise = 0.1\n  | ^^^^^\nunknown field `noise`, expected one of `n_samples`, `n_features`, `centers`, `cluster_std`, `center_box`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "anisotropic",
        "n_sampels = 3",
        "unknown field `n_sampels`, expected one of `n_samples`, `centers`, `cluster_std`, `center_box`, `shuffle`, `transformation`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | n_sampels = 3\n  | ^^^^^^^^^\nunknown field `n_sampels`, expected one of `n_samples`, `centers`, `cluster_std`, `center_box`, `shuffle`, `transformation`, `seed`, `rng`\n",
    ),
    (
        "anisotropic",
        "n_features = 3",
        "unknown field `n_features`, expected one of `n_samples`, `centers`, `cluster_std`, `center_box`, `shuffle`, `transformation`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | n_features = 3\n  | ^^^^^^^^^^\nunknown field `n_features`, expected one of `n_samples`, `centers`, `cluster_std`, `center_box`, `shuffle`, `transformation`, `seed`, `rng`\n",
    ),
    (
        "anisotropic",
        "sizes = [1, 2]",
        "unknown field `sizes`, expected one of `n_samples`, `centers`, `cluster_std`, `center_box`, `shuffle`, `transformation`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | sizes = [1, 2]\n  | ^^^^^\nunknown field `sizes`, expected one of `n_samples`, `centers`, `cluster_std`, `center_box`, `shuffle`, `transformation`, `seed`, `rng`\n",
    ),
    (
        "anisotropic",
        "transformation = 1",
        "invalid type: integer `1`, expected a sequence\nin `transformation`\n",
        "TOML parse error at line 1, column 18\n  |\n1 | transformation = 1\n  |                  ^\ninvalid type: integer `1`, expected a sequence\n",
    ),
    (
        "uneven",
        "n_sampels = 3",
        "unknown field `n_sampels`, expected one of `n_samples`, `n_features`, `cluster_std`, `center_box`, `sizes`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | n_sampels = 3\n  | ^^^^^^^^^\nunknown field `n_sampels`, expected one of `n_samples`, `n_features`, `cluster_std`, `center_box`, `sizes`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "uneven",
        "centers = 3",
        "unknown field `centers`, expected one of `n_samples`, `n_features`, `cluster_std`, `center_box`, `sizes`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | centers = 3\n  | ^^^^^^^\nunknown field `centers`, expected one of `n_samples`, `n_features`, `cluster_std`, `center_box`, `sizes`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "uneven",
        "transformation = [[1.0]]",
        "unknown field `transformation`, expected one of `n_samples`, `n_features`, `cluster_std`, `center_box`, `sizes`, `shuffle`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | transformation = [[1.0]]\n  | ^^^^^^^^^^^^^^\nunknown field `transformation`, expected one of `n_samples`, `n_features`, `cluster_std`, `center_box`, `sizes`, `shuffle`, `seed`, `rng`\n",
    ),
    (
        "uneven",
        "sizes = 3",
        "invalid type: integer `3`, expected a sequence\nin `sizes`\n",
        "TOML parse error at line 1, column 9\n  |\n1 | sizes = 3\n  |         ^\ninvalid type: integer `3`, expected a sequence\n",
    ),
    (
        "uniform",
        "centers = 3",
        "unknown field `centers`, expected one of `n_samples`, `n_features`, `low`, `high`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | centers = 3\n  | ^^^^^^^\nunknown field `centers`, expected one of `n_samples`, `n_features`, `low`, `high`, `seed`, `rng`\n",
    ),
    (
        "moons",
        "factor = 0.5",
        "unknown field `factor`, expected one of `n_samples`, `shuffle`, `noise`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | factor = 0.5\n  | ^^^^^^\nunknown field `factor`, expected one of `n_samples`, `shuffle`, `noise`, `seed`, `rng`\n",
    ),
    (
        "circles",
        "n_sampels = 3",
        "unknown field `n_sampels`, expected one of `n_samples`, `shuffle`, `noise`, `factor`, `seed`, `rng`\n",
        "TOML parse error at line 1, column 1\n  |\n1 | n_sampels = 3\n  | ^^^^^^^^^\nunknown field `n_sampels`, expected one of `n_samples`, `shuffle`, `noise`, `factor`, `seed`, `rng`\n",
    ),
];

fn refusal(kind: &str, text: &str) -> (String, String) {
    let by_table = match toml::from_str::<toml::Table>(text) {
        Ok(table) => DatasetSpec::from_kind(kind, table).unwrap_err().to_string(),
        Err(e) => format!("toml: {e}"),
    };
    let by_runner = DatasetSpec::from_kind(kind, toml::de::Deserializer::new(text))
        .unwrap_err()
        .to_string();
    (by_table, by_runner)
}

#[test]
fn refused_tables_and_their_messages_are_pinned() {
    let got: Vec<(&str, &str, String, String)> = REFUSED
        .iter()
        .map(|&(kind, text, _, _)| {
            let (a, b) = refusal(kind, text);
            (kind, text, a, b)
        })
        .collect();
    if std::env::var_os("PRINT_PINS").is_some() {
        for (kind, text, a, b) in &got {
            println!("    ({kind:?}, {text:?}, {a:?}, {b:?}),");
        }
    }
    let want: Vec<(&str, &str, String, String)> = REFUSED
        .iter()
        .map(|&(k, t, a, b)| (k, t, a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}

/// Every key each blob-like kind accepts today, all given at once.
#[test]
fn every_key_of_each_kind_is_accepted() {
    let tables = [
        (
            "blobs",
            "n_samples = 10\nn_features = 2\ncenters = 2\ncluster_std = 1.0\ncenter_box = [-1.0, 1.0]\nshuffle = true\nseed = 1\nrng = \"chacha\"",
        ),
        (
            "varied",
            "n_samples = 10\nn_features = 2\ncenters = 2\ncluster_std = [1.0, 2.0]\ncenter_box = [-1.0, 1.0]\nshuffle = true\nseed = 1\nrng = \"chacha\"",
        ),
        (
            "anisotropic",
            "n_samples = 10\ncenters = 2\ncluster_std = 1.0\ncenter_box = [-1.0, 1.0]\nshuffle = true\ntransformation = [[1.0, 0.0], [0.0, 1.0]]\nseed = 1\nrng = \"chacha\"",
        ),
        (
            "uneven",
            "n_samples = 10\nn_features = 2\ncluster_std = 1.0\ncenter_box = [-1.0, 1.0]\nsizes = [2, 3]\nshuffle = true\nseed = 1\nrng = \"chacha\"",
        ),
    ];
    for (kind, text) in tables {
        let table: toml::Table = toml::from_str(text).unwrap();
        let spec = DatasetSpec::from_kind(kind, table).unwrap();
        spec.validate().unwrap();
        assert_eq!(spec.kind(), kind);
        let again = DatasetSpec::from_kind(kind, toml::de::Deserializer::new(text)).unwrap();
        assert_eq!(again, spec);
    }
}

#[test]
fn a_spec_serializes_to_a_table_that_reads_back() {
    for &(kind, text, _) in CASES {
        let table: toml::Table = toml::from_str(text).unwrap();
        let spec = DatasetSpec::from_kind(kind, table).unwrap();
        let mut written = toml::Table::try_from(&spec).unwrap();
        assert_eq!(written.remove("kind").unwrap().as_str(), Some(kind));
        let back = DatasetSpec::from_kind(kind, written).unwrap();
        assert_eq!(back, spec, "{kind}: {text}");
    }
}
