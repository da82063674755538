"""Type aliases of fastem's public signatures (PEP 484; the package ships py.typed)."""

from typing import Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ArrayLike", "NDArray", "RandomStateLike", "Float64Array", "IntArray"]

#: What ``random_state`` takes: None, an int, a SeedSequence, a Generator or a RandomState.
RandomStateLike = Union[None, int, np.random.SeedSequence, np.random.Generator,
                        np.random.RandomState]
Float64Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
