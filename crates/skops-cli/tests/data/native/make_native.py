"""Write the models of `skops-rs inspect --native` and `skops-rs predict`'s tests: a
`StandardScaler` fitted on named columns (natively evaluated), a `KMeans` (a class native
prediction does not evaluate), and the CSV and JSON lines inputs of the error tests. Run from
this directory: `python make_native.py`.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler


def main() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(20, 3)), columns=["x0", "x1", "x2"])
    sio.dump(StandardScaler().fit(frame), Path("scaler.skops"))
    kmeans = KMeans(n_clusters=2, n_init=1, random_state=0).fit(frame.to_numpy())
    sio.dump(kmeans, Path("kmeans.skops"))


if __name__ == "__main__":
    main()
