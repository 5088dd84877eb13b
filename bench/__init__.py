"""`make bench` and `make bench-cluster`: the benchmark's code beside its data.

run.py (this assistant against Rasa's default config), cluster.py (two replicas against
one), load.py (the closed-loop REST client), train.py (training and NLU figures),
report.py (the table and plot), cost.py (server CPU per turn and the py-spy profile).
Run from the repository root: ``python -m bench.run``, ``python -m bench.cluster``.
"""
