//! Agreement with scikit-learn 1.5.2 on the committed fixtures (`fixtures/make_fixtures.py`).
//!
//! Every value must agree within `1e-10`, relative to the value's size when it exceeds 1 (the
//! Calinski-Harabasz index runs into the thousands, where `1e-10` absolute would be below the
//! rounding of any summation order). Where scikit-learn raised, we must return an error.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::BTreeMap;

use clusterlab_core::ndarray::Array2;
use clusterlab_metrics::{
    EvaluateOptions, adjusted_mutual_info_score, adjusted_rand_score, calinski_harabasz_score,
    completeness_score, davies_bouldin_score, evaluate, homogeneity_completeness_v_measure,
    homogeneity_score, normalized_mutual_info_score, silhouette_samples, silhouette_score,
    v_measure_score,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixtures {
    sklearn: String,
    datasets: BTreeMap<String, Vec<Vec<f64>>>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    data: String,
    labels: Vec<usize>,
    truth: Option<Vec<usize>>,
    expected: BTreeMap<String, f64>,
    errors: BTreeMap<String, String>,
}

fn fixtures() -> Fixtures {
    let text = include_str!("fixtures/sklearn_metrics.json");
    let f: Fixtures = serde_json::from_str(text).unwrap();
    assert_eq!(f.sklearn, "1.5.2");
    f
}

fn matrix(rows: &[Vec<f64>]) -> Array2<f64> {
    let d = rows[0].len();
    Array2::from_shape_vec((rows.len(), d), rows.concat()).unwrap()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-10 * want.abs().max(1.0)
}

#[test]
fn internal_metrics_match_scikit_learn() {
    let f = fixtures();
    let mut checked = 0;
    for case in &f.cases {
        let x = matrix(&f.datasets[&case.data]);
        let results = [
            ("silhouette", silhouette_score(x.view(), &case.labels, None)),
            (
                "calinski_harabasz",
                calinski_harabasz_score(x.view(), &case.labels),
            ),
            (
                "davies_bouldin",
                davies_bouldin_score(x.view(), &case.labels),
            ),
        ];
        for (key, got) in results {
            match (case.expected.get(key), got) {
                (Some(&want), Ok(v)) => {
                    assert!(close(v, want), "{}: {key} = {v}, sklearn {want}", case.name);
                    checked += 1;
                }
                (None, Err(e)) => {
                    assert!(case.errors.contains_key(key), "{}: {key}", case.name);
                    assert!(e.to_string().contains("n_labels"), "{}: {e}", case.name);
                    checked += 1;
                }
                (want, got) => panic!("{}: {key}: sklearn {want:?}, ours {got:?}", case.name),
            }
        }
    }
    assert!(checked >= 45, "{checked}");
}

#[test]
fn silhouette_samples_average_to_the_score() {
    let f = fixtures();
    for case in f
        .cases
        .iter()
        .filter(|c| c.expected.contains_key("silhouette"))
    {
        let x = matrix(&f.datasets[&case.data]);
        let s = silhouette_samples(x.view(), &case.labels).unwrap();
        let mean = s.iter().sum::<f64>() / s.len() as f64;
        assert!(close(mean, case.expected["silhouette"]), "{}", case.name);
        assert!(s.iter().all(|v| (-1.0..=1.0).contains(v)));
    }
}

#[test]
fn external_metrics_match_scikit_learn() {
    let f = fixtures();
    let mut checked = 0;
    for case in &f.cases {
        let Some(truth) = &case.truth else { continue };
        let p = &case.labels;
        let (h, c, v) = homogeneity_completeness_v_measure(truth, p).unwrap();
        let results = [
            ("ari", adjusted_rand_score(truth, p).unwrap()),
            ("nmi", normalized_mutual_info_score(truth, p).unwrap()),
            ("ami", adjusted_mutual_info_score(truth, p).unwrap()),
            ("homogeneity", homogeneity_score(truth, p).unwrap()),
            ("completeness", completeness_score(truth, p).unwrap()),
            ("v_measure", v_measure_score(truth, p).unwrap()),
            ("homogeneity", h),
            ("completeness", c),
            ("v_measure", v),
        ];
        for (key, got) in results {
            let want = case.expected[key];
            assert!(
                close(got, want),
                "{}: {key} = {got}, sklearn {want}",
                case.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 100, "{checked}");
}

#[test]
fn evaluate_reports_the_same_values_and_none_where_sklearn_raises() {
    let f = fixtures();
    for case in &f.cases {
        let x = matrix(&f.datasets[&case.data]);
        let r = evaluate(
            x.view(),
            &case.labels,
            case.truth.as_deref(),
            &EvaluateOptions::exact(),
        )
        .unwrap();
        let json = serde_json::to_value(r).unwrap();
        for (key, want) in &case.expected {
            let got = json[key.as_str()].as_f64().unwrap();
            assert!(close(got, *want), "{}: {key}", case.name);
        }
        for key in case.errors.keys() {
            assert!(json[key.as_str()].is_null(), "{}: {key}", case.name);
        }
        assert!(json["silhouette_sample_size"].is_null());
    }
}
