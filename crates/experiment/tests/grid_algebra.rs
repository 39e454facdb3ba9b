//! Grid algebra: paired axes (`[grid.zip]`) and exclusions (`[grid] exclude`), planned and
//! checked like the rest of a grid file.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::{fs, path::PathBuf};

use clusterlab_experiment::grid::{GridFile, Plan, value_text};

const HEAD: &str = r#"
[experiment]
name = "algebra"

[data]
kind = "blobs"
n_samples = 100
centers = 3
seed = 1

[[model]]
kind = "kmeans"

[[model]]
kind = "gmm"
"#;

fn load(grid: &str) -> Result<Plan, String> {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("algebra.toml");
    fs::write(&path, format!("{HEAD}{grid}")).unwrap();
    GridFile::load(&path).map_err(|e| e.to_string())
}

/// Each cell as `model k axis=value... seed`.
fn cells(plan: &Plan) -> Vec<String> {
    plan.cells
        .iter()
        .map(|c| {
            let axes: Vec<String> = c
                .axes
                .iter()
                .map(|(n, v)| format!("{n}={}", value_text(v)))
                .collect();
            format!(
                "{} k={} {} seed={}",
                c.model,
                c.k.unwrap(),
                axes.join(" "),
                c.seed
            )
            .replace("  ", " ")
        })
        .collect()
}

#[test]
fn paired_axes_advance_together() {
    let plan = load(
        r#"
[grid]
seed = [0, 1]

[grid.zip]
k = [2, 3, 4]
n_init = [1, 2, 3]
"#,
    )
    .unwrap();
    // K-means and the mixture both have n_init: 3 pairs x 2 seeds each.
    let got = cells(&plan);
    assert_eq!(got.len(), 12, "{got:#?}");
    assert_eq!(
        &got[..6],
        [
            "kmeans k=2 n_init=1 seed=0",
            "kmeans k=2 n_init=1 seed=1",
            "kmeans k=3 n_init=2 seed=0",
            "kmeans k=3 n_init=2 seed=1",
            "kmeans k=4 n_init=3 seed=0",
            "kmeans k=4 n_init=3 seed=1",
        ]
    );
    let summary = &plan.models[0].axes;
    assert!(
        summary
            .iter()
            .any(|(n, v)| n == "k + n_init (paired)" && v.join(", ") == "(2, 1), (3, 2), (4, 3)"),
        "{summary:?}"
    );
    // The indices stay in grid order.
    assert!(plan.cells.iter().enumerate().all(|(i, c)| c.index == i));
}

#[test]
fn paired_axes_combine_with_free_axes_as_a_product() {
    let plan = load(
        r#"
[grid]
k = [2, 3]

[grid.zip]
tol = [0.001, 0.0001]
max_iter = [50, 500]

[grid.gmm]
covariance_type = ["full", "diag"]
"#,
    )
    .unwrap();
    let got = cells(&plan);
    // kmeans: 2 pairs x 2 K; gmm: 2 covariance types x 2 pairs x 2 K.
    assert_eq!(got.len(), 4 + 8, "{got:#?}");
    assert!(
        got.contains(&"gmm k=3 covariance_type=diag tol=0.0001 max_iter=500 seed=0".into())
            || got.iter().any(|c| c.starts_with("gmm k=3")
                && c.contains("covariance_type=diag")
                && c.contains("tol=0.0001")
                && c.contains("max_iter=500")),
        "{got:#?}"
    );
    assert!(
        !got.iter()
            .any(|c| c.contains("tol=0.001 ") && c.contains("max_iter=500"))
    );
}

#[test]
fn paired_axes_of_different_lengths_and_paired_seeds_are_refused() {
    let err = load(
        r#"
[grid]
seed = [0]

[grid.zip]
k = [2, 3, 4]
n_init = [1, 2]
"#,
    )
    .unwrap_err();
    assert!(err.contains("lists of one length"), "{err}");
    assert!(err.contains("grid.zip.n_init"), "{err}");
    let err = load(
        r#"
[grid.zip]
k = [2, 3]
seed = [0, 1]
"#,
    )
    .unwrap_err();
    assert!(err.contains("seeds cannot be paired"), "{err}");
    // The same key paired and free is ambiguous.
    let err = load(
        r#"
[grid]
k = [2, 3]

[grid.zip]
k = [2, 3]
n_init = [1, 2]
"#,
    )
    .unwrap_err();
    assert!(err.contains("is already an axis"), "{err}");
}

