//! Agreement of `BayesianGaussianMixture` with scikit-learn 1.9.1 from the same initial
//! responsibilities, on the committed fixtures made by
//! `tests/fixtures/make_bayesian_fixtures.py` (two data sets, four covariance types, both
//! weight-prior types, default and explicit priors).
//!
//! Tolerances: identical `n_iter`, `converged` and labels; the lower bound (at every
//! iteration), the fitted arrays and the priors in force within 1e-9 relative (arrays:
//! relative to the largest entry of the same component's block, as in
//! `sklearn_parity.rs`).

// Helpers of a test file: a failure should stop the test where it happens.
#![allow(clippy::unwrap_used)]

use clusterlab_core::Model;
use clusterlab_gmm::{
    BayesianGaussianMixtureModel, BayesianGaussianMixtureParams, CovariancePrior, CovarianceType,
    NestedArray, WeightConcentration, WeightConcentrationPriorType,
};
use ndarray::Array2;
use serde_json::Value;

const TOL: f64 = 1e-9;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn vector(v: &Value) -> Vec<f64> {
    serde_json::from_value(v.clone()).unwrap()
}

/// Flattens a nested array into blocks, one per component (or one for a tied matrix).
fn blocks(v: &Value, ct: CovarianceType) -> Vec<Vec<f64>> {
    let nested: NestedArray = serde_json::from_value(v.clone()).unwrap();
    match (nested, ct) {
        (NestedArray::Matrices(s), _) => s.into_iter().map(|m| m.concat()).collect(),
        (NestedArray::Matrix(m), CovarianceType::Tied) => vec![m.concat()],
        (NestedArray::Matrix(m), _) => m,
        (NestedArray::Vector(v), _) => v.into_iter().map(|x| vec![x]).collect(),
    }
}

/// The largest difference relative to the largest entry of the same block; fails above `TOL`.
fn close_blocks(what: &str, got: &[Vec<f64>], want: &[Vec<f64>]) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: number of blocks");
    let mut worst: f64 = 0.0;
    for (j, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "{what}[{j}]: length");
        let scale = w
            .iter()
            .fold(0.0f64, |a, b| a.max(b.abs()))
            .max(f64::MIN_POSITIVE);
        for (a, b) in g.iter().zip(w) {
            let rel = (a - b).abs() / scale;
            worst = worst.max(rel);
            assert!(
                rel <= TOL,
                "{what}[{j}]: {a} vs sklearn {b} (relative {rel:e})"
            );
        }
    }
    worst
}

/// Element-wise relative difference of two vectors (each entry against itself).
fn close_each(what: &str, got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let mut worst: f64 = 0.0;
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        let rel = (a - b).abs() / b.abs().max(f64::MIN_POSITIVE);
        worst = worst.max(rel);
        assert!(
            rel <= TOL,
            "{what}[{i}]: {a} vs sklearn {b} (relative {rel:e})"
        );
    }
    worst
}

fn params_of(case: &Value, k: usize) -> BayesianGaussianMixtureParams {
    let ct: CovarianceType = serde_json::from_value(case["covariance_type"].clone()).unwrap();
    let wt: WeightConcentrationPriorType =
        serde_json::from_value(case["weight_concentration_prior_type"].clone()).unwrap();
    let given = &case["priors_given"];
    let f = |key: &str| given.get(key).map(|v| v.as_f64().unwrap());
    BayesianGaussianMixtureParams {
        covariance_type: ct,
        weight_concentration_prior_type: wt,
        weight_concentration_prior: f("weight_concentration_prior"),
        mean_precision_prior: f("mean_precision_prior"),
        degrees_of_freedom_prior: f("degrees_of_freedom_prior"),
        mean_prior: given.get("mean_prior").map(vector),
        covariance_prior: given
            .get("covariance_prior")
            .map(|v| serde_json::from_value(v.clone()).unwrap()),
        ..BayesianGaussianMixtureParams::new(k)
    }
}

#[derive(Default)]
struct Worst {
    lower_bound: f64,
    arrays: f64,
    priors: f64,
    cases: usize,
}

