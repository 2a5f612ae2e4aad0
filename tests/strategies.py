"""Hypothesis strategies of hostile values, named once for every property test of hostile inputs.

A hostile value is what a user passes by mistake: the wrong type (a string for
a number, a list for a mapping), a value that is not finite, an empty or 0-d
array, a complex or object array, a huge or negative number.
"""

import numpy as np
from hypothesis import strategies as st

#: Scalars of the wrong kind or out of every range.
hostile_scalars = st.one_of(
    st.none(), st.booleans(), st.text(max_size=4), st.just("0.05"), st.just(""),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    st.complex_numbers(max_magnitude=10, allow_nan=False),
)

#: Containers that are not what a function takes.
hostile_containers = st.one_of(
    st.lists(st.integers(min_value=-3, max_value=3), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.tuples(st.text(max_size=2)), st.sets(st.integers(), max_size=2),
)

#: Arrays a statistic cannot take: empty, 0-d, 1-d, 3-d, complex, object, strings, NaN and infinities,
#: non-binary values, masked.
hostile_arrays = st.sampled_from([
    np.array([]), np.array(1.0), np.zeros(5), np.zeros((2, 3, 4)), np.zeros((3, 0)),
    np.ones((2, 50), dtype=complex), np.array([[1, "a"]], dtype=object), np.array([["a", "b"]]),
    np.full((2, 50), np.nan), np.full((2, 50), np.inf), np.full((2, 50), 2.0), -np.ones((2, 50)),
    np.ma.masked_array(np.zeros((2, 50)), mask=np.eye(2, 50, dtype=bool)),
])

#: Every hostile value.
hostile = st.one_of(hostile_scalars, hostile_containers, hostile_arrays)
