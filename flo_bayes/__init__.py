"""flo_bayes: Bayesian CLTV, RFM segments and risk-aware campaign planning."""