fn check_case(
    ctx: &str,
    x: &Array2<f64>,
    resp: &Array2<f64>,
    k: usize,
    case: &Value,
    worst: &mut Worst,
) {
    let params = params_of(case, k);
    let ct = params.covariance_type;
    let m = params
        .build()
        .unwrap()
        .fit_from_responsibilities(x.view(), resp.view())
        .unwrap();

    assert_eq!(
        m.n_iter() as u64,
        case["n_iter"].as_u64().unwrap(),
        "{ctx}: n_iter"
    );
    assert_eq!(
        m.converged(),
        case["converged"].as_bool().unwrap(),
        "{ctx}: converged"
    );
    let lbs = vector(&case["lower_bounds"]);
    assert_eq!(m.lower_bounds().len(), lbs.len(), "{ctx}: lower bounds");
    worst.lower_bound = worst
        .lower_bound
        .max(close_each(
            &format!("{ctx} lower_bounds"),
            m.lower_bounds(),
            &lbs,
        ))
        .max(close_each(
            &format!("{ctx} lower_bound"),
            &[m.lower_bound()],
            &[case["lower_bound"].as_f64().unwrap()],
        ));
    let labels: Vec<usize> = serde_json::from_value(case["labels"].clone()).unwrap();
    assert_eq!(m.labels(), &labels[..], "{ctx}: training labels");
    assert_eq!(m.predict(x.view()).unwrap(), labels, "{ctx}: predict");

    let one = |v: &[f64]| v.iter().map(|x| vec![*x]).collect::<Vec<_>>();
    let mut arrays = vec![
        close_blocks(
            &format!("{ctx} weights"),
            &one(&m.weights().to_vec()),
            &one(&vector(&case["weights"])),
        ),
        close_blocks(
            &format!("{ctx} means"),
            &m.means()
                .rows()
                .into_iter()
                .map(|r| r.to_vec())
                .collect::<Vec<_>>(),
            &serde_json::from_value::<Vec<Vec<f64>>>(case["means"].clone()).unwrap(),
        ),
        close_blocks(
            &format!("{ctx} covariances"),
            &blocks(&serde_json::to_value(m.covariances()).unwrap(), ct),
            &blocks(&case["covariances"], ct),
        ),
        close_blocks(
            &format!("{ctx} precisions_cholesky"),
            &blocks(&serde_json::to_value(m.precisions_cholesky()).unwrap(), ct),
            &blocks(&case["precisions_cholesky"], ct),
        ),
        close_each(
            &format!("{ctx} mean_precision"),
            &m.mean_precision().to_vec(),
            &vector(&case["mean_precision"]),
        ),
    ];
    let dof = match ct {
        // scikit-learn keeps one number for tied.
        CovarianceType::Tied => {
            assert!(
                m.degrees_of_freedom()
                    .iter()
                    .all(|v| *v == m.degrees_of_freedom()[0])
            );
            vec![case["degrees_of_freedom"].as_f64().unwrap()]
        }
        _ => vector(&case["degrees_of_freedom"]),
    };
    let got_dof = m.degrees_of_freedom().to_vec();
    arrays.push(close_each(
        &format!("{ctx} degrees_of_freedom"),
        &got_dof[..dof.len()],
        &dof,
    ));
    let wc = &case["weight_concentration"];
    match m.weight_concentration() {
        WeightConcentration::DirichletProcess { alpha, beta } => {
            arrays.push(close_each(
                &format!("{ctx} alpha"),
                &alpha.to_vec(),
                &vector(&wc[0]),
            ));
            arrays.push(close_each(
                &format!("{ctx} beta"),
                &beta.to_vec(),
                &vector(&wc[1]),
            ));
        }
        WeightConcentration::DirichletDistribution(c) => {
            arrays.push(close_each(
                &format!("{ctx} concentration"),
                &c.to_vec(),
                &vector(wc),
            ));
        }
    }
    worst.arrays = arrays.into_iter().fold(worst.arrays, f64::max);

    // The priors in force, given or derived from the data as scikit-learn derives them.
    let mut priors = vec![
        close_each(
            &format!("{ctx} weight_concentration_prior_"),
            &[m.weight_concentration_prior()],
            &[case["weight_concentration_prior_"].as_f64().unwrap()],
        ),
        close_each(
            &format!("{ctx} mean_precision_prior_"),
            &[m.mean_precision_prior()],
            &[case["mean_precision_prior_"].as_f64().unwrap()],
        ),
        close_each(
            &format!("{ctx} degrees_of_freedom_prior_"),
            &[m.degrees_of_freedom_prior()],
            &[case["degrees_of_freedom_prior_"].as_f64().unwrap()],
        ),
        close_blocks(
            &format!("{ctx} mean_prior_"),
            &[m.mean_prior().to_vec()],
            &[vector(&case["mean_prior_"])],
        ),
    ];
    let want_cov = &case["covariance_prior_"];
    let (got, want) = match m.covariance_prior() {
        CovariancePrior::Scalar(v) => (vec![*v], vec![want_cov.as_f64().unwrap()]),
        CovariancePrior::Vector(v) => (v.clone(), vector(want_cov)),
        CovariancePrior::Matrix(rows) => {
            (rows.concat(), matrix(want_cov).iter().copied().collect())
        }
    };
    priors.push(close_blocks(
        &format!("{ctx} covariance_prior_"),
        &[got],
        &[want],
    ));
    worst.priors = priors.into_iter().fold(worst.priors, f64::max);

    // predict_proba and score_samples of the first rows.
    let head = x.slice_axis(ndarray::Axis(0), (0..5).into());
    let pp = m.predict_proba(head).unwrap();
    for (a, b) in pp.iter().zip(matrix(&case["predict_proba_head"]).iter()) {
        assert!((a - b).abs() <= 1e-9, "{ctx}: predict_proba {a} vs {b}");
    }
    let ss = m.score_samples(head).unwrap();
    close_each(
        &format!("{ctx} score_samples"),
        &ss.to_vec(),
        &vector(&case["score_samples_head"]),
    );

    // The registry's view of the same fit.
    let s = m.summary();
    assert_eq!(s.score("elbo"), Some(m.lower_bound()));
    assert_eq!(s.n_iter, m.n_iter());
    let trace = m.trace().unwrap();
    assert_eq!((trace.objective, trace.values), ("elbo", m.lower_bounds()));
    let effective = m.weights().iter().filter(|w| **w > 0.01).count();
    assert_eq!(s.score("effective_n_components"), Some(effective as f64));

    // The model's JSON reads back into the same model.
    let back: BayesianGaussianMixtureModel = serde_json::from_value(m.to_json()).unwrap();
    assert_eq!(back, m, "{ctx}: JSON round trip");
    worst.cases += 1;
}

