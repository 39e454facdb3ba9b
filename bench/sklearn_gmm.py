"""Times scikit-learn's GaussianMixture per EM iteration on data and an initial state written
by `clusterlab bench gmm`.

    python bench/sklearn_gmm.py DIR --types full,tied,diag,spherical --threads 1,2 \
        --max-iter 20 --repeats 3

DIR holds x.npy, weights.npy, means.npy and precisions_<type>.npy. Each fit starts from that
state (weights_init, means_init, precisions_init) with tol = 0, so it runs exactly max_iter
iterations; the time of the whole fit divided by n_iter_ is reported, the minimum over repeats.
The last stdout line is a JSON object {type: {threads: seconds_per_iteration}}.
"""

import argparse
import json
import pathlib
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--types", default="full,tied,diag,spherical")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--max-iter", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    d = pathlib.Path(a.dir)
    X = np.load(d / "x.npy")
    weights = np.load(d / "weights.npy").ravel()
    means = np.load(d / "means.npy")
    out = {"sklearn_version": sklearn.__version__}
    warnings.simplefilter("ignore", ConvergenceWarning)
    for ct in a.types.split(","):
        prec = np.load(d / f"precisions_{ct}.npy")
        k, n_feat = means.shape
        shape = {"full": (k, n_feat, n_feat), "tied": (n_feat, n_feat), "diag": (k, n_feat), "spherical": (k,)}[ct]
        prec = prec.reshape(shape)
        out[ct] = {}
        for t in [int(s) for s in a.threads.split(",")]:
            best = float("inf")
            with threadpool_limits(limits=t):
                for _ in range(a.repeats):
                    gm = GaussianMixture(
                        n_components=k,
                        covariance_type=ct,
                        tol=0.0,
                        max_iter=a.max_iter,
                        weights_init=weights,
                        means_init=means,
                        precisions_init=prec,
                    )
                    t0 = time.perf_counter()
                    gm.fit(X)
                    best = min(best, (time.perf_counter() - t0) / gm.n_iter_)
            out[ct][str(t)] = best
            print(f"{ct} threads={t}: {best:.6f} s/iter", flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