#[test]
fn exclusions_leave_out_matching_cells() {
    let plan = load(
        r#"
[grid]
k = [1, 2, 3]
seed = [0, 1]
exclude = [{ model = "gmm", k = 1 }, { covariance_type = "diag", seed = 1 }]

[grid.gmm]
covariance_type = ["full", "diag"]
"#,
    )
    .unwrap();
    let got = cells(&plan);
    // kmeans 6; gmm 2 x 3 x 2 = 12, minus k=1 (4), minus diag with seed 1 at k=2,3 (2).
    assert_eq!(got.len(), 6 + 6, "{got:#?}");
    assert_eq!(plan.excluded, 6);
    assert!(!got.iter().any(|c| c.starts_with("gmm k=1")));
    assert!(
        !got.iter()
            .any(|c| c.contains("diag") && c.ends_with("seed=1"))
    );
    assert_eq!(plan.models[1].n_cells, 6);
    assert!(plan.cells.iter().enumerate().all(|(i, c)| c.index == i));
}

#[test]
fn an_exclusion_that_matches_nothing_or_names_nothing_is_a_problem() {
    let err = load(
        r#"
[grid]
k = [1, 2]
exclude = [{ model = "gmm", k = 7 }]
"#,
    )
    .unwrap_err();
    assert!(err.contains("matches no cell"), "{err}");
    assert!(err.contains(":19:12:"), "names the exclusion's line: {err}");
    let err = load(
        r#"
[grid]
k = [1, 2]
exclude = [{ modle = "gmm" }]
"#,
    )
    .unwrap_err();
    assert!(err.contains("`modle` is none of them"), "{err}");
    assert!(err.contains("did you mean `model`"), "{err}");
    for bad in [
        r#"exclude = [{ k = [1, 2] }]"#,
        r#"exclude = [{}]"#,
        r#"exclude = { k = 1 }"#,
        r#"exclude = [1]"#,
    ] {
        let err = load(&format!("[grid]\nk = [1, 2]\n{bad}\n")).unwrap_err();
        assert!(err.contains("grid.exclude"), "{bad}: {err}");
    }
}

fn load_whole(grid: &str) -> Result<Plan, String> {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("kinds.toml");
    fs::write(&path, grid).unwrap();
    GridFile::load(&path).map_err(|e| e.to_string())
}

const KINDS: &str = r#"
[experiment]
name = "kinds"

[data]
n_samples = 60
seed = 3

[data.circles]
noise = 0.05
factor = 0.5

[[model]]
kind = "kmeans"

[grid]
k = [2, 3]
seed = [0]
exclude = [{ data.kind = "circles", k = 3 }, { data.kind = "blobs", k = 2 }]

[grid.data]
kind = ["circles", "blobs"]
"#;

#[test]
fn a_kinds_own_keys_apply_to_its_datasets_and_exclusions_match_data_axes() {
    let plan = load_whole(KINDS).unwrap();
    let circles = plan
        .datasets
        .iter()
        .find(|d| d.id.as_deref() == Some("kind-circles"))
        .unwrap();
    // factor 0.5: the inner circle has radius 0.5, so with noise 0.05 no point is beyond 1.3
    // and some are inside 0.7 (factor 0.8, the default, would put none there).
    let radii: Vec<f64> = circles
        .data
        .x()
        .rows()
        .into_iter()
        .map(|r| r[0].hypot(r[1]))
        .collect();
    assert!(radii.iter().any(|r| *r < 0.7), "the inner circle at 0.5");
    assert!(radii.iter().all(|r| *r < 1.3));
    // The cells left: circles at K = 2, blobs at K = 3.
    let left: Vec<(usize, &str)> = plan
        .cells
        .iter()
        .map(|c| (c.k.unwrap(), plan.datasets[c.data].id.as_deref().unwrap()))
        .collect();
    assert_eq!(left, [(2, "kind-circles"), (3, "kind-blobs")]);
    assert_eq!(plan.excluded, 2);
}

#[test]
fn a_kinds_table_for_no_dataset_or_with_a_wrong_key_is_an_error_at_its_line() {
    let err = load_whole(&KINDS.replace("[data.circles]", "[data.moons]")).unwrap_err();
    assert!(
        err.contains("[data.moons] sets keys for `moons` datasets, but the grid has none"),
        "{err}"
    );
    let err = load_whole(&KINDS.replace("factor = 0.5", "factr = 0.5")).unwrap_err();
    assert!(err.contains("data.circles.factr"), "{err}");
    let err = load_whole(&KINDS.replace(
        "data.kind = \"blobs\", k = 2",
        "data.kind = \"moons\", k = 2",
    ))
    .unwrap_err();
    assert!(err.contains("matches no cell"), "{err}");
}