#[test]
fn matches_sklearn_from_the_same_initial_responsibilities() {
    let mut worst = Worst::default();
    for name in ["bayesian_blobs", "bayesian_aniso"] {
        let f = load(name);
        assert_eq!(f["sklearn_version"], "1.9.1");
        let x = matrix(&f["X"]);
        let k = f["n_components"].as_u64().unwrap() as usize;
        let resp = match f.get("resp_labels") {
            Some(labels) => {
                let labels: Vec<usize> = serde_json::from_value(labels.clone()).unwrap();
                Array2::from_shape_fn((x.nrows(), k), |(i, j)| f64::from(u8::from(labels[i] == j)))
            }
            None => matrix(&f["resp"]),
        };
        for case in f["cases"].as_array().unwrap() {
            let ctx = format!(
                "{name}/{}/{}/{}",
                case["weight_concentration_prior_type"].as_str().unwrap(),
                case["covariance_type"].as_str().unwrap(),
                if case["priors_given"].as_object().unwrap().is_empty() {
                    "default priors"
                } else {
                    "explicit priors"
                }
            );
            check_case(&ctx, &x, &resp, k, case, &mut worst);
        }
    }
    // 2 data sets x 2 prior types x 4 covariance types, and the blobs' explicit priors.
    assert_eq!(worst.cases, 24);
    eprintln!(
        "worst relative differences over {} cases: lower bound {:e}, arrays {:e}, priors {:e}",
        worst.cases, worst.lower_bound, worst.arrays, worst.priors
    );
}
