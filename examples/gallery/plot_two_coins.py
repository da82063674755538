"""
The two coins
=============

Do and Batzoglou's five sets of ten tosses: which coin made each set is hidden. EM
weighs each set by the posterior of each coin, then sets each bias to its attributed
heads over its attributed tosses.
"""

import matplotlib.pyplot as plt

import fastem
from fastem import datasets, plotting

bm = fastem.BinomialMixture(2, n_trials=datasets.TEXTBOOK_TOSSES, fit_weights=False,
                            probs_init=[0.6, 0.5], tol=0, max_iter=10,
                            record_history=True).fit(datasets.TEXTBOOK_HEADS)
fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
plotting.plot_parameter_history(bm, "probs", ax=ax)
print("biases:", bm.probs_.round(3))
