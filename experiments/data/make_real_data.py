"""Writes the real datasets the shipped grids use, from scikit-learn's bundled copies.

    python experiments/data/make_real_data.py

iris, wine, breast_cancer and digits as CSV: the features under scikit-learn's feature names
(spaces and brackets as underscores), then a `label` column of integer classes. Values are
written as Python's shortest round-trip text, so the files hold exactly scikit-learn's floats;
digits' pixel counts are whole numbers and are written as such. Also writes
`crates/data/tests/fixtures/wine_standard_scaled.csv`: wine after scikit-learn's
StandardScaler, which the data crate's tests compare `scale = "standard"` against.

The data are the UCI Machine Learning Repository's (Fisher's iris; Forina et al.'s wine;
Wolberg, Street and Mangasarian's Wisconsin diagnostic breast cancer; Alpaydin and Kaynak's
optical digits), as scikit-learn ships them.
"""

import csv
import re
from pathlib import Path

import sklearn
from sklearn import datasets
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent.parent / "crates" / "data" / "tests" / "fixtures"


def clean(name):
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_")


def text(v, whole):
    return str(int(v)) if whole else repr(float(v))


def write(name, bunch, whole=False):
    names = [clean(n) for n in bunch.feature_names]
    with open(HERE / f"{name}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names + ["label"])
        for row, label in zip(bunch.data, bunch.target):
            w.writerow([text(v, whole) for v in row] + [int(label)])
    print(f"{name}.csv: {bunch.data.shape[0]} x {bunch.data.shape[1]}, "
          f"{len(set(bunch.target))} classes")


def main():
    print("scikit-learn", sklearn.__version__)
    write("iris", datasets.load_iris())
    wine = datasets.load_wine()
    write("wine", wine)
    write("breast_cancer", datasets.load_breast_cancer())
    write("digits", datasets.load_digits(), whole=True)
    scaled = StandardScaler().fit_transform(wine.data)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with open(FIXTURES / "wine_standard_scaled.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for row in scaled:
            w.writerow([repr(float(v)) for v in row])


if __name__ == "__main__":
    main()
