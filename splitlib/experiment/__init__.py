"""`splitlib experiment`: does the planned split beat the alternatives at equal compute?

From a committed split it runs a sweep, fits the law, plans the split for a held-out
target (a model size and compute the sweep never trained), and trains, at exactly that
compute, the planned split, one no-split model, the 80/20 habit and a grid of
pretraining fractions, each over several seeds; then reports measured against
predicted losses with intervals (results.json, a figure, a Markdown page).
"""
